/**
 * Issue 8, item "cut at once with a typed reason": over real HTTP and Socket.IO, each way a
 * person's right to be in a room ends through the staff routes (headset handed to the next
 * patient, observer revoked, appointment finished or cancelled) cuts exactly the live sockets it
 * should, each told why before the close, and the person leaves the open room's member list.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieName } from "../../server/auth/identity.ts";
import { localDay } from "../../server/directory/liveRecords.ts";
import type { HeadsetCode } from "../../shared/pairing.ts";
import { CloseReason } from "../../shared/protocol.ts";
import type { AppointmentEntry, PatientRecord } from "../../shared/records.ts";
import { cookieAuth, startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";
import { APPOINTMENT, callApi, careTeamOf, cookieFrom, startPairingServer } from "../pairingFixture.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

const dataDir = mkdtempSync(join(tmpdir(), "chairside-cuts-"));
let server: TestServer;
let ray: SignedInStaff;
let noa: SignedInStaff;
const clients: TestClient[] = [];

const TODAY = localDay(Date.now());

beforeAll(async () => {
  server = await startTestServer({ dataDir });
  ray = await signedInStaff(server, { staffId: "ray", role: "clinician", displayName: "Dr. Ray Real" });
  noa = await signedInStaff(server, { staffId: "noa", role: "assistant", displayName: "Noa" });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.stopAsync();
  rmSync(dataDir, { recursive: true, force: true });
});

const api = (method: string, path: string, opts: Parameters<typeof callApi>[3] = {}) =>
  callApi(server.origin, method, path, opts);

/** A real appointment made through the staff area: Ray treats, Noa assists. */
async function newAppointment(name: string): Promise<AppointmentEntry> {
  const patient = await api("POST", "/api/patients", {
    staff: ray,
    body: { displayName: name, dateOfBirth: "1985-12-10", anxietyNotes: "", preferences: "" },
  });
  expect(patient.status).toBe(201);
  const appt = await api("POST", "/api/appointments", {
    staff: noa,
    body: {
      patientId: (patient.body as PatientRecord).patientId,
      scheduledAt: `${TODAY}T09:30`,
      planId: "cleaning",
      clinicianId: "ray",
      assistantId: "noa",
    },
  });
  expect(appt.status).toBe(201);
  return appt.body as AppointmentEntry;
}

/** Pairs a headset the RFC 8628 way (code on the headset, the clinician approves it): its cookie. */
async function pairHeadset(appointmentId: string): Promise<string> {
  const code = (await api("POST", "/api/headset/code", { body: {} })).body as HeadsetCode;
  const approved = await api("POST", `/api/appointments/${appointmentId}/headset`, {
    staff: ray,
    body: { userCode: code.userCode },
  });
  expect(approved.status).toBe(200);
  const poll = await api("POST", "/api/headset/token", { body: { deviceCode: code.deviceCode } });
  return cookieFrom(poll, CookieName.headset);
}

/** Invites an observer and opens the link as their browser would: the invite id and the cookie. */
async function inviteObserver(appointmentId: string): Promise<{ inviteId: string; cookie: string }> {
  const created = await api("POST", `/api/appointments/${appointmentId}/observers`, {
    staff: ray,
    body: { displayName: "Sam (student)", hours: 2 },
  });
  expect(created.status).toBe(201);
  const opened = await api("GET", `/observe/${created.body.link.split("/observe/")[1]}`);
  expect(opened.status).toBe(303);
  return { inviteId: created.body.invite.inviteId, cookie: cookieFrom(opened, CookieName.observer) };
}

async function enter(appointmentId: string, cookie: string, role: string): Promise<TestClient> {
  const client = new TestClient(server.origin, cookieAuth(appointmentId), cookie);
  clients.push(client);
  await client.welcomedAsync(role);
  return client;
}

const roleCount = (c: TestClient, role: string) => c.view!.members.filter((m) => m.role === role).length;

