/**
 * A patient's record (or one visit of it) as one FHIR R4 `collection` Bundle: the pure assembly
 * from what the export read. What comes out of the room events (the MDAS intake, alarms, why a visit
 * stopped, each device's firmware, comfort ratings, Otto's words, stops, holds and overrides) is
 * picked here; each resource is made by fhirResources.ts or fhirReadings.ts. Readings enter only as
 * per-minute summaries plus a pointer to the visit's NDJSON download, so the Bundle stays small
 * whatever the visit's length. Same input, same Bundle: ids derive from our ids, the export time is
 * passed in. `bundleJsonChunks` serialises it entry by entry for a streamed reply.
 */
import type { Bundle, BundleEntry, QuestionnaireResponse, Resource } from "@medplum/fhirtypes";
import type { Alarm } from "../../shared/alarms.ts";
import { TimelineKind, type Visit } from "../../shared/patientRecord.ts";
import type { RoomEvent } from "../../shared/protocol.ts";
import type { DeviceRecord, PatientRecord, StaffRecord } from "../../shared/records.ts";
import { visitTimeline } from "../record/timeline.ts";
import type { AuditEntry, StoredReading } from "../storage/storage.ts";
import { CHAIRSIDE_FHIR_BASE, localSignalCodeSystem } from "./fhirCodes.ts";
import { instant } from "./fhirIds.ts";
import {
  type MinuteSummary,
  minuteSummaryObservation,
  readingsDocument,
  summarizeReadings,
  totalOf,
} from "./fhirReadings.ts";
import {
  auditEventResource,
  comfortRatingObservation,
  conversationCommunication,
  type DeviceFacts,
  detectedIssueResource,
  deviceResource,
  encounterResource,
  type MdasIntake,
  mdasQuestionnaire,
  mdasResponse,
  patientResource,
  practitionerResource,
  procedureResource,
} from "./fhirResources.ts";

/** A device and a firmware version it measured with, as its readings say. */
export interface ReadingFirmware {
  deviceId: string;
  tooth: number | null;
  firmware: string;
}

/** One visit with what was stored while it ran: its events and its readings summarised per minute. */
export interface VisitData {
  visit: Visit;
  events: readonly RoomEvent[];
  minutes: readonly MinuteSummary[];
  /** Each (device, firmware) pair its raw readings carried, first seen first. */
  firmware: readonly ReadingFirmware[];
}

/** The firmware pairs of some readings, first seen first. */
/**
 * The visit's conversation with Otto, in order: each thing Otto said once (the room repeats his last
 * utterance while he changes state, as the timeline skips too), and each thing the patient said or
 * wrote to Otto, in their own words.
 */
export function conversationOf(
  events: readonly RoomEvent[],
): { at: number; from: "otto" | "patient"; text: string }[] {
  const out: { at: number; from: "otto" | "patient"; text: string }[] = [];
  let last = "";
  for (const { at, body } of events) {
    if (body.type === "otto_heard") out.push({ at, from: "patient", text: body.heard.text });
    if (body.type !== "otto") continue;
    const said = body.otto.lastUtterance;
    const key = said ? `${said.kind}:${said.text}` : "";
    if (said && key !== last) out.push({ at, from: "otto", text: said.text });
    last = key;
  }
  return out;
}

export function firmwareOfReadings(readings: readonly StoredReading[]): ReadingFirmware[] {
  const seen = new Map<string, ReadingFirmware>();
  for (const r of readings) {
    const key = `${r.deviceId}|${r.firmware}`;
    if (!seen.has(key)) seen.set(key, { deviceId: r.deviceId, tooth: r.tooth ?? null, firmware: r.firmware });
  }
  return [...seen.values()];
}

/** A visit's data from its raw readings held in memory (tests, fixtures). */
export function visitDataOf(
  visit: Visit,
  events: readonly RoomEvent[],
  readings: readonly StoredReading[],
): VisitData {
  return { visit, events, minutes: summarizeReadings(readings), firmware: firmwareOfReadings(readings) };
}

/** Everything one export reads; the Bundle is a function of this alone. */
export interface FhirExportInput {
  patient: PatientRecord;
  /** Staff records by id (clinicians and assistants of the visits; missing ones are exported by id). */
  staff: ReadonlyMap<string, StaffRecord>;
  visits: readonly VisitData[];
  /** The patient's paired devices as the directory knows them (tooth, kind). */
  devices: readonly DeviceRecord[];
  audit: readonly AuditEntry[];
  exportedAt: number;
  // The patient's lesson answers, as QuestionnaireResponses (server/lessons/lessonFhir.ts)
  lessonResponses?: readonly QuestionnaireResponse[];
}

/** Why a visit stopped: the reason written with its abort (or the last stop), if any. */
export function stopReasonOf(events: readonly RoomEvent[]): string | null {
  let reason: string | null = null;
  for (const e of events) {
    const t = e.body.type === "procedure" ? e.body.transition : null;
    if (t && (t.command === "abort" || t.command === "stop") && t.reason) reason = t.reason;
  }
  return reason;
}

