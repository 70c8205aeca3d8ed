/**
 * The export's reads: everything a patient's record (or one visit) holds, read through `Storage` and
 * the record slice's visit loaders (server/record/visits.ts), handed to the pure `exportBundle`. Staff
 * see only their own clinic's patients: a patient or visit of another clinic is "not found".
 * Readings are read one minute of device time at a time (raw) plus the stored rollup minutes, so an
 * export holds at most one minute of raw readings in memory; the full-rate NDJSON download streams
 * the same way.
 */

import type { Bundle } from "@medplum/fhirtypes";
import type { Visit } from "../../shared/patientRecord.ts";
import {
  type DeviceRecord,
  deviceRecordSchema,
  type PatientRecord,
  patientRecordSchema,
  type StaffRecord,
  staffRecordSchema,
} from "../../shared/records.ts";
import type { Clinic } from "../clinic.ts";
import { lessonResponsesAsync } from "../lessons/lessonFhir.ts";
import {
  findVisitAsync,
  patientAppointmentsAsync,
  visitAppointmentAsync,
  visitEventsAsync,
  visitsOfAppointmentsAsync,
} from "../record/visits.ts";
import { type AuditEntry, RecordKind, type Storage } from "../storage/storage.ts";
import { exportBundle, type ReadingFirmware, type VisitData } from "./fhirBundle.ts";
import { fhirId } from "./fhirIds.ts";
import { MINUTE_MS, MinuteSummaries, readingNdjsonLine, summaryOfRollup } from "./fhirReadings.ts";

export interface FhirExportDeps {
  storage: Storage;
  clinic: Clinic;
  now: () => number;
}

/** How far back the export looks in the audit trail for the patient's entries (newest first). */
export const AUDIT_EXPORT_WINDOW = 10_000;

/** The patient's record in this clinic; a live-only demo patient is made from their appointment. */
export async function patientInClinicAsync(
  deps: FhirExportDeps,
  patientId: string,
  clinicId: string,
): Promise<PatientRecord | null> {
  const row = await deps.storage.getRecord(RecordKind.patient, patientId);
  if (row) {
    const p = patientRecordSchema.safeParse(JSON.parse(row.body));
    return p.success && p.data.clinicId === clinicId ? p.data : null;
  }
  const live = [...deps.clinic.appointments.values()].find(
    (a) => a.patientId === patientId && a.clinicId === clinicId,
  );
  if (!live) return null;
  return {
    patientId,
    clinicId,
    displayName: live.patientName,
    // Unknown: never invent one; patientResource leaves birthDate out.
    dateOfBirth: "",
    anxietyNotes: "",
    preferences: "",
    archivedAt: null,
    createdAt: 0,
    updatedAt: 0,
  };
}

/** A visit of this clinic by id, with its appointment; null when there is none. */
export async function visitInClinicAsync(
  deps: FhirExportDeps,
  visitId: string,
  clinicId: string,
): Promise<Visit | null> {
  const appt = await visitAppointmentAsync(deps.storage, deps.clinic.appointments, visitId, clinicId);
  if (!appt) return null;
  return findVisitAsync(deps.storage, appt, visitId);
}

/** Device time a visit covers: from its start to its end, or to now while it runs. */
function visitSpan(deps: FhirExportDeps, visit: Visit): { from: number; to: number } {
  return { from: visit.startedAt, to: visit.endedAt ?? deps.now() };
}

/**
 * The visit's raw readings one minute of device time at a time, oldest first (each minute's
 * readings in one array). Windows end 1 µs before the next minute: `readingsBetween` is inclusive.
 */
