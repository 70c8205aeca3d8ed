/**
 * The gateway over real HTTP and Socket.IO (issue 8): nothing answers an anonymous caller but the
 * public client and the health check; the room admission matrix through real sockets (staff on the
 * appointment or not, admin, another clinic, paired headset, invited observer, demo pass for the
 * demo clinic and for a real one, demo off); a revoked credential's live socket is cut at once with
 * its reason; the demo clinic and the real one stay apart; and nobody without the paired headset's
 * credential takes the patient's seat or lifts the patient's stop.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticClinic } from "../../server/clinic.ts";
import { signInvite } from "../../server/tokens.ts";
import { ProcedureStatus, type ProcedureView } from "../../shared/procedure/types.ts";
import { CloseReason, ErrorCode, Ev, PROTOCOL_VERSION, VOICE_NAMESPACE } from "../../shared/protocol.ts";
import { clientPayloadSchemas } from "../../shared/schemas.ts";
import {
  connectRefusal,
  cookieAuth,
  passAuth,
  startTestServer,
  TestClient,
  type TestServer,
  waitFor,
} from "../harness.ts";
import { IssuedCredentials } from "../issuedCredentials.ts";
import { RawClient } from "../rawClient.ts";
import { signedInStaff } from "../staffAccount.ts";

/** Routes anyone may call by design, and why. Every other route must refuse an anonymous caller. */
const PUBLIC_BY_DESIGN: Record<string, string> = {
  "GET /healthz": "says only that the server is up",
  "GET /readyz": "says only whether this node can take connections (the balancer's check)",
  "GET /*": "the built client's pages and assets (no data in them)",
  "GET /api/session": "says only whether this browser is signed in and how one can sign in",
  "POST /api/auth/passkey/options": "a passkey sign-in challenge: the first step of signing in",
  "POST /api/headset/code": "a pairing code for a headset: it grants nothing until a clinician approves it",
  "POST /api/headset/token":
    "a headset asking whether it was paired (RFC 8628 polling); grants only after approval",
  "GET /observe/:token": "an observer's invite link: only a valid, unrevoked invite opens anything",
  // The patient's lesson link: only the assignment's own secret opens it
  "GET /api/lesson-links/:assignmentId": "a patient's lesson link: only its secret opens that one lesson",
  "POST /api/lesson-links/:assignmentId/consent":
    "the patient's own consent, through their lesson link's secret",
  "POST /api/lesson-links/:assignmentId/answers": "the patient's answers, through their lesson link's secret",
};
/** The demo clinic's doors: public while CHAIRSIDE_DEMO is on, and only ever about the demo clinic. */
const DEMO_DOORS = ["GET /api/demo/appointments", "POST /api/demo/pass", "GET /join/:appointmentId/:role"];

const clinic = () => syntheticClinic({ patientIds: ["ada", "ben"], teeth: [36], planId: "sensor-check-36" });

let server: TestServer;
let demoOff: TestServer;
let issued: IssuedCredentials;
const clients: TestClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ demo: true }, { clinic: clinic() });
  demoOff = await startTestServer({ demo: false, clientDir: "dist" }, { clinic: clinic() });
  issued = IssuedCredentials.on(server);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stopAsync();
  await demoOff?.stopAsync();
});

const ada = () => server.clinic.appointments.get("ada")!;
const keep = (c: TestClient) => {
  clients.push(c);
  return c;
};
/** Joins and waits for the welcome or the refusal. */
async function joinAsync(auth: Record<string, unknown>, cookie?: string): Promise<TestClient> {
  const client = keep(new TestClient(server.origin, auth, cookie));
  await waitFor(() => client.view !== null, "welcome");
  return client;
}
const roleOf = (c: TestClient) => c.view!.members.find((m) => m.memberId === c.memberId)!.role;
const staffCookie = async (staffId: string, role: "clinician" | "assistant" | "admin", clinicId = "main") =>
  (await signedInStaff(server, { staffId, role, clinicId })).cookie;

/** Fills a route's parameters with a real appointment's values. */
const concrete = (url: string) =>
  url.replace(":appointmentId", "ada").replace(":role", "clinician").replace("*", "room.html");