describe("live sockets cut when a right to the room ends", () => {
  it("handing the headset on cuts the patient's socket with its reason; the patient leaves the room", async () => {
    const appt = await newAppointment("Grace Hopper");
    const desk = await enter(appt.appointmentId, ray.cookie, "clinician");
    const patient = await enter(appt.appointmentId, await pairHeadset(appt.appointmentId), "patient");
    await waitFor(() => roleCount(desk, "patient") === 1, "the patient in the clinician's view");
    const res = await api("DELETE", `/api/appointments/${appt.appointmentId}/headset`, { staff: ray });
    expect(res.status).toBe(200);
    await waitFor(() => !patient.socket.connected, "the handed-on headset is cut");
    expect(patient.errors.at(-1)).toMatchObject({
      event: CloseReason.revoked,
      message: expect.stringMatching(/handed to the next patient/),
    });
    await waitFor(() => roleCount(desk, "patient") === 0, "the patient gone from the room");
    expect(desk.socket.connected).toBe(true);
  });

  it("revoking an observer cuts only the observer, with its reason", async () => {
    const appt = await newAppointment("Mary Somerville");
    const desk = await enter(appt.appointmentId, ray.cookie, "clinician");
    const { inviteId, cookie } = await inviteObserver(appt.appointmentId);
    const observer = await enter(appt.appointmentId, cookie, "observer");
    const res = await api("DELETE", `/api/appointments/${appt.appointmentId}/observers/${inviteId}`, {
      staff: ray,
    });
    expect(res.status).toBe(200);
    await waitFor(() => !observer.socket.connected, "the revoked observer is cut");
    expect(observer.errors.at(-1)).toMatchObject({
      event: CloseReason.revoked,
      message: expect.stringMatching(/invitation to watch was withdrawn/),
    });
    await waitFor(() => roleCount(desk, "observer") === 0, "the observer gone from the room");
    expect(desk.socket.connected).toBe(true);
  });

  for (const [how, path] of [
    ["finishing", "finish"],
    ["cancelling", "cancel"],
  ] as const) {
    it(`${how} the appointment cuts everyone in its room (staff too) with "appointment_ended"`, async () => {
      const appt = await newAppointment(`Patient ${path}`);
      const other = await newAppointment(`Other ${path}`);
      const desk = await enter(appt.appointmentId, ray.cookie, "clinician");
      const chair = await enter(appt.appointmentId, noa.cookie, "assistant");
      const patient = await enter(appt.appointmentId, await pairHeadset(appt.appointmentId), "patient");
      const { cookie } = await inviteObserver(appt.appointmentId);
      const observer = await enter(appt.appointmentId, cookie, "observer");
      const elsewhere = await enter(other.appointmentId, ray.cookie, "clinician");
      const res = await api("POST", `/api/appointments/${appt.appointmentId}/${path}`, {
        staff: ray,
        body: {},
      });
      expect(res.status).toBe(200);
      for (const [who, c] of [
        ["clinician", desk],
        ["assistant", chair],
        ["patient", patient],
        ["observer", observer],
      ] as const) {
        await waitFor(() => !c.socket.connected, `the ${who} is cut`);
        expect(c.errors.at(-1), who).toMatchObject({
          event: CloseReason.appointmentEnded,
          message: expect.stringMatching(/appointment has ended/),
        });
      }
      // The same clinician's socket in another room stays; the ended room lets nobody back in.
      expect(elsewhere.socket.connected).toBe(true);
      const again = new TestClient(server.origin, cookieAuth(appt.appointmentId), ray.cookie);
      clients.push(again);
      await waitFor(() => again.refusal !== null, "the closed room refuses a rejoin");
    });
  }
});

describe("a staff session running out", () => {
  it("cuts its live socket at the moment it expires, not at the 5-minute re-check", async () => {
    const idleMs = 1_500;
    const short = await startPairingServer({}, { sessionPolicy: { idleMs, absoluteMs: 3_600_000 } });
    try {
      const { cookie } = await signedInStaff(short, {
        staffId: careTeamOf(short).clinicianId,
        role: "clinician",
      });
      const appointment = { appointmentId: APPOINTMENT.appointmentId };
      const signedInAt = Date.now();
      const desk = new TestClient(short.origin, cookieAuth(appointment.appointmentId), cookie);
      clients.push(desk);
      await desk.welcomedAsync("clinician");
      await waitFor(() => !desk.socket.connected, "the expired session's socket is cut", 5_000);
      const cutAfter = Date.now() - signedInAt;
      // Not before the session ran out, and long before any re-check (5 minutes by default).
      expect(cutAfter).toBeGreaterThanOrEqual(idleMs - 50);
      expect(cutAfter).toBeLessThan(idleMs + 2_000);
      expect(desk.errors.at(-1)).toMatchObject({
        event: CloseReason.revoked,
        message: expect.stringMatching(/timed out/),
      });
    } finally {
      await short.stopAsync();
    }
  });
});
