/**
 * Headset pairing over real HTTP (RFC 8628 device grant, issue 8): the headset asks for a code and
 * polls; the appointment's clinician looks the code up, confirms the patient's name and approves;
 * the headset's next poll gets an HttpOnly cookie that proves the patient of exactly that
 * appointment, once. Who may pair, what wrong input gets, brute force, handing the headset on,
 * replacing it, the appointment ending, and a restart.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieName } from "../../server/auth/identity.ts";
import { RecordKind } from "../../server/storage/storage.ts";
import type { HeadsetCode } from "../../shared/pairing.ts";
import type { TestServer } from "../harness.ts";
import {
  APPOINTMENT,
  callApi,
  cookieFrom,
  DEMO_APPOINTMENT_ID,
  OTHER_APPOINTMENT,
  type PairingStaff,
  pairingStaff,
  startPairingServer,
} from "../pairingFixture.ts";

let server: TestServer;
let staff: PairingStaff;
const revoked: string[] = [];

beforeAll(async () => {
  server = await startPairingServer();
  staff = await pairingStaff(server);
  server.pairing.onRevoked((ids) => revoked.push(...ids));
});
afterAll(async () => {
  await server?.stopAsync();
});

const api = (method: string, path: string, opts: Parameters<typeof callApi>[3] = {}) =>
  callApi(server.origin, method, path, opts);

async function newCode(): Promise<HeadsetCode> {
  const res = await api("POST", "/api/headset/code", { body: {} });
  expect(res.status).toBe(200);
  return res.body as HeadsetCode;
}

const headsetPath = (appointmentId: string) => `/api/appointments/${appointmentId}/headset`;

/** Pairs a fresh headset to an appointment; returns its cookie. */
async function pairHeadset(appointmentId = APPOINTMENT.appointmentId): Promise<string> {
  const code = await newCode();
  const approved = await api("POST", headsetPath(appointmentId), {
    staff: staff.clinician,
    body: { userCode: code.userCode },
  });
  expect(approved.status).toBe(200);
  const poll = await api("POST", "/api/headset/token", { body: { deviceCode: code.deviceCode } });
  expect(poll.body).toEqual({ status: "approved", appointmentId });
  return cookieFrom(poll, CookieName.headset);
}

