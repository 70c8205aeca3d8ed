/**
 * The patient's record over real HTTP on a real server and SQLite file, on the history of
 * tests/recordSeed.ts: the record, a visit's timeline,
 * trends and anxiety as each role and another clinic see them, the audit entry of every read, and
 * 400s that list the problems by field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { startTestServer, type TestServer } from "../harness.ts";
import { SEED_SECOND, seedRecordAsync, staffApi } from "../recordSeed.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

let server: TestServer;
let ray: SignedInStaff;
let noa: SignedInStaff;
let admin: SignedInStaff;
let elsewhere: SignedInStaff;
let patient: PatientRecord;
let appointment: AppointmentEntry;

const api = <T = unknown>(method: string, path: string, who: SignedInStaff | null) =>
  staffApi<T>(server, method, path, who);

beforeAll(async () => {
  server = await startTestServer();
  ray = await signedInStaff(server, { staffId: "ray", role: "clinician", displayName: "Dr. Ray" });
  noa = await signedInStaff(server, { staffId: "noa", role: "assistant", displayName: "Noa" });
  admin = await signedInStaff(server, { staffId: "boss", role: "admin" });
  elsewhere = await signedInStaff(server, { staffId: "kai", role: "clinician", clinicId: "north" });
  ({ patient, appointment } = await seedRecordAsync(server, ray, noa));
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
    expect(view.staffNames).toEqual({ ray: "Dr. Ray", noa: "Noa" });
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
    const second = SEED_SECOND;
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