describe("an anonymous caller", () => {
  it("gets nothing from any route but the public client and the health check (demo off)", async () => {
    const routes = demoOff.routes().filter((r) => r.method !== "HEAD");
    expect(routes.length).toBeGreaterThan(1);
    for (const route of routes) {
      const key = `${route.method} ${route.url}`;
      if (PUBLIC_BY_DESIGN[key]) continue;
      const r = await fetch(`${demoOff.origin}${concrete(route.url)}`, {
        method: route.method,
        redirect: "manual",
        ...(route.method === "GET" ? {} : { headers: { "content-type": "application/json" }, body: "{}" }),
      });
      expect(r.status, key).toBeGreaterThanOrEqual(400);
      expect(r.status, key).not.toBe(500);
    }
    // And with the demo off, none of the demo's doors exists.
    for (const door of DEMO_DOORS) {
      const [method, url] = door.split(" ") as [string, string];
      const r = await fetch(`${demoOff.origin}${concrete(url).replace("ada", "julian")}`, {
        method,
        redirect: "manual",
        ...(method === "GET"
          ? {}
          : {
              headers: { "content-type": "application/json" },
              body: '{"appointmentId":"julian","role":"patient"}',
            }),
      });
      expect([404, 405], door).toContain(r.status);
    }
  });

  it("finds only the demo clinic behind the demo's doors while the demo is on", async () => {
    const doors = server.routes().map((r) => `${r.method} ${r.url}`);
    for (const door of DEMO_DOORS) expect(doors).toContain(door);
    const list = await (await fetch(`${server.origin}/api/demo/appointments`)).json();
    expect(JSON.stringify(list)).not.toContain("ada");
    const pass = await fetch(`${server.origin}/api/demo/pass`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ appointmentId: "ada", role: "clinician" }),
    });
    expect(pass.status).toBe(404);
    expect((await fetch(`${server.origin}/join/ada/patient`, { redirect: "manual" })).status).toBe(404);
    expect((await fetch(`${server.origin}/api/rooms/ada/seat`)).status).toBe(401);
  });

  it("cannot connect, and no socket event it sends is handled", async () => {
    for (const origin of [server.origin, demoOff.origin]) {
      expect(await connectRefusal(origin, cookieAuth("ada"))).toMatchObject({ code: ErrorCode.tokenMissing });
      expect(await connectRefusal(origin, { protocolVersion: PROTOCOL_VERSION })).toMatchObject({
        code: ErrorCode.badPayload,
      });
    }
    const room = server.sessions.forAppointment("ada").room;
    const before = { seq: room.lastSeq, procedure: JSON.stringify(room.getProcedure()) };
    const events = [Ev.pose, Ev.snapshot, ...Object.keys(clientPayloadSchemas)];
    const raw = new RawClient(server.origin, "/");
    try {
      expect(await raw.connectAsync(cookieAuth("ada"))).toMatchObject({ code: ErrorCode.tokenMissing });
      for (const event of events) raw.emitRaw(event, "{}", true);
      // A second handshake on the same transport is answered after every packet before it was read.
      expect(await raw.connectAsync(cookieAuth("ada"))).toMatchObject({ code: ErrorCode.tokenMissing });
      expect(raw.acks.size).toBe(0);
      expect(raw.protocolErrors).toEqual([]);
    } finally {
      raw.close();
    }
    expect({ seq: room.lastSeq, procedure: JSON.stringify(room.getProcedure()) }).toEqual(before);
  });
});

