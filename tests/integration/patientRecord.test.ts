/**
 * The patient's record over real HTTP on a real server and SQLite file: a patient and appointment
 * made through the staff API, two treatment sessions' events and SOE readings written through
 * Storage as the rooms and the device gateway write them; then the record, a visit's timeline,
 * trends and anxiety as each role and another clinic see them, the audit entry of every read, and
 * 400s that list the problems by field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventLog } from "../../server/record/visitFixtures.ts";
import { CSRF_HEADER } from "../../shared/apiErrors.ts";
import type {
  PatientAnxiety,
  PatientRecordView,
  PatientTrends,
  VisitTimeline,
} from "../../shared/patientRecord.ts";
import {
  patientAnxietySchema,
  patientRecordViewSchema,
  patientTrendsSchema,
  visitTimelineSchema,
} from "../../shared/patientRecord.ts";
import type { AppointmentEntry, PatientRecord } from "../../shared/records.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import { startTestServer, type TestServer } from "../harness.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

let server: TestServer;
let ray: SignedInStaff;
let noa: SignedInStaff;
let admin: SignedInStaff;
let elsewhere: SignedInStaff;
let patient: PatientRecord;
let appointment: AppointmentEntry;
const T0 = Date.UTC(2026, 9, 5, 9, 0, 0);

interface Answer<T> {
  status: number;
  body: T & { error?: { code: string; message: string; problems?: { path: string; message: string }[] } };
}

async function api<T = unknown>(method: string, path: string, who: SignedInStaff | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (who) {
    headers.cookie = who.cookie;
    headers[CSRF_HEADER] = who.csrfToken;
  }
  if (method !== "GET") headers["content-type"] = "application/json";
  const r = await fetch(`${server.origin}${path}`, {
    method,
    headers,
    ...(method === "GET" ? {} : { body: JSON.stringify(body ?? {}) }),
  });
  return { status: r.status, body: (await r.json()) as Answer<T>["body"] };
}

function ph(t: number, value: number, status: CheckedReading["status"] = "final"): CheckedReading {
  return {
    deviceId: "soe-ada-36",
    signal: "ph",
    t,
    value,
    unit: "[pH]",
    tooth: 36,
    quality: "valid",
    status,
    receivedAt: t + 2,
  };
}

beforeAll(async () => {
  server = await startTestServer();
  ray = await signedInStaff(server, { staffId: "ray", role: "clinician", displayName: "Dr. Ray" });
  noa = await signedInStaff(server, { staffId: "noa", role: "assistant", displayName: "Noa" });
  admin = await signedInStaff(server, { staffId: "boss", role: "admin" });
  elsewhere = await signedInStaff(server, { staffId: "kai", role: "clinician", clinicId: "north" });
  const made = await api<PatientRecord>("POST", "/api/patients", ray, {
    displayName: "Ada Lovelace",
    dateOfBirth: "1985-12-10",
    anxietyNotes: "",
    preferences: "",
  });
  expect(made.status).toBe(201);
  patient = made.body;
  const day = new Date().toISOString().slice(0, 10);
  const appt = await api<AppointmentEntry>("POST", "/api/appointments", noa, {
    patientId: patient.patientId,
    scheduledAt: `${day}T09:30`,
    planId: "filling-36-MO",
    clinicianId: "ray",
    assistantId: "noa",
  });
  expect(appt.status).toBe(201);
  appointment = appt.body;
  // Two sessions in the room: one the patient stopped, then one completed a week later.
  const log = new EventLog(1, T0);
  log.session("abort_after_stop");
  log.at = T0 + 7 * 86_400_000;
  log.session("complete");
  for (const e of log.events) await server.storage.appendRoomEvent(appointment.roomId, e);
  // pH in both visits; 90 s without readings in the second one is a gap.
  const second = T0 + 7 * 86_400_000;
  await server.storage.storeBatches([
    {
      deviceId: "soe-ada-36",
      bootId: "b1",
      patientId: patient.patientId,
      seq: 1,
      digest: "d1",
      firmware: "2.3.1",
      readings: [ph(T0 + 2000, 6.9), ph(T0 + 3000, 5.2)],
    },
    {
      deviceId: "soe-ada-36",
      bootId: "b1",
      patientId: patient.patientId,
      seq: 2,
      digest: "d2",
      firmware: "2.3.1",
      readings: [ph(second, 7), ph(second + 1000, 4.1, "entered-in-error"), ph(second + 91_000, 6.8)],
    },
  ]);
});
afterAll(async () => {
  await server?.stopAsync();
});

const lastAudit = async () => (await server.storage.auditLog(1))[0]!;

describe("the patient's record API", () => {
  it("gives the clinician the patient and both visits, newest first, and audits the read", async () => {
    const r = await api<PatientRecordView>("GET", `/api/patients/${patient.patientId}/record`, ray);
    expect(r.status).toBe(200);
    const view = patientRecordViewSchema.parse(r.body);
    expect(view.patient).toEqual({
      patientId: patient.patientId,
      displayName: "Ada Lovelace",
      dateOfBirth: "1985-12-10",
      clinicId: "main",
    });
    expect(view.visits.map((v) => [v.outcome, v.plan, v.tooth, v.clinicianId, v.assistantId])).toEqual([
      ["completed", "filling-36-MO", 36, "ray", "noa"],
      ["stopped_by_patient", "filling-36-MO", 36, "ray", "noa"],
    ]);
    expect(await lastAudit()).toMatchObject({ who: "ray", action: "record.read" });
  });

  it("gives a visit's timeline, filtered by kind, and audits it", async () => {
    const record = await api<PatientRecordView>("GET", `/api/patients/${patient.patientId}/record`, noa);
    const stopped = record.body.visits[1]!;
    const all = await api<VisitTimeline>("GET", `/api/visits/${stopped.id}/timeline`, noa);
    expect(all.status).toBe(200);
    visitTimelineSchema.parse(all.body);
    expect(all.body.entries.map((e) => e.kind)).toContain("procedure");
    const stops = await api<VisitTimeline>("GET", `/api/visits/${stopped.id}/timeline?kinds=stop`, noa);
    expect(stops.body.entries.map((e) => e.title)).toEqual(["Paused by patient"]);
    expect(await lastAudit()).toMatchObject({
      who: "noa",
      action: "record.timeline",
      subject: `visit ${stopped.id}`,
    });
  });

  it("gives pH trends with the gap as a gap and the retracted reading flagged, and daily summaries", async () => {
    const r = await api<PatientTrends>(
      "GET",
      `/api/patients/${patient.patientId}/trends?signal=ph&tooth=36`,
      ray,
    );
    expect(r.status).toBe(200);
    const trends = patientTrendsSchema.parse(r.body);
    expect(trends.unit).toBe("[pH]");
    const points = trends.series[0]!.points;
    expect(trends.series.map((s) => s.tooth)).toEqual([36]);
    expect(points.filter((p) => p.retracted).map((p) => p.value)).toEqual([4.1]);
    // The week between the visits is a gap.
    expect(points.filter((p) => p.value === null)).toHaveLength(1);
    expect(trends.daily.map((d) => d.day)).toEqual(["2026-10-05", "2026-10-12"]);
    expect(trends.daily[0]!.minutesBelowPh55).toBeCloseTo(1 / 60);
    expect(await lastAudit()).toMatchObject({ who: "ray", action: "record.trends" });
    // Zoomed into the second visit, its 90 s without readings is a gap too.
    const second = T0 + 7 * 86_400_000;
    const zoomed = await api<PatientTrends>(
      "GET",
      `/api/patients/${patient.patientId}/trends?signal=ph&from=${second - 1000}&to=${second + 100_000}`,
      ray,
    );
    expect(zoomed.body.series[0]!.points.map((p) => p.value)).toEqual([7, 4.1, null, 6.8]);
  });

  it("gives anxiety across visits: stops per visit", async () => {
    const r = await api<PatientAnxiety>("GET", `/api/patients/${patient.patientId}/anxiety`, ray);
    expect(r.status).toBe(200);
    expect(patientAnxietySchema.parse(r.body).visits.map((v) => v.stops)).toEqual([1, 1]);
    expect(await lastAudit()).toMatchObject({ who: "ray", action: "record.read" });
  });

  it("refuses the signed out, the admin role, and another clinic's staff", async () => {
    const record = await api<PatientRecordView>("GET", `/api/patients/${patient.patientId}/record`, ray);
    const visitId = record.body.visits[0]!.id;
    const paths = [
      `/api/patients/${patient.patientId}/record`,
      `/api/visits/${visitId}/timeline`,
      `/api/patients/${patient.patientId}/trends?signal=ph`,
      `/api/patients/${patient.patientId}/anxiety`,
    ];
    const before = (await server.storage.auditLog(1000)).length;
    for (const path of paths) {
      expect((await api("GET", path, null)).status, path).toBe(401);
      const byAdmin = await api("GET", path, admin);
      expect(byAdmin.status, path).toBe(403);
      expect(byAdmin.body.error?.code).toBe("forbidden");
      const other = await api("GET", path, elsewhere);
      expect(other.status, path).toBe(404);
      expect(JSON.stringify(other.body)).not.toContain("Ada");
    }
    // A refused read reads nothing, so it writes no read entry.
    expect((await server.storage.auditLog(1000)).length).toBe(before);
  });

  it("answers 400 with the problems by field", async () => {
    const cases: [string, string][] = [
      ["/api/visits/not-a-visit/timeline", "id"],
      [`/api/visits/${appointment.appointmentId}.1/timeline?kinds=procedure,gossip`, "kinds"],
      [`/api/patients/${patient.patientId}/trends`, "signal"],
      [`/api/patients/${patient.patientId}/trends?signal=ph&tooth=99`, "tooth"],
      [`/api/patients/${patient.patientId}/trends?signal=ph&from=20&to=10`, "from"],
      [`/api/patients/${patient.patientId}/record?x=1`, ""],
      ["/api/patients/NOT_AN_ID/record", "id"],
    ];
    for (const [path, field] of cases) {
      const r = await api("GET", path, ray);
      expect(r.status, path).toBe(400);
      expect(r.body.error?.code, path).toBe("invalid");
      expect(r.body.error?.problems?.length, path).toBeGreaterThan(0);
      if (field)
        expect(
          r.body.error?.problems?.map((p) => p.path.split(".")[0]),
          path,
        ).toContain(field);
    }
    expect((await api("GET", `/api/visits/${appointment.appointmentId}.999/timeline`, ray)).status).toBe(404);
  });
});
