/**
 * The staff area's records API over real HTTP on a real server and SQLite file: every route's
 * door (signed out, CSRF, the role table), problems by field, a device key shown once and a
 * rotation that cuts the old key's live connection, today's page per person, and the records
 * after a restart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import { STAFF_ACCESS, type StaffAction } from "../../shared/access.ts";
import { CSRF_HEADER } from "../../shared/apiErrors.ts";
import { DEVICE_NAMESPACE, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import type {
  AppointmentEntry,
  DeviceKeyIssued,
  DeviceView,
  PatientRecord,
  StaffCreated,
  StaffRole,
  StaffView,
  TodayView,
} from "../../shared/records.ts";
import { connectRefusal, startTestServer, type TestServer, waitFor } from "../harness.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

const dataDir = mkdtempSync(join(tmpdir(), "chairside-records-"));
let server: TestServer;
let admin: SignedInStaff;
let ray: SignedInStaff;
let noa: SignedInStaff;
let kim: SignedInStaff;

const TODAY = (() => {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
})();

beforeAll(async () => {
  server = await startTestServer({ dataDir });
  admin = await signedInStaff(server, { staffId: "boss", role: "admin", displayName: "Bo Admin" });
  ray = await signedInStaff(server, { staffId: "ray", role: "clinician", displayName: "Dr. Ray Real" });
  noa = await signedInStaff(server, { staffId: "noa", role: "assistant", displayName: "Noa" });
  kim = await signedInStaff(server, { staffId: "kim", role: "clinician", displayName: "Dr. Kim" });
});
afterAll(async () => {
  await server.stopAsync();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Answer<T> {
  status: number;
  body: T & { error?: { code: string; message: string; problems?: { path: string; message: string }[] } };
}

async function api<T = unknown>(
  method: string,
  path: string,
  who: SignedInStaff | null,
  body?: unknown,
  opts: { csrf?: boolean; type?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (who) headers.cookie = who.cookie;
  if (who && opts.csrf !== false) headers[CSRF_HEADER] = who.csrfToken;
  if (method !== "GET") headers["content-type"] = opts.type ?? "application/json";
  const r = await fetch(`${server.origin}${path}`, {
    method,
    headers,
    ...(method === "GET" ? {} : { body: opts.type ? "x=1" : JSON.stringify(body ?? {}) }),
  });
  const text = await r.text();
  // Fastify's own refusals (unsupported media type) come before the API's JSON: keep them as text.
  return {
    status: r.status,
    body: (text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : { text }) as Answer<T>["body"],
  };
}

const ADA = {
  displayName: "Ada Lovelace",
  dateOfBirth: "1985-12-10",
  anxietyNotes: "Dislikes the drill's sound",
  preferences: "Beach, quiet music",
};

async function newPatient(name = "Ada Lovelace"): Promise<PatientRecord> {
  const made = await api<PatientRecord>("POST", "/api/patients", ray, { ...ADA, displayName: name });
  expect(made.status).toBe(201);
  return made.body;
}

async function newAppointment(patientId: string, clinicianId = "ray", at = `${TODAY}T09:30`) {
  const made = await api<AppointmentEntry>("POST", "/api/appointments", noa, {
    patientId,
    scheduledAt: at,
    planId: "filling-36-MO",
    clinicianId,
    assistantId: "noa",
  });
  expect(made.status).toBe(201);
  return made.body;
}

/** One route of each action the staff area has: the role table must decide each of them. */
const ROUTES: { action: StaffAction; method: string; path: string; body?: unknown }[] = [
  { action: "patients.read", method: "GET", path: "/api/patients" },
  { action: "patients.write", method: "POST", path: "/api/patients", body: ADA },
  { action: "patients.archive", method: "POST", path: "/api/patients/p-none/archive" },
  { action: "appointments.read", method: "GET", path: `/api/appointments?day=${TODAY}` },
  { action: "appointments.write", method: "POST", path: "/api/appointments/a-none/cancel" },
  { action: "devices.read", method: "GET", path: "/api/devices" },
  { action: "devices.write", method: "POST", path: "/api/devices/soe-none-11/key" },
  { action: "staff.read", method: "GET", path: "/api/staff" },
  { action: "staff.write", method: "POST", path: "/api/staff/s-none/enable" },
];