describe("room admission through real sockets", () => {
  it("seats the appointment's own clinician and assistant, and no other staff", async () => {
    const { clinicianId, assistantId } = ada().staff;
    const clinician = await joinAsync(cookieAuth("ada"), await staffCookie(clinicianId, "clinician"));
    expect(roleOf(clinician)).toBe("clinician");
    const assistant = await joinAsync(cookieAuth("ada"), await staffCookie(assistantId!, "assistant"));
    expect(roleOf(assistant)).toBe("assistant");
    const refusals = [
      [await staffCookie("admin-1", "admin"), /does not enter/],
      [await staffCookie("dr-unassigned", "clinician"), /care team/],
      [await staffCookie("dr-elsewhere", "clinician", "other-clinic"), /another clinic/],
    ] as const;
    for (const [cookie, message] of refusals) {
      const refusal = await connectRefusal(server.origin, cookieAuth("ada"), cookie);
      expect(refusal).toMatchObject({ code: ErrorCode.forbidden });
      expect(refusal!.message).toMatch(message);
    }
    // The HTTP side asks the same authenticator and admission.
    const seat = await fetch(`${server.origin}/api/rooms/ada/seat`, {
      headers: { cookie: await staffCookie(clinicianId, "clinician") },
    });
    expect(await seat.json()).toMatchObject({ appointmentId: "ada", role: "clinician" });
    const admin = await fetch(`${server.origin}/api/rooms/ada/seat`, {
      headers: { cookie: await staffCookie("admin-1", "admin") },
    });
    expect(admin.status).toBe(403);
  });

  it("seats a paired headset as the patient of exactly its appointment, and an observer as an observer", async () => {
    const headset = issued.headset(server, "ben");
    const patient = await joinAsync(cookieAuth("ben"), headset.cookie);
    expect(patient.view!.members.find((m) => m.memberId === patient.memberId)).toMatchObject({
      role: "patient",
      personId: "ben",
    });
    expect(await connectRefusal(server.origin, cookieAuth("ada"), headset.cookie)).toMatchObject({
      code: ErrorCode.forbidden,
    });
    const observer = await joinAsync(cookieAuth("ben"), issued.observer(server, "ben", "A student").cookie);
    expect(roleOf(observer)).toBe("observer");
  });

  it("seats a demo pass in the demo clinic only, and not at all with the demo off", async () => {
    const julian = await joinAsync(passAuth(server, "julian", "clinician"));
    expect(roleOf(julian)).toBe("clinician");
    // A good demo pass, presented for a real clinic's room.
    const { pass } = passAuth(server, "julian", "patient");
    const forReal = await connectRefusal(server.origin, { ...cookieAuth("ada"), pass });
    expect(forReal).toMatchObject({ code: ErrorCode.forbidden });
    // A pass the server signed naming the real appointment (a stolen secret would still not seat it).
    const claims = { appointmentId: "ada", roomId: "room-ada", personId: "ada", role: "patient", exp: 2e9 };
    const forged = await connectRefusal(server.origin, {
      ...cookieAuth("ada"),
      pass: signInvite(server.secret, claims as never),
    });
    expect(forged).toMatchObject({ code: ErrorCode.forbidden });
    expect(forged!.message).toMatch(/demo clinic/);
    // Demo off: the same kind of pass opens nothing, not even the demo clinic.
    const off = demoOff.demoPasses.mint("julian", "clinician")!;
    const refusal = await connectRefusal(demoOff.origin, { ...cookieAuth("julian"), pass: off.pass });
    expect(refusal).toMatchObject({ code: ErrorCode.forbidden });
    expect(refusal!.message).toMatch(/turned off/);
  });
});

describe("revocation", () => {
  it("cuts a signed-out staff member's live socket at once, with the reason, and keeps it out", async () => {
    const { clinicianId } = ada().staff;
    const signed = await signedInStaff(server, { staffId: clinicianId, role: "clinician" });
    const ray = await joinAsync(cookieAuth("ada"), signed.cookie);
    const bystander = await joinAsync(
      cookieAuth("ada"),
      await staffCookie(ada().staff.assistantId!, "assistant"),
    );
    server.authenticator.revoked(await server.staffSessions.endAllFor(clinicianId));
    await waitFor(() => !ray.socket.connected, "the signed-out socket is cut");
    expect(ray.errors).toContainEqual(
      expect.objectContaining({ event: CloseReason.revoked, message: expect.stringMatching(/signed out/) }),
    );
    // Coming back with the ended cookie (a page that was away meanwhile) is told it was signed out.
    expect(await connectRefusal(server.origin, cookieAuth("ada"), signed.cookie)).toMatchObject({
      code: ErrorCode.tokenExpired,
      message: expect.stringMatching(/signed out/),
    });
    // Only that credential's sockets: the assistant on another session stays.
    expect(bystander.socket.connected).toBe(true);
  });

  it("tells a signed-out clinician why even while a voice line shares the connection", async () => {
    const { clinicianId } = ada().staff;
    const signed = await signedInStaff(server, { staffId: clinicianId, role: "clinician" });
    const ray = await joinAsync(cookieAuth("ada"), signed.cookie);
    // The page's voice line rides the room socket's connection (one Manager), as in the browser.
    const voice = ray.socket.io.socket(VOICE_NAMESPACE, { auth: cookieAuth("ada") });
    voice.connect();
    await waitFor(() => voice.connected, "the voice line is open");
    server.authenticator.revoked(await server.staffSessions.endAllFor(clinicianId));
    await waitFor(() => !ray.socket.connected && !voice.connected, "both are cut");
    // Ending the voice line must not close the shared connection before the room says why.
    expect(ray.errors).toContainEqual(
      expect.objectContaining({ event: CloseReason.revoked, message: expect.stringMatching(/signed out/) }),
    );
  });

  it("cuts a socket whose staff session ran out with nobody announcing it, at the next re-check", async () => {
    const short = await startTestServer(
      {},
      { clinic: clinic(), sessionPolicy: { idleMs: 3_600_000, absoluteMs: 1_500 }, revalidateEveryMs: 200 },
    );
    try {
      const appt = short.clinic.appointments.get("ada")!;
      const { cookie } = await signedInStaff(short, { staffId: appt.staff.clinicianId, role: "clinician" });
      const ray = keep(new TestClient(short.origin, cookieAuth("ada"), cookie));
      await ray.welcomedAsync("clinician");
      await waitFor(() => !ray.socket.connected, "the expired session's socket is cut", 5_000);
      expect(ray.errors.at(-1)).toMatchObject({ event: CloseReason.revoked });
    } finally {
      await short.stopAsync();
    }
  });

  it("cuts a handed-on headset and a withdrawn observer", async () => {
    const headset = issued.headset(server, "ada");
    const patient = await joinAsync(cookieAuth("ada"), headset.cookie);
    const invitation = issued.observer(server, "ada", "Family");
    const observer = await joinAsync(cookieAuth("ada"), invitation.cookie);
    issued.revoke(headset.credentialId);
    await waitFor(() => !patient.socket.connected, "the headset is cut");
    expect(patient.errors.at(-1)).toMatchObject({ event: CloseReason.revoked });
    expect(patient.errors.at(-1)!.message).toMatch(/handed to the next patient/);
    expect(observer.socket.connected).toBe(true);
    issued.revoke(invitation.credentialId);
    await waitFor(() => !observer.socket.connected, "the observer is cut");
    expect(observer.errors.at(-1)!.message).toMatch(/invitation/);
  });
});