/** The MDAS intake of a visit: the last comfort state with a score (the intake is filled in once). */
export function mdasIntakeOf(events: readonly RoomEvent[]): MdasIntake | null {
  const intakes: MdasIntake[] = [];
  for (const e of events) {
    if (e.body.type !== "comfort" || e.body.comfort.mdasScore === null) continue;
    // Every later comfort change repeats the score: the intake is when the score first appears.
    if (intakes.at(-1)?.total === e.body.comfort.mdasScore) continue;
    intakes.push({ at: e.at, total: e.body.comfort.mdasScore, pathway: e.body.comfort.pathway });
  }
  return intakes.at(-1) ?? null;
}

/** Each alarm of a visit once, as it last stood (raised, then acknowledged, then cleared). */
export function alarmsOf(events: readonly RoomEvent[]): Alarm[] {
  const byId = new Map<string, Alarm>();
  for (const e of events) if (e.body.type === "alarm") byId.set(e.body.alarm.id, e.body.alarm);
  return [...byId.values()];
}

/** The devices behind the readings and device events, with every firmware version they reported. */
export function deviceFactsOf(input: FhirExportInput): DeviceFacts[] {
  const facts = new Map<string, DeviceFacts>();
  const fact = (deviceId: string, tooth: number | null): DeviceFacts => {
    let f = facts.get(deviceId);
    if (!f) {
      f = { deviceId, patientId: input.patient.patientId, tooth, firmware: [] };
      facts.set(deviceId, f);
    }
    if (f.tooth === null && tooth !== null) f.tooth = tooth;
    return f;
  };
  const firmware = (f: DeviceFacts, version: string | null) => {
    if (version && !f.firmware.includes(version)) f.firmware.push(version);
  };
  for (const d of input.devices) firmware(fact(d.deviceId, d.tooth), d.firmware);
  for (const v of input.visits) {
    for (const e of v.events) {
      if (e.body.type === "alarm" && e.body.alarm.deviceId !== undefined)
        fact(e.body.alarm.deviceId, e.body.alarm.tooth ?? null);
      if (e.body.type === "device")
        firmware(fact(e.body.device.deviceId, e.body.device.tooth), e.body.device.firmware);
    }
    for (const r of v.firmware) firmware(fact(r.deviceId, r.tooth), r.firmware);
  }
  return [...facts.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
}

function entry(resource: Resource & { id?: string }): BundleEntry {
  return { fullUrl: `${CHAIRSIDE_FHIR_BASE}/${resource.resourceType}/${resource.id}`, resource };
}

/** The Bundle: definitions, patient, staff, devices, then per visit everything it holds, then the audit. */
export function exportBundle(input: FhirExportInput, bundleId: string): Bundle {
  const resources: Resource[] = [
    localSignalCodeSystem(),
    mdasQuestionnaire(),
    patientResource(input.patient),
  ];
  const staffIds = new Set<string>();
  for (const { visit } of input.visits) {
    staffIds.add(visit.clinicianId);
    if (visit.assistantId !== null) staffIds.add(visit.assistantId);
  }
  for (const id of [...staffIds].sort())
    resources.push(practitionerResource(id, input.staff.get(id) ?? null));
  for (const d of deviceFactsOf(input)) resources.push(deviceResource(d));
  for (const { visit, events, minutes } of input.visits) {
    const ctx = { patientId: visit.patientId, encounterId: visit.id };
    const timeline = visitTimeline(events);
    const notes = timeline.filter(
      (e) =>
        e.kind === TimelineKind.stop || e.kind === TimelineKind.interlock || e.kind === TimelineKind.override,
    );
    resources.push(encounterResource(visit), procedureResource(visit, stopReasonOf(events), notes));
    const intake = mdasIntakeOf(events);
    if (intake) resources.push(mdasResponse(visit, intake));
    for (const alarm of alarmsOf(events)) resources.push(detectedIssueResource(visit, alarm));
    let rating = 0;
    for (const e of events)
      if (e.body.type === "checkin")
        resources.push(comfortRatingObservation(visit, e.at, e.body.score, rating++));
    conversationOf(events).forEach((line, i) => {
      resources.push(conversationCommunication(visit, line, i));
    });
    for (const m of minutes) resources.push(minuteSummaryObservation(m, ctx));
    const readingCount = minutes.reduce((n, m) => n + totalOf(m), 0);
    if (readingCount > 0) resources.push(readingsDocument(visit.id, readingCount, ctx));
  }
  for (const r of input.lessonResponses ?? []) resources.push(r);
  input.audit.forEach((e, i) => {
    resources.push(auditEventResource(e, i));
  });
  return {
    resourceType: "Bundle",
    id: bundleId,
    type: "collection",
    timestamp: instant(input.exportedAt),
    entry: resources.map(entry),
  };
}

/**
 * The Bundle as JSON text in pieces, one entry at a time, so a large export is streamed to the
 * client instead of held as one string. Joined, the pieces are `JSON.stringify(bundle)`.
 */
export function* bundleJsonChunks(bundle: Bundle): Generator<string> {
  const { entry = [], ...head } = bundle;
  const open = JSON.stringify(head);
  yield `${open.slice(0, -1)}${open.length > 2 ? "," : ""}"entry":[`;
  for (const [i, e] of entry.entries()) yield `${i === 0 ? "" : ","}${JSON.stringify(e)}`;
  yield "]}";
}