describe("the records API's door", () => {
  it("answers 401 to a caller who is not signed in, on every route", async () => {
    for (const route of [...ROUTES, { method: "GET", path: "/api/today" }]) {
      const r = await api(route.method, route.path, null, "body" in route ? route.body : {});
      expect(r.status, `${route.method} ${route.path}`).toBe(401);
      expect(r.body.error?.code).toBe("signed_out");
    }
  });

  it("refuses a write without the session's CSRF token, and a body that is not JSON", async () => {
    const noCsrf = await api("POST", "/api/patients", ray, ADA, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error?.code).toBe("csrf");
    const form = await api("POST", "/api/patients", ray, ADA, { type: "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
  });

  it("lets each role do exactly what STAFF_ACCESS says", async () => {
    const who: Record<StaffRole, SignedInStaff> = { admin, clinician: ray, assistant: noa };
    for (const role of ["admin", "clinician", "assistant"] as const) {
      for (const route of ROUTES) {
        const r = await api(route.method, route.path, who[role], route.body);
        const allowed = STAFF_ACCESS[role][route.action];
        // Allowed: the route ran (200/201, or 404 for the made-up id); refused: 403 forbidden.
        if (allowed) expect(r.status, `${role} ${route.action}`).not.toBe(403);
        else {
          expect(r.status, `${role} ${route.action}`).toBe(403);
          expect(r.body.error?.code).toBe("forbidden");
        }
      }
    }
  });
});

describe("patients", () => {
  it("creates, edits and archives a patient; says what is wrong by field", async () => {
    const bad = await api("POST", "/api/patients", ray, {
      displayName: " ",
      dateOfBirth: "2999-01-01",
      anxietyNotes: "x".repeat(2001),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.problems?.map((p) => p.path).sort()).toEqual([
      "anxietyNotes",
      "dateOfBirth",
      "displayName",
    ]);
    const unknownField = await api("POST", "/api/patients", ray, { ...ADA, role: "admin" });
    expect(unknownField.status).toBe(400);

    const ada = await newPatient("Ada Edit");
    expect(ada).toMatchObject({ displayName: "Ada Edit", clinicId: "main", archivedAt: null });
    const edited = await api<PatientRecord>("PUT", `/api/patients/${ada.patientId}`, noa, {
      ...ADA,
      displayName: "Ada King",
    });
    expect(edited.body.displayName).toBe("Ada King");
    expect(server.clinic.people.get(ada.patientId)?.displayName).toBe("Ada King");

    expect((await api("POST", `/api/patients/${ada.patientId}/archive`, ray)).status).toBe(200);
    const listed = await api<PatientRecord[]>("GET", "/api/patients", noa);
    expect(listed.body.some((p) => p.patientId === ada.patientId)).toBe(false);
    const all = await api<PatientRecord[]>("GET", "/api/patients?archived=1", noa);
    expect(all.body.find((p) => p.patientId === ada.patientId)?.archivedAt).toEqual(expect.any(Number));
    // An archived patient gets no new appointment.
    const booked = await api("POST", "/api/appointments", ray, {
      patientId: ada.patientId,
      scheduledAt: `${TODAY}T11:00`,
      planId: "cleaning",
      clinicianId: "ray",
    });
    expect(booked.status).toBe(400);
    expect(booked.body.error?.problems?.[0]?.path).toBe("patientId");
    // The demo clinic's patients are not the real clinic's.
    expect(listed.body.some((p) => p.patientId === "julian")).toBe(false);
  });
});

describe("appointments and today's page", () => {
  it("books an appointment that is joinable at once, and lists it on today's page of its own people", async () => {
    const patient = await newPatient("Grace Hopper");
    const appt = await newAppointment(patient.patientId);
    expect(appt).toMatchObject({
      patientName: "Grace Hopper",
      clinicianName: "Dr. Ray Real",
      assistantName: "Noa",
      planName: "Filling 36 MO",
      status: "scheduled",
      roomUrl: `/room.html?appointment=${appt.appointmentId}`,
    });
    // The rooms read the live maps: the room opens for it now, as Grace's.
    const room = server.sessions.forAppointment(appt.appointmentId);
    expect(room.appointment.patientId).toBe(patient.patientId);

    const mine = await api<TodayView>("GET", "/api/today", ray);
    expect(mine.body.day).toBe(TODAY);
    expect(mine.body.appointments.map((a) => a.appointmentId)).toContain(appt.appointmentId);
    const assistant = await api<TodayView>("GET", "/api/today", noa);
    expect(assistant.body.appointments.map((a) => a.appointmentId)).toContain(appt.appointmentId);
    const other = await api<TodayView>("GET", "/api/today", kim);
    expect(other.body.appointments.map((a) => a.appointmentId)).not.toContain(appt.appointmentId);
    const everyone = await api<TodayView>("GET", "/api/today", admin);
    expect(everyone.body.appointments.map((a) => a.appointmentId)).toContain(appt.appointmentId);
    const tomorrow = await api<AppointmentEntry[]>("GET", "/api/appointments?day=2099-01-01", admin);
    expect(tomorrow.body).toEqual([]);
  });

  it("says what is wrong by field: plan, time, the people", async () => {
    const patient = await newPatient("Alan Turing");
    const bad = await api("POST", "/api/appointments", ray, {
      patientId: patient.patientId,
      scheduledAt: "2026-02-30T25:00",
      planId: "filling-99",
      clinicianId: "ray",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.problems?.map((p) => p.path).sort()).toEqual(["planId", "scheduledAt"]);
    const people = await api("POST", "/api/appointments", ray, {
      patientId: patient.patientId,
      scheduledAt: `${TODAY}T12:00`,
      planId: "cleaning",
      clinicianId: "boss",
      assistantId: "boss",
    });
    expect(people.status).toBe(400);
    expect(people.body.error?.problems?.map((p) => p.path)).toEqual(["clinicianId", "assistantId"]);
    const badDay = await api("GET", "/api/appointments?day=tomorrow", ray);
    expect(badDay.status).toBe(400);
    expect(badDay.body.error?.problems?.[0]?.path).toBe("day");
  });

  it("edits, then finishes: the room closes to everyone and the appointment cannot change any more", async () => {
    const patient = await newPatient("Mary Somerville");
    const appt = await newAppointment(patient.patientId);
    const moved = await api<AppointmentEntry>("PUT", `/api/appointments/${appt.appointmentId}`, ray, {
      patientId: patient.patientId,
      scheduledAt: `${TODAY}T15:45`,
      planId: "cleaning",
      clinicianId: "kim",
      assistantId: null,
    });
    expect(moved.body).toMatchObject({
      clinicianName: "Dr. Kim",
      assistantName: null,
      planName: "Scale and polish",
    });
    expect(server.clinic.appointments.get(appt.appointmentId)?.staff).toMatchObject({
      clinicianId: "kim",
      assistantId: null,
    });
    const finished = await api<AppointmentEntry>(
      "POST",
      `/api/appointments/${appt.appointmentId}/finish`,
      kim,
    );
    expect(finished.body).toMatchObject({ status: "finished", roomUrl: null });
    expect(server.clinic.appointments.has(appt.appointmentId)).toBe(false);
    const again = await api("POST", `/api/appointments/${appt.appointmentId}/cancel`, kim);
    expect(again.status).toBe(409);
    const edit = await api("PUT", `/api/appointments/${appt.appointmentId}`, kim, {
      patientId: patient.patientId,
      scheduledAt: `${TODAY}T16:00`,
      planId: "cleaning",
      clinicianId: "kim",
    });
    expect(edit.status).toBe(409);
  });
});

describe("SOE devices", () => {
  it("shows the key once, admits the device with it, and a rotation cuts the old key's connection", async () => {
    const patient = await newPatient("Rosalind Franklin");
    const bad = await api("POST", "/api/devices", noa, {
      deviceId: "X",
      kind: "soe",
      patientId: patient.patientId,
      tooth: null,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.problems?.map((p) => p.path).sort()).toEqual(["deviceId", "tooth"]);

    const paired = await api<DeviceKeyIssued>("POST", "/api/devices", noa, {
      deviceId: "soe-rf-36",
      kind: "soe",
      patientId: patient.patientId,
      tooth: 36,
    });
    expect(paired.status).toBe(201);
    const firstKey = paired.body.deviceKey;
    expect(firstKey.length).toBeGreaterThan(30);
    const listed = await api<DeviceView[]>("GET", "/api/devices", ray);
    expect(JSON.stringify(listed.body)).not.toContain(firstKey);
    expect(JSON.stringify(listed.body)).not.toContain("keyHash");

    const device = new DeviceClient({ url: server.origin, deviceId: "soe-rf-36", deviceKey: firstKey });
    device.send({
      seq: 1,
      firmware: "2.3.1",
      readings: [{ signal: "ph", t: Date.now(), value: 7.1, unit: "[pH]", tooth: 36 }],
    });
    expect(await device.flushAsync()).toBe(true);
    const seen = await api<DeviceView[]>("GET", "/api/devices", ray);
    expect(seen.body.find((d) => d.deviceId === "soe-rf-36")).toMatchObject({
      firmware: "2.3.1",
      lastContactAt: expect.any(Number),
      patientId: patient.patientId,
      tooth: 36,
    });

    device.close();
    // An already connected socket with the old key is cut when the key changes.
    const raw = io(`${server.origin}${DEVICE_NAMESPACE}`, {
      auth: {
        protocolVersion: PROTOCOL_VERSION,
        deviceId: "soe-rf-36",
        deviceKey: firstKey,
        bootId: "boot-rf-first",
      },
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
    });
    let refused = "";
    raw.on("connect_error", (e) => {
      refused = e.message;
    });
    await waitFor(() => raw.connected || refused !== "", "device connected with its first key");
    expect(refused).toBe("");
    const rotated = await api<DeviceKeyIssued>("POST", "/api/devices/soe-rf-36/key", noa);
    expect(rotated.status).toBe(200);
    expect(rotated.body.deviceKey).not.toBe(firstKey);
    await waitFor(() => !raw.connected, "old key's connection cut");
    raw.close();
    const url = `${server.origin}${DEVICE_NAMESPACE}`;
    const auth = { protocolVersion: PROTOCOL_VERSION, deviceId: "soe-rf-36", bootId: "boot-rf-second" };
    expect(await connectRefusal(url, { ...auth, deviceKey: firstKey })).toMatchObject({
      code: "token_invalid",
    });
    expect(await connectRefusal(url, { ...auth, deviceKey: rotated.body.deviceKey })).toBeNull();

    const unpaired = await api<DeviceView>("POST", "/api/devices/soe-rf-36/unpair", ray);
    expect(unpaired.body).toMatchObject({ patientId: null, tooth: null });
    expect(await connectRefusal(url, { ...auth, deviceKey: rotated.body.deviceKey })).toMatchObject({
      code: "device_unpaired",
    });
    // A device id of the demo clinic cannot be taken over.
    const demo = await api("POST", "/api/devices", noa, {
      deviceId: "soe-julian-36",
      kind: "soe",
      patientId: patient.patientId,
      tooth: 36,
    });
    expect(demo.status).toBe(409);
  });
});

describe("staff accounts", () => {
  it("creates, edits, disables (ending the sessions) and enables an account", async () => {
    const made = await api<StaffCreated>("POST", "/api/staff", admin, {
      displayName: "Dr. Lin",
      email: "Lin@Clinic.Example ",
      role: "clinician",
    });
    expect(made.status).toBe(201);
    expect(made.body.staff).toMatchObject({
      email: "lin@clinic.example",
      role: "clinician",
      hasPassword: false,
    });
    expect(made.body.staff).not.toHaveProperty("passwordHash");
    const twin = await api("POST", "/api/staff", admin, {
      displayName: "Lin 2",
      email: "lin@clinic.example",
      role: "assistant",
    });
    expect(twin.status).toBe(409);
    expect(twin.body.error?.problems?.[0]?.path).toBe("email");
    const bad = await api("POST", "/api/staff", admin, { displayName: "", email: "lin", role: "dentist" });
    expect(bad.body.error?.problems?.map((p) => p.path).sort()).toEqual(["displayName", "email", "role"]);

    const id = made.body.staff.staffId;
    const edited = await api<StaffView>("PUT", `/api/staff/${id}`, admin, {
      displayName: "Dr. Lin Wei",
      email: "lin@clinic.example",
      role: "clinician",
    });
    expect(edited.body.displayName).toBe("Dr. Lin Wei");

    const lin = await signedInStaff(server, { staffId: id, role: "clinician" });
    expect((await api("GET", "/api/today", lin)).status).toBe(200);
    const disabled = await api<StaffView>("POST", `/api/staff/${id}/disable`, admin);
    expect(disabled.body.disabledAt).toEqual(expect.any(Number));
    expect((await api("GET", "/api/today", lin)).status).toBe(401);
    const self = await api("POST", "/api/staff/boss/disable", admin);
    expect(self.status).toBe(409);
    const enabled = await api<StaffView>("POST", `/api/staff/${id}/enable`, admin);
    expect(enabled.body.disabledAt).toBeNull();
    const list = await api<StaffView[]>("GET", "/api/staff", noa);
    expect(list.body.map((s) => s.displayName)).toEqual(
      expect.arrayContaining(["Bo Admin", "Dr. Lin Wei", "Noa"]),
    );
  });
});

describe("a restart", () => {
  it("keeps patients, appointments and device pairings", async () => {
    const patient = await newPatient("Dorothy Hodgkin");
    const appt = await newAppointment(patient.patientId);
    const paired = await api<DeviceKeyIssued>("POST", "/api/devices", ray, {
      deviceId: "hr-dh",
      kind: "wearable",
      patientId: patient.patientId,
      tooth: null,
    });
    expect(paired.status).toBe(201);
    await server.closeAsync();
    server = await startTestServer({ dataDir });
    const again = await signedInStaff(server, { staffId: "ray", role: "clinician" });
    expect(server.clinic.appointments.get(appt.appointmentId)?.patientName).toBe("Dorothy Hodgkin");
    const today = await api<TodayView>("GET", "/api/today", again);
    expect(today.body.appointments.map((a) => a.appointmentId)).toContain(appt.appointmentId);
    const url = `${server.origin}${DEVICE_NAMESPACE}`;
    const auth = { protocolVersion: PROTOCOL_VERSION, deviceId: "hr-dh", bootId: "boot-after" };
    expect(await connectRefusal(url, { ...auth, deviceKey: paired.body.deviceKey })).toBeNull();
  });
});