describe("the patient's seat and stop", () => {
  it("cannot be taken or lifted by anyone without the paired headset's credential", async () => {
    const appt = ada();
    const ray = await joinAsync(cookieAuth("ada"), await staffCookie(appt.staff.clinicianId, "clinician"));
    const noah = await joinAsync(cookieAuth("ada"), await staffCookie(appt.staff.assistantId!, "assistant"));
    const headset = issued.headset(server, "ada");
    const patient = await joinAsync(cookieAuth("ada"), headset.cookie);
    const procedure = (c: TestClient, command: string, reason?: string) =>
      c.command<ProcedureView>(Ev.procedureCommand, reason ? { command, reason } : { command });
    await procedure(ray, "abort");
    expect((await ray.command(Ev.procedureSelect, { planId: "sensor-check-36" })).ok).toBe(true);
    expect((await procedure(ray, "start")).ok).toBe(true);
    expect(await procedure(patient, "stop")).toMatchObject({
      ok: true,
      value: { status: ProcedureStatus.pausedByPatient },
    });

    // Taking the seat: no credential, a demo pass for the demo's patient, a forged patient pass.
    expect(await connectRefusal(server.origin, cookieAuth("ada"))).toMatchObject({
      code: ErrorCode.tokenMissing,
    });
    const demoPatient = passAuth(server, "julian", "patient").pass;
    expect(await connectRefusal(server.origin, { ...cookieAuth("ada"), pass: demoPatient })).toMatchObject({
      code: ErrorCode.forbidden,
    });
    const stolenRoom = signInvite(server.secret, {
      appointmentId: "ada",
      roomId: "room-ada",
      personId: "ada",
      role: "patient",
      exp: 2e9,
    });
    expect(await connectRefusal(server.origin, { ...cookieAuth("ada"), pass: stolenRoom })).toMatchObject({
      code: ErrorCode.forbidden,
    });
    // Another appointment's headset is not this patient's.
    expect(
      await connectRefusal(server.origin, cookieAuth("ada"), issued.headset(server, "ben").cookie),
    ).toMatchObject({ code: ErrorCode.forbidden });

    // Lifting the stop: only the patient's "I'm ready", or the clinician with a note.
    for (const who of [ray, noah]) {
      expect(await procedure(who, "ready")).toMatchObject({
        ok: false,
        error: { code: ErrorCode.forbidden },
      });
    }
    expect((await procedure(noah, "resume", "The patient looks fine to me")).ok).toBe(false);
    expect((await procedure(ray, "resume")).ok).toBe(false);
    expect(ray.view!.procedure?.status).toBe(ProcedureStatus.pausedByPatient);
    expect(patient.socket.connected).toBe(true);
    expect(patient.errors.filter((e) => e.event === CloseReason.replaced)).toEqual([]);
    expect(await procedure(patient, "ready")).toMatchObject({ ok: true });
  });
});