describe("headset pairing over HTTP", () => {
  it("pairs a headset by its code: look up, confirm the name, approve; the next poll gets the cookie once", async () => {
    const code = await newCode();
    expect(code.userCode).toMatch(/^[34679ACDEFGHJKMNPQRTUVWXY]{6}$/);
    expect(code).toMatchObject({ expiresIn: 600, interval: 2 });
    expect((await api("POST", "/api/headset/token", { body: { deviceCode: code.deviceCode } })).body).toEqual(
      {
        status: "authorization_pending",
        interval: 2,
      },
    );

    // The clinician types it as people do (lower case, a dash) and sees whose appointment it is.
    const typed = `${code.userCode.slice(0, 3).toLowerCase()}-${code.userCode.slice(3)}`;
    const lookup = await api("POST", `${headsetPath(APPOINTMENT.appointmentId)}/lookup`, {
      staff: staff.clinician,
      body: { userCode: typed },
    });
    expect(lookup.status).toBe(200);
    expect(lookup.body).toEqual({
      appointmentId: APPOINTMENT.appointmentId,
      patientName: APPOINTMENT.patientName,
    });
    // The look-up alone pairs nothing.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(
      (await api("POST", "/api/headset/token", { body: { deviceCode: code.deviceCode } })).body.status,
    ).toBe("authorization_pending");

    const approve = await api("POST", headsetPath(APPOINTMENT.appointmentId), {
      staff: staff.assistant,
      body: { userCode: typed },
    });
    expect(approve.status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_000));
    const poll = await api("POST", "/api/headset/token", { body: { deviceCode: code.deviceCode } });
    expect(poll.status).toBe(200);
    expect(poll.body).toEqual({ status: "approved", appointmentId: APPOINTMENT.appointmentId });
    expect(JSON.stringify(poll.body)).not.toMatch(/token|secret/i);
    const setCookie = poll.headers.getSetCookie().find((c) => c.startsWith(`${CookieName.headset}=`))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).toMatch(/Max-Age=43200/);
    const cookie = cookieFrom(poll, CookieName.headset);

    const identity = await server.pairing.identifyHeadset(cookie);
    expect(identity).toMatchObject({
      kind: "headset",
      clinicId: "main",
      appointmentId: APPOINTMENT.appointmentId,
      patientId: APPOINTMENT.patientId,
    });
    // Only the hash of the cookie's secret is stored.
    const stored = await server.storage.listRecords(RecordKind.headsetCredential);
    const secret = cookie.split("=")[1]!.split(".")[1]!;
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.some((r) => r.body.includes(secret))).toBe(false);

    // Single use: the device code and the user code are spent.
    await new Promise((r) => setTimeout(r, 2_000));
    const again = await api("POST", "/api/headset/token", { body: { deviceCode: code.deviceCode } });
    expect(again.body).toEqual({ status: "expired_token" });
    expect(again.headers.getSetCookie()).toEqual([]);
    const reuse = await api("POST", headsetPath(OTHER_APPOINTMENT.appointmentId), {
      staff: staff.clinician,
      body: { userCode: code.userCode },
    });
    expect(reuse.status).toBe(409);
    expect(reuse.body.error.code).toBe("conflict");
  });

  it("tells a headset that polls too fast to slow down", async () => {
    const code = await newCode();
    const poll = () => api("POST", "/api/headset/token", { body: { deviceCode: code.deviceCode } });
    expect((await poll()).body.status).toBe("authorization_pending");
    expect((await poll()).body).toEqual({ status: "slow_down", interval: 7 });
  });

  it("a forged or tampered headset cookie proves nothing", async () => {
    const cookie = await pairHeadset(OTHER_APPOINTMENT.appointmentId);
    const [name, value] = cookie.split("=") as [string, string];
    const [id, secret] = value.split(".") as [string, string];
    const flipped = secret.slice(0, -1) + (secret.endsWith("A") ? "B" : "A");
    expect(await server.pairing.identifyHeadset(`${name}=${id}.${flipped}`)).toBeNull();
    expect(await server.pairing.identifyHeadset(`${name}=nonsense`)).toBeNull();
    expect(await server.pairing.identifyHeadset(undefined)).toBeNull();
    // A staff session cookie is not a headset credential.
    expect(await server.pairing.identifyHeadset(staff.clinician.cookie)).toBeNull();
    expect(await server.pairing.identifyHeadset(cookie)).not.toBeNull();
  });

  it("only the appointment's own clinician or assistant may pair, with the CSRF token", async () => {
    const { userCode } = await newCode();
    const path = `${headsetPath(APPOINTMENT.appointmentId)}/lookup`;
    const body = { userCode };
    expect((await api("POST", path, { body })).status).toBe(401);
    expect((await api("POST", path, { staff: staff.clinician, body, csrf: false })).body.error.code).toBe(
      "csrf",
    );
    const admin = await api("POST", path, { staff: staff.admin, body });
    expect(admin.status).toBe(403);
    expect(admin.body.error.code).toBe("forbidden");
    const stranger = await api("POST", path, { staff: staff.otherClinician, body });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.message).toMatch(/clinician or assistant/);
    // The demo clinic's appointment does not exist for the real clinic's staff.
    expect(
      (await api("POST", `${headsetPath(DEMO_APPOINTMENT_ID)}/lookup`, { staff: staff.clinician, body }))
        .status,
    ).toBe(404);
    expect(
      (await api("POST", `${headsetPath("nobody")}/lookup`, { staff: staff.clinician, body })).status,
    ).toBe(404);
    expect((await api("GET", headsetPath(APPOINTMENT.appointmentId))).status).toBe(401);
    expect(
      (await api("DELETE", headsetPath(APPOINTMENT.appointmentId), { staff: staff.otherClinician })).status,
    ).toBe(403);
    expect((await api("POST", path, { staff: staff.clinician, body })).status).toBe(200);
  });

  it("bad input gets 400 with the problem by field, never a crash", async () => {
    const path = `${headsetPath(APPOINTMENT.appointmentId)}/lookup`;
    for (const body of [{}, { userCode: "K7M3Q0" }, { userCode: 12 }, { userCode: "K7M3QX", extra: 1 }]) {
      const res = await api("POST", path, { staff: staff.assistant, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid");
      expect(res.body.error.problems.length).toBeGreaterThan(0);
    }
    const bad = await api("POST", path, { staff: staff.assistant, body: { userCode: "K7M3Q0" } });
    expect(bad.body.error.problems[0]).toMatchObject({ path: "userCode" });
    expect((await api("POST", "/api/headset/token", { body: { deviceCode: 5 } })).status).toBe(400);
    expect((await api("POST", "/api/headset/token", { body: "x" })).status).toBe(400);
    expect((await api("POST", "/api/headset/code", { body: { userCode: "x" } })).status).toBe(400);
    expect(
      (await api("POST", `${headsetPath("Not An Id")}/lookup`, { staff: staff.assistant, body: {} })).status,
    ).toBe(400);
  });

  it("holds off a staff member who types wrong codes (429 with when to retry), even for the right code", async () => {
    const victim = await newCode();
    const guesser = staff.assistant;
    const path = `${headsetPath(OTHER_APPOINTMENT.appointmentId)}/lookup`;
    let wrong = 0;
    for (const c of "34679") {
      const guess = `${c}${c}${c}${c}${c}${c}`;
      if (guess === victim.userCode) continue;
      const res = await api("POST", path, { staff: guesser, body: { userCode: guess } });
      expect(res.status).toBe(400);
      expect(res.body.error.problems[0].path).toBe("userCode");
      wrong++;
    }
    expect(wrong).toBe(5);
    const limited = await api("POST", path, { staff: guesser, body: { userCode: victim.userCode } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(limited.body.error.retryAfterMs).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const approve = await api("POST", headsetPath(OTHER_APPOINTMENT.appointmentId), {
      staff: guesser,
      body: { userCode: victim.userCode },
    });
    expect(approve.status).toBe(429);
  });

  it("hands the headset to the next patient: its credential ends and the listener hears it", async () => {
    const cookie = await pairHeadset();
    const identity = await server.pairing.identifyHeadset(cookie);
    expect(
      (await api("GET", headsetPath(APPOINTMENT.appointmentId), { staff: staff.clinician })).body.paired,
    ).toBe(true);
    const res = await api("DELETE", headsetPath(APPOINTMENT.appointmentId), { staff: staff.clinician });
    expect(res.status).toBe(200);
    expect(res.body.ended).toBeGreaterThanOrEqual(1);
    expect(revoked).toContain(identity!.credentialId);
    expect(await server.pairing.identifyHeadset(cookie)).toBeNull();
    // Who paired and who handed on the patient's headset is in the audit log, under the patient.
    const audit = (await server.storage.auditLog(200)).filter((e) => e.subject === APPOINTMENT.patientId);
    expect(audit.some((e) => e.action === "headset_paired" && e.why.includes(identity!.credentialId))).toBe(
      true,
    );
    expect(
      audit.some((e) => e.action === "headset_handed_on" && e.who === staff.clinician.staff.staffId),
    ).toBe(true);
    expect(
      (await api("GET", headsetPath(APPOINTMENT.appointmentId), { staff: staff.clinician })).body,
    ).toEqual({
      paired: false,
      pairedAt: null,
    });
  });

  it("an approval handed on before the headset collected it is never collected", async () => {
    const code = await newCode();
    await api("POST", headsetPath(APPOINTMENT.appointmentId), {
      staff: staff.clinician,
      body: { userCode: code.userCode },
    });
    await api("DELETE", headsetPath(APPOINTMENT.appointmentId), { staff: staff.clinician });
    const poll = await api("POST", "/api/headset/token", { body: { deviceCode: code.deviceCode } });
    expect(poll.body).toEqual({ status: "access_denied" });
    expect(poll.headers.getSetCookie()).toEqual([]);
  });

  it("pairing another headset for the appointment ends the first one (one seat, one headset)", async () => {
    const first = await pairHeadset();
    const firstId = (await server.pairing.identifyHeadset(first))!.credentialId;
    const second = await pairHeadset();
    expect(revoked).toContain(firstId);
    expect(await server.pairing.identifyHeadset(first)).toBeNull();
    expect(await server.pairing.identifyHeadset(second)).toMatchObject({
      appointmentId: APPOINTMENT.appointmentId,
    });
  });

  it("the appointment ending ends its headset", async () => {
    const cookie = await pairHeadset(OTHER_APPOINTMENT.appointmentId);
    const id = (await server.pairing.identifyHeadset(cookie))!.credentialId;
    const ended = await server.pairing.endForAppointment(OTHER_APPOINTMENT.appointmentId);
    expect(ended).toContain(id);
    expect(revoked).toContain(id);
    expect(await server.pairing.identifyHeadset(cookie)).toBeNull();
  });
});

describe("a paired headset's lifetime", () => {
  it("ends after 12 hours, or when its appointment leaves the clinic, and the sweep says so", async () => {
    let clock = Date.now();
    const timed = await startPairingServer({}, { now: () => clock });
    try {
      const ended: string[] = [];
      timed.pairing.onRevoked((ids) => ended.push(...ids));
      const { clinician } = await pairingStaff(timed);
      const pair = async (appointmentId: string) => {
        const code = (await callApi(timed.origin, "POST", "/api/headset/code", { body: {} }))
          .body as HeadsetCode;
        await callApi(timed.origin, "POST", headsetPath(appointmentId), {
          staff: clinician,
          body: { userCode: code.userCode },
        });
        const poll = await callApi(timed.origin, "POST", "/api/headset/token", {
          body: { deviceCode: code.deviceCode },
        });
        return cookieFrom(poll, CookieName.headset);
      };
      const a = await pair(APPOINTMENT.appointmentId);
      const b = await pair(OTHER_APPOINTMENT.appointmentId);
      const idA = (await timed.pairing.identifyHeadset(a))!.credentialId;
      const idB = (await timed.pairing.identifyHeadset(b))!.credentialId;
      expect(await timed.pairing.sweepAsync()).toEqual([]);

      // The records drop an appointment (finished elsewhere): the sweep ends its headset.
      (timed.clinic.appointments as Map<string, unknown>).delete(OTHER_APPOINTMENT.appointmentId);
      expect(await timed.pairing.sweepAsync()).toEqual([idB]);
      expect(ended).toEqual([idB]);

      clock += 12 * 3_600_000;
      expect(await timed.pairing.sweepAsync()).toEqual([idA]);
      expect(await timed.pairing.identifyHeadset(a)).toBeNull();
    } finally {
      await timed.stopAsync();
    }
  });
});

describe("a paired headset across a restart", () => {
  it("keeps its credential: it is stored, not held in memory", async () => {
    const first = await startPairingServer();
    const { clinician } = await pairingStaff(first);
    const code = (await callApi(first.origin, "POST", "/api/headset/code", { body: {} })).body as HeadsetCode;
    await callApi(first.origin, "POST", headsetPath(APPOINTMENT.appointmentId), {
      staff: clinician,
      body: { userCode: code.userCode },
    });
    const poll = await callApi(first.origin, "POST", "/api/headset/token", {
      body: { deviceCode: code.deviceCode },
    });
    const cookie = cookieFrom(poll, CookieName.headset);
    await first.closeAsync();
    const second = await startPairingServer({ dataDir: first.dataDir });
    try {
      expect(await second.pairing.identifyHeadset(cookie)).toMatchObject({
        appointmentId: APPOINTMENT.appointmentId,
      });
    } finally {
      await second.stopAsync();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