export async function* visitReadingMinutesAsync(deps: FhirExportDeps, visit: Visit) {
  const { from, to } = visitSpan(deps, visit);
  for (let w = from; w <= to; ) {
    const next = Math.floor(w / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    const readings = await deps.storage.readingsBetween(visit.patientId, {
      from: w,
      to: Math.min(to, next - 0.001),
    });
    if (readings.length > 0) yield readings;
    w = next;
  }
}

async function visitDataAsync(deps: FhirExportDeps, visit: Visit): Promise<VisitData> {
  const { from, to } = visitSpan(deps, visit);
  const summaries = new MinuteSummaries();
  const firmware = new Map<string, ReadingFirmware>();
  // Rolled-up minutes (raw readings past retention) first, then what is still raw, merged per minute.
  const [events, rolled] = await Promise.all([
    visitEventsAsync(deps.storage, visit),
    deps.storage.readingMinutes(visit.patientId, Math.floor(from / MINUTE_MS) * MINUTE_MS, to + 1),
  ]);
  for (const m of rolled) summaries.addMinute(summaryOfRollup(m));
  for await (const minute of visitReadingMinutesAsync(deps, visit)) {
    for (const r of minute) {
      summaries.addReading(r);
      const key = `${r.deviceId}|${r.firmware}`;
      if (!firmware.has(key))
        firmware.set(key, { deviceId: r.deviceId, tooth: r.tooth ?? null, firmware: r.firmware });
    }
  }
  return { visit, events, minutes: summaries.list(), firmware: [...firmware.values()] };
}

/**
 * A visit's full-rate readings as FHIR Bulk Data NDJSON, one Observation per line, streamed a minute
 * at a time (readings already rolled up are no longer raw and are only in the Bundle's summaries).
 */
export async function* visitNdjsonAsync(deps: FhirExportDeps, visit: Visit): AsyncGenerator<string> {
  const ctx = { patientId: visit.patientId, encounterId: visit.id };
  let index = 0;
  for await (const minute of visitReadingMinutesAsync(deps, visit)) {
    let chunk = "";
    for (const r of minute) chunk += readingNdjsonLine(r, index++, ctx);
    yield chunk;
  }
}

async function staffOfAsync(
  deps: FhirExportDeps,
  visits: readonly Visit[],
): Promise<Map<string, StaffRecord>> {
  const ids = new Set(
    visits.flatMap((v) => (v.assistantId === null ? [v.clinicianId] : [v.clinicianId, v.assistantId])),
  );
  const out = new Map<string, StaffRecord>();
  for (const id of ids) {
    const row = await deps.storage.getRecord(RecordKind.staff, id);
    const s = row ? staffRecordSchema.safeParse(JSON.parse(row.body)) : null;
    if (s?.success) out.set(id, s.data);
  }
  return out;
}

async function devicesOfAsync(deps: FhirExportDeps, patientId: string): Promise<DeviceRecord[]> {
  const rows = await deps.storage.recordsOfPatient(RecordKind.device, patientId);
  return rows.flatMap((row) => {
    const d = deviceRecordSchema.safeParse(JSON.parse(row.body));
    return d.success ? [d.data] : [];
  });
}

/** The patient's audit entries among the newest `AUDIT_EXPORT_WINDOW`, oldest first. */
async function auditOfAsync(deps: FhirExportDeps, patientId: string): Promise<AuditEntry[]> {
  const entries = await deps.storage.auditLog(AUDIT_EXPORT_WINDOW);
  return entries.filter((e) => e.patientId === patientId).sort((a, b) => a.at - b.at);
}

/** One visit after the other, so only one minute of raw readings is in memory at a time. */
async function visitsDataAsync(deps: FhirExportDeps, visits: readonly Visit[]): Promise<VisitData[]> {
  const out: VisitData[] = [];
  for (const v of visits) out.push(await visitDataAsync(deps, v));
  return out;
}

async function bundleOfAsync(
  deps: FhirExportDeps,
  patient: PatientRecord,
  visits: Visit[],
  id: string,
): Promise<Bundle> {
  const ordered = [...visits].sort((a, b) => a.startedAt - b.startedAt);
  const [data, staff, devices, audit, lessonResponses] = await Promise.all([
    visitsDataAsync(deps, ordered),
    staffOfAsync(deps, ordered),
    devicesOfAsync(deps, patient.patientId),
    auditOfAsync(deps, patient.patientId),
    lessonResponsesAsync(deps.storage, patient.patientId, patient.clinicId),
  ]);
  return exportBundle(
    { patient, staff, visits: data, devices, audit, exportedAt: deps.now(), lessonResponses },
    id,
  );
}

/** `Patient/$everything`: the whole record, every visit of every appointment of this clinic. */
export async function patientBundleAsync(deps: FhirExportDeps, patient: PatientRecord): Promise<Bundle> {
  const appts = (
    await patientAppointmentsAsync(deps.storage, deps.clinic.appointments.values(), patient.patientId)
  ).filter((a) => a.clinicId === patient.clinicId);
  const visits = await visitsOfAppointmentsAsync(deps.storage, appts);
  return bundleOfAsync(deps, patient, visits, fhirId("everything", patient.patientId, String(deps.now())));
}

/** One visit's Bundle: the patient, the visit and what it holds. */
export async function visitBundleAsync(
  deps: FhirExportDeps,
  patient: PatientRecord,
  visit: Visit,
): Promise<Bundle> {
  return bundleOfAsync(deps, patient, [visit], fhirId("visit", visit.id, String(deps.now())));
}
