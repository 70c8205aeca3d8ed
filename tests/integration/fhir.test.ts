/**
 * The FHIR export over real HTTP on a real server and SQLite file: the demo visit's events and
 * readings are written through Storage as the room and the device gateway write them, then exported.
 * Who may export (clinicians only), the audit entry, the content type and download name, 400s for bad
 * ids, 404 for another clinic's patient, and the reading counts against what is stored; the patient's
 * words to Otto as the patient's Communications, Otto's as Otto's; the visit's
 * full-rate NDJSON download that the Bundle points at holds every stored reading once.
 */
import type { Bundle, Communication, Observation } from "@medplum/fhirtypes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleProblems } from "../../server/fhir/fhirChecks.ts";
import { demoVisitInput } from "../../server/fhir/fhirFixtures.ts";
import { observationsOfNdjson } from "../../server/fhir/fhirReadings.ts";
import { FHIR_EXPORT_AUDIT_ACTION, NDJSON_EXPORT_AUDIT_ACTION } from "../../server/fhir/fhirRoutes.ts";
import { RecordKind, type StoredBatch } from "../../server/storage/storage.ts";
import type { AppointmentRecord, PatientRecord } from "../../shared/records.ts";
import { startTestServer, type TestServer } from "../harness.ts";
import { signedInStaff } from "../staffAccount.ts";

let server: TestServer;
const { input, readings } = demoVisitInput();
const { visit, events } = input.visits[0]!;

async function seedAsync(s: TestServer): Promise<void> {
  const at = Date.now();
  const appointment: AppointmentRecord = {
    appointmentId: visit.appointmentId,
    clinicId: "main",
    roomId: visit.roomId,
    patientId: visit.patientId,
    scheduledAt: "2026-11-02T09:00",
    planId: visit.plan,
    clinicianId: visit.clinicianId,
    assistantId: visit.assistantId,
    status: "finished",
    createdAt: at,
    updatedAt: at,
  };
  const other: PatientRecord = { ...input.patient, patientId: "north-ann", clinicId: "north" };
  await s.storage.putRecords([
    {
      kind: RecordKind.patient,
      id: "julian",
      clinicId: "main",
      body: JSON.stringify(input.patient),
      updatedAt: at,
    },
    {
      kind: RecordKind.patient,
      id: other.patientId,
      clinicId: "north",
      body: JSON.stringify(other),
      updatedAt: at,
    },
    {
      kind: RecordKind.appointment,
      id: appointment.appointmentId,
      clinicId: "main",
      body: JSON.stringify(appointment),
      updatedAt: at,
    },
  ]);
  for (const e of events) await s.storage.appendRoomEvent(visit.roomId, e);
  const byDevice = new Map<string, StoredBatch>();
  for (const { firmware, ...r } of readings) {
    let b = byDevice.get(r.deviceId);
    if (!b) {
      b = {
        deviceId: r.deviceId,
        bootId: "boot-1",
        patientId: "julian",
        seq: 1,
        digest: r.deviceId,
        firmware,
        readings: [],
      };
      byDevice.set(r.deviceId, b);
    }
    b.readings.push(r);
  }
  await s.storage.storeBatches([...byDevice.values()]);
}

beforeAll(async () => {
  server = await startTestServer({ demo: false });
  await seedAsync(server);
});
afterAll(async () => {
  await server?.stopAsync();
});

const get = (path: string, cookie?: string) =>
  fetch(`${server.origin}${path}`, cookie === undefined ? {} : { headers: { cookie } });
const everything = (patientId: string) => `/fhir/Patient/${patientId}/$everything`;

function countOf(o: Observation): number {
  return o.component?.find((c) => c.code.coding?.[0]?.code === "count")?.valueInteger ?? 0;
}

