/**
 * The export's reads: everything a patient's record (or one visit) holds, read through `Storage` and
 * the record slice's visit loaders (server/record/visits.ts), handed to the pure `exportBundle`. Staff
 * see only their own clinic's patients: a patient or visit of another clinic is "not found".
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
import {
  findVisitAsync,
  patientAppointmentsAsync,
  visitAppointmentAsync,
  visitEventsAsync,
  visitReadingsAsync,
  visitsOfAppointmentsAsync,
} from "../record/visits.ts";
import { type AuditEntry, RecordKind, type Storage } from "../storage/storage.ts";
import { exportBundle, type VisitData } from "./fhirBundle.ts";
import { fhirId } from "./fhirIds.ts";

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

async function visitDataAsync(deps: FhirExportDeps, visit: Visit): Promise<VisitData> {
  const [events, readings] = await Promise.all([
    visitEventsAsync(deps.storage, visit),
    visitReadingsAsync(deps.storage, visit, deps.now()),
  ]);
  return { visit, events, readings };
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

async function bundleOfAsync(
  deps: FhirExportDeps,
  patient: PatientRecord,
  visits: Visit[],
  id: string,
): Promise<Bundle> {
  const ordered = [...visits].sort((a, b) => a.startedAt - b.startedAt);
  const [data, staff, devices, audit] = await Promise.all([
    Promise.all(ordered.map((v) => visitDataAsync(deps, v))),
    staffOfAsync(deps, ordered),
    devicesOfAsync(deps, patient.patientId),
    auditOfAsync(deps, patient.patientId),
  ]);
  return exportBundle({ patient, staff, visits: data, devices, audit, exportedAt: deps.now() }, id);
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
