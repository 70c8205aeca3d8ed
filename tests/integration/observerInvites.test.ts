/**
 * Observer invites over real HTTP (issue 8): the appointment's clinician invites someone for some
 * hours; the link is shown once, works once, and is traded for an HttpOnly cookie by a 303 whose
 * target carries no token; the invite can be listed and revoked, and it ends with its hours or
 * with the appointment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieName } from "../../server/auth/identity.ts";
import { RecordKind } from "../../server/storage/storage.ts";
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
let clock = Date.now();
const revoked: string[] = [];

beforeAll(async () => {
  server = await startPairingServer({}, { now: () => clock });
  staff = await pairingStaff(server);
  server.pairing.onRevoked((ids) => revoked.push(...ids));
});
afterAll(async () => {
  await server?.stopAsync();
});

const api = (method: string, path: string, opts: Parameters<typeof callApi>[3] = {}) =>
  callApi(server.origin, method, path, opts);
const observersPath = (appointmentId: string) => `/api/appointments/${appointmentId}/observers`;

async function invite(appointmentId = APPOINTMENT.appointmentId, hours = 2, displayName = "Sam (student)") {
  const res = await api("POST", observersPath(appointmentId), {
    staff: staff.clinician,
    body: { displayName, hours },
  });
  expect(res.status).toBe(201);
  return res.body as { invite: { inviteId: string; state: string; expiresAt: number }; link: string };
}

describe("observer invites", () => {
  it("a link shown once, traded for a cookie by a 303 to the room without the token", async () => {
    const created = await invite();
    expect(created.invite.state).toBe("open");
    expect(created.link).toMatch(
      new RegExp(`^http://localhost:${server.port}/observe/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`),
    );
    const token = created.link.split("/observe/")[1]!;
    // Stored hashed; the list never shows the link.
    const stored = await server.storage.getRecord(RecordKind.observerInvite, created.invite.inviteId);
    expect(stored!.body).not.toContain(token.split(".")[1]!);
    const listed = await api("GET", observersPath(APPOINTMENT.appointmentId), { staff: staff.clinician });
    expect(JSON.stringify(listed.body)).not.toContain(token.split(".")[1]!);

    const opened = await api("GET", `/observe/${token}`);
    expect(opened.status).toBe(303);
    expect(opened.headers.get("location")).toBe(`/room.html?appointment=${APPOINTMENT.appointmentId}`);
    expect(opened.headers.get("cache-control")).toBe("no-store");
    expect(opened.headers.get("referrer-policy")).toBe("no-referrer");
    const setCookie = opened.headers.getSetCookie()[0]!;
    expect(setCookie).toMatch(new RegExp(`^${CookieName.observer}=`));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = cookieFrom(opened, CookieName.observer);
    expect(cookie).not.toContain(token);

    expect(await server.pairing.identifyObserver(cookie)).toEqual({
      kind: "observer",
      credentialId: created.invite.inviteId,
      clinicId: "main",
      appointmentId: APPOINTMENT.appointmentId,
      displayName: "Sam (student)",
    });
    // Not a headset, and a headset check does not accept it.
    expect(await server.pairing.identifyHeadset(cookie)).toBeNull();

    // The same browser may open the link again; another browser may not.
    expect((await api("GET", `/observe/${token}`, { cookie })).status).toBe(303);
    const elsewhere = await api("GET", `/observe/${token}`);
    expect(elsewhere.status).toBe(410);
    expect(elsewhere.body).toMatch(/used already/);
    expect(elsewhere.headers.getSetCookie()).toEqual([]);

    const list = await api("GET", observersPath(APPOINTMENT.appointmentId), { staff: staff.clinician });
    expect(
      list.body.invites.find((i: { inviteId: string }) => i.inviteId === created.invite.inviteId).state,
    ).toBe("joined");
    // Who invited whom, and who opened it, is in the audit log, under the patient.
    const audit = (await server.storage.auditLog(100)).filter((e) => e.why.includes(created.invite.inviteId));
    expect(audit.map((e) => [e.who, e.action, e.subject])).toEqual([
      [staff.clinician.staff.staffId, "observer_invited", APPOINTMENT.patientId],
      [`observer:${created.invite.inviteId}`, "observer_joined", APPOINTMENT.patientId],
    ]);
  });

  it("two browsers opening one link at once: exactly one gets in", async () => {
    const created = await invite();
    const path = `/observe/${created.link.split("/observe/")[1]}`;
    const answers = await Promise.all([api("GET", path), api("GET", path), api("GET", path)]);
    expect(answers.map((a) => a.status).sort()).toEqual([303, 410, 410]);
  });

  it("revoking ends the link and the observer's cookie, and the listener hears it", async () => {
    const created = await invite();
    const token = created.link.split("/observe/")[1]!;
    const cookie = cookieFrom(await api("GET", `/observe/${token}`), CookieName.observer);
    const res = await api(
      "DELETE",
      `${observersPath(APPOINTMENT.appointmentId)}/${created.invite.inviteId}`,
      {
        staff: staff.clinician,
      },
    );
    expect(res.status).toBe(200);
    expect(revoked).toContain(created.invite.inviteId);
    expect(await server.pairing.identifyObserver(cookie)).toBeNull();
    expect((await api("GET", `/observe/${token}`, { cookie })).status).toBe(410);
    // Revoking twice, or under another appointment, finds nothing.
    expect(
      (
        await api("DELETE", `${observersPath(APPOINTMENT.appointmentId)}/${created.invite.inviteId}`, {
          staff: staff.clinician,
        })
      ).status,
    ).toBe(404);
    const other = await invite();
    expect(
      (
        await api("DELETE", `${observersPath(OTHER_APPOINTMENT.appointmentId)}/${other.invite.inviteId}`, {
          staff: staff.clinician,
        })
      ).status,
    ).toBe(404);
  });

  it("an invite ends with its hours", async () => {
    const created = await invite(APPOINTMENT.appointmentId, 1);
    const unopened = await invite(APPOINTMENT.appointmentId, 1);
    const cookie = cookieFrom(
      await api("GET", `/observe/${created.link.split("/observe/")[1]}`),
      CookieName.observer,
    );
    expect(await server.pairing.identifyObserver(cookie)).not.toBeNull();
    clock += 3_600_000;
    // The sweep tells the authenticator, so the observer's live socket is cut on time.
    const swept = await server.pairing.sweepAsync();
    expect(swept).toContain(created.invite.inviteId);
    expect(swept).not.toContain(unopened.invite.inviteId);
    expect(revoked).toContain(created.invite.inviteId);
    expect(await server.pairing.sweepAsync()).not.toContain(created.invite.inviteId);
    // An hour on, the staff sessions have gone idle too: sign in again.
    staff = await pairingStaff(server);
    expect(await server.pairing.identifyObserver(cookie)).toBeNull();
    expect((await api("GET", `/observe/${unopened.link.split("/observe/")[1]}`)).status).toBe(410);
    const list = await api("GET", observersPath(APPOINTMENT.appointmentId), { staff: staff.clinician });
    expect(
      list.body.invites.find((i: { inviteId: string }) => i.inviteId === unopened.invite.inviteId).state,
    ).toBe("expired");
  });

  it("the appointment ending ends its invites", async () => {
    const created = await invite(OTHER_APPOINTMENT.appointmentId);
    const cookie = cookieFrom(
      await api("GET", `/observe/${created.link.split("/observe/")[1]}`),
      CookieName.observer,
    );
    expect(await server.pairing.endForAppointment(OTHER_APPOINTMENT.appointmentId)).toContain(
      created.invite.inviteId,
    );
    expect(revoked).toContain(created.invite.inviteId);
    expect(await server.pairing.identifyObserver(cookie)).toBeNull();
  });

  it("only the appointment's clinician invites; assistants, admins, strangers and anonymous callers cannot", async () => {
    const body = { displayName: "Mum", hours: 1 };
    const path = observersPath(APPOINTMENT.appointmentId);
    expect((await api("POST", path, { body })).status).toBe(401);
    expect((await api("GET", path)).status).toBe(401);
    expect((await api("POST", path, { staff: staff.assistant, body })).status).toBe(403);
    expect((await api("POST", path, { staff: staff.admin, body })).status).toBe(403);
    expect((await api("POST", path, { staff: staff.otherClinician, body })).status).toBe(403);
    expect((await api("GET", path, { staff: staff.otherClinician })).status).toBe(403);
    expect((await api("POST", path, { staff: staff.clinician, body, csrf: false })).body.error.code).toBe(
      "csrf",
    );
    expect(
      (await api("POST", observersPath(DEMO_APPOINTMENT_ID), { staff: staff.clinician, body })).status,
    ).toBe(404);
  });

  it("bad input gets 400 with the problems by field", async () => {
    const path = observersPath(APPOINTMENT.appointmentId);
    const cases: [unknown, string][] = [
      [{ displayName: "", hours: 2 }, "displayName"],
      [{ displayName: "Sam", hours: 0 }, "hours"],
      [{ displayName: "Sam", hours: 25 }, "hours"],
      [{ displayName: "Sam", hours: 1.5 }, "hours"],
      [{ displayName: "Sam" }, "hours"],
      [{ displayName: "x".repeat(61), hours: 1 }, "displayName"],
    ];
    for (const [body, field] of cases) {
      const res = await api("POST", path, { staff: staff.clinician, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.problems.map((p: { path: string }) => p.path)).toContain(field);
    }
    expect((await api("DELETE", `${path}/%20bad`, { staff: staff.clinician })).status).toBe(400);
  });

  it("a made-up or mangled link opens nothing and says so", async () => {
    for (const token of ["abc", "AAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "a".repeat(90)]) {
      const res = await api("GET", `/observe/${token}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      expect(res.body).toMatch(/not valid/);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
  });
});