describe("the FHIR export over HTTP", () => {
  it("gives a clinician the whole record as an audited FHIR Bundle download", async () => {
    const { cookie } = await signedInStaff(server, { staffId: "dr-lee", role: "clinician" });
    const r = await get(everything("julian"), cookie);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/fhir\+json/);
    expect(r.headers.get("content-disposition")).toBe(
      'attachment; filename="chairside-julian-record.fhir.json"',
    );
    const bundle = (await r.json()) as Bundle;
    expect(bundle.resourceType).toBe("Bundle");
    expect(bundleProblems(bundle)).toEqual([]);
    const types = (bundle.entry ?? []).map((e) => e.resource?.resourceType);
    expect(types.filter((t) => t === "Encounter")).toHaveLength(1);
    // Every reading stored for the visit is counted once in the per-minute summaries.
    const stored = await server.storage.readingsBetween("julian", {
      from: visit.startedAt,
      to: visit.endedAt!,
    });
    expect(stored).toHaveLength(readings.length);
    const observations = (bundle.entry ?? [])
      .map((e) => e.resource)
      .filter((x): x is Observation => x?.resourceType === "Observation");
    expect(observations.reduce((n, o) => n + countOf(o), 0)).toBe(stored.length);

    const audit = await server.storage.auditLog(50);
    expect(audit).toContainEqual(
      // patientId travels in the entry too; the audit slice stores it (this branch's auditLog drops it).
      expect.objectContaining({
        who: "dr-lee",
        action: FHIR_EXPORT_AUDIT_ACTION,
        subject: "Patient/julian/$everything",
      }),
    );
  });

  it("exports one visit, audited", async () => {
    const { cookie } = await signedInStaff(server, { staffId: "dr-lee", role: "clinician" });
    const r = await get(`/api/visits/${visit.id}/fhir`, cookie);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/fhir\+json/);
    expect(r.headers.get("content-disposition")).toContain(`visit-${visit.id}.fhir.json`);
    const bundle = (await r.json()) as Bundle;
    const encounter = bundle.entry?.find((e) => e.resource?.resourceType === "Encounter")?.resource;
    expect(encounter).toMatchObject({ identifier: [{ value: visit.id }], status: "finished" });
    // The conversation with Otto: the patient's own words are the patient's, Otto's are Otto's.
    const said = (bundle.entry ?? [])
      .map((e) => e.resource)
      .filter((x): x is Communication => x?.resourceType === "Communication")
      .map((c) => [c.sender, c.recipient, c.payload?.[0]?.contentString]);
    expect(said).toEqual([
      [{ display: "Otto (Chairside assistant)" }, [{ reference: "Patient/julian" }], "You are doing well."],
      [
        { reference: "Patient/julian" },
        [{ display: "Otto (Chairside assistant)" }],
        "It hurts a bit on the left",
      ],
    ]);
    expect(bundleProblems(bundle)).toEqual([]);
    const audit = await server.storage.auditLog(50);
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: FHIR_EXPORT_AUDIT_ACTION,
        who: "dr-lee",
        subject: `visit ${visit.id}`,
      }),
    );
  });

  it("streams the visit's full-rate readings as NDJSON from where the Bundle points, audited", async () => {
    const { cookie } = await signedInStaff(server, { staffId: "dr-lee", role: "clinician" });
    const bundle = (await (await get(`/api/visits/${visit.id}/fhir`, cookie)).json()) as Bundle;
    const doc = bundle.entry?.find((e) => e.resource?.resourceType === "DocumentReference")?.resource;
    const url = (doc as { content: { attachment: { url: string } }[] }).content[0]!.attachment.url;
    const r = await get(url, cookie);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/fhir\+ndjson/);
    const lines = observationsOfNdjson(await r.text());
    expect(lines).toHaveLength(readings.length);
    expect(new Set(lines.map((o) => o.id)).size).toBe(readings.length);
    expect(lines.filter((o) => o.status === "entered-in-error").length).toBeGreaterThan(0);
    expect(lines.every((o) => o.encounter?.reference === `Encounter/${visit.id}`)).toBe(true);
    const audit = await server.storage.auditLog(50);
    expect(audit).toContainEqual(
      expect.objectContaining({ who: "dr-lee", action: NDJSON_EXPORT_AUDIT_ACTION }),
    );
    expect((await get(url)).status).toBe(401);
    const { cookie: assistant } = await signedInStaff(server, { staffId: "nd-assistant", role: "assistant" });
    expect((await get(url, assistant)).status).toBe(403);
  });

  it("refuses anyone but a signed-in clinician, and writes no audit entry for them", async () => {
    const before = (await server.storage.auditLog(1000)).filter(
      (e) => e.action === FHIR_EXPORT_AUDIT_ACTION,
    ).length;
    expect((await get(everything("julian"))).status).toBe(401);
    expect((await get(`/api/visits/${visit.id}/fhir`)).status).toBe(401);
    for (const role of ["assistant", "admin"] as const) {
      const { cookie } = await signedInStaff(server, { staffId: `fhir-${role}`, role });
      const r = await get(everything("julian"), cookie);
      expect(r.status, role).toBe(403);
      expect((await get(`/api/visits/${visit.id}/fhir`, cookie)).status, role).toBe(403);
    }
    const after = (await server.storage.auditLog(1000)).filter(
      (e) => e.action === FHIR_EXPORT_AUDIT_ACTION,
    ).length;
    expect(after).toBe(before);
  });

  it("answers 404 for another clinic's patient or visit and 400 with problems for a bad id", async () => {
    const { cookie } = await signedInStaff(server, { staffId: "dr-lee", role: "clinician" });
    expect((await get(everything("north-ann"), cookie)).status).toBe(404);
    expect((await get(everything("nobody"), cookie)).status).toBe(404);
    const north = await signedInStaff(server, { staffId: "dr-north", role: "clinician", clinicId: "north" });
    expect((await get(`/api/visits/${visit.id}/fhir`, north.cookie)).status).toBe(404);
    expect((await get(`/api/visits/${visit.appointmentId}.999/fhir`, cookie)).status).toBe(404);
    const bad = await get(everything("Not_An_Id"), cookie);
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; problems: { path: string }[] } };
    expect(body.error.problems[0]?.path).toBe("id");
    expect((await get("/api/visits/no-dot/fhir", cookie)).status).toBe(400);
  });
});
