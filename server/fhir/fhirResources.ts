/**
 * Pure mappings from our records to FHIR R4 resources (typed with @medplum/fhirtypes): the patient,
 * the staff, a visit as Encounter and Procedure, each SOE as Device, the MDAS as Questionnaire and
 * QuestionnaireResponse, alarms as DetectedIssue, audit entries as AuditEvent, check-in comfort
 * ratings as Observations, Otto's words as Communications, and the stops, holds and overrides (with
 * their written reasons) as notes on the Procedure, so the Bundle holds what the timeline shows. No
 * storage, no clock:
 * the export (fhirExport.ts) reads, these map, fhirBundle.ts assembles.
 */
import type {
  Annotation,
  AuditEvent,
  Communication,
  DetectedIssue,
  Device,
  Encounter,
  EncounterParticipant,
  Observation,
  Patient,
  Practitioner,
  Procedure,
  Questionnaire,
  QuestionnaireResponse,
} from "@medplum/fhirtypes";
import type { Alarm } from "../../shared/alarms.ts";
import { MDAS_ANSWERS, MDAS_ITEMS } from "../../shared/comfort/mdas.ts";
import { type TimelineEntry, type Visit, VisitOutcome } from "../../shared/patientRecord.ts";
import type { PatientRecord, StaffRecord } from "../../shared/records.ts";
import type { AuditEntry } from "../storage/storage.ts";
import { LocalSystem, MDC_FIRMWARE_REVISION, System } from "./fhirCodes.ts";
import { fhirId, instant, ref, toothSite } from "./fhirIds.ts";

export function patientResource(p: PatientRecord): Patient {
  return {
    resourceType: "Patient",
    id: fhirId(p.patientId),
    identifier: [{ system: LocalSystem.patientId, value: p.patientId }],
    active: p.archivedAt === null,
    name: [{ text: p.displayName }],
    // A patient known only from a live appointment (the demo clinic) has no date of birth on file.
    ...(p.dateOfBirth === "" ? {} : { birthDate: p.dateOfBirth }),
  };
}

/** A staff member; `staff` null when only the id is known (an account since removed). */
export function practitionerResource(staffId: string, staff: StaffRecord | null): Practitioner {
  return {
    resourceType: "Practitioner",
    id: fhirId(staffId),
    identifier: [{ system: LocalSystem.staffId, value: staffId }],
    ...(staff === null ? {} : { active: staff.disabledAt === null, name: [{ text: staff.displayName }] }),
  };
}

function participant(code: "PPRF" | "SPRF", display: string, staffId: string): EncounterParticipant {
  return {
    type: [{ coding: [{ system: System.participationType, code, display }] }],
    individual: ref("Practitioner", staffId),
  };
}

/** A visit as an Encounter: ambulatory, finished once it ended however it ended. */
export function encounterResource(v: Visit): Encounter {
  return {
    resourceType: "Encounter",
    id: fhirId(v.id),
    identifier: [{ system: LocalSystem.visitId, value: v.id }],
    status: v.outcome === VisitOutcome.inProgress ? "in-progress" : "finished",
    class: { system: System.actCode, code: "AMB", display: "ambulatory" },
    subject: ref("Patient", v.patientId),
    participant: [
      participant("PPRF", "primary performer", v.clinicianId),
      ...(v.assistantId === null ? [] : [participant("SPRF", "secondary performer", v.assistantId)]),
    ],
    period: { start: instant(v.startedAt), ...(v.endedAt === null ? {} : { end: instant(v.endedAt) }) },
  };
}

const PROCEDURE_STATUS = {
  [VisitOutcome.completed]: "completed",
  [VisitOutcome.aborted]: "stopped",
  [VisitOutcome.stoppedByPatient]: "stopped",
  [VisitOutcome.inProgress]: "in-progress",
} as const;

/** A timeline line as a note: when, who, what and the written reason. */
export function timelineNote(e: TimelineEntry): Annotation {
  const text = [e.title, e.detail, e.reason ? `Reason: ${e.reason}` : null].filter(Boolean).join(". ");
  return { time: instant(e.at), ...(e.by ? { authorString: e.by } : {}), text };
}

/**
 * The visit's treatment: its plan, the tooth as body site, who did it, why it stopped, and as notes
 * every stop by the patient (and who resumed, why), interlock hold and override with its reason.
 */
export function procedureResource(
  v: Visit,
  stopReason: string | null,
  notes: readonly TimelineEntry[] = [],
): Procedure {
  const reason =
    v.outcome === VisitOutcome.stoppedByPatient
      ? `Stopped by the patient${stopReason ? `: ${stopReason}` : ""}`
      : v.outcome === VisitOutcome.aborted
        ? `Aborted${stopReason ? `: ${stopReason}` : ""}`
        : null;
  return {
    resourceType: "Procedure",
    id: fhirId("proc", v.id),
    status: PROCEDURE_STATUS[v.outcome],
    ...(reason === null ? {} : { statusReason: { text: reason } }),
    code: { coding: [{ system: LocalSystem.plan, code: v.plan, display: v.planName }], text: v.planName },
    subject: ref("Patient", v.patientId),
    encounter: ref("Encounter", v.id),
    performedPeriod: {
      start: instant(v.startedAt),
      ...(v.endedAt === null ? {} : { end: instant(v.endedAt) }),
    },
    performer: [
      { actor: ref("Practitioner", v.clinicianId) },
      ...(v.assistantId === null ? [] : [{ actor: ref("Practitioner", v.assistantId) }]),
    ],
    ...(v.tooth === null ? {} : { bodySite: [toothSite(v.tooth)] }),
    ...(notes.length === 0 ? {} : { note: notes.map(timelineNote) }),
  };
}

/** A check-in comfort rating (0 calm .. 10 very uncomfortable) the patient gave during the visit. */
export function comfortRatingObservation(v: Visit, at: number, score: number, index: number): Observation {
  return {
    resourceType: "Observation",
    id: fhirId("comfort", v.id, String(index)),
    status: "final",
    category: [{ coding: [{ system: System.observationCategory, code: "survey", display: "Survey" }] }],
    code: {
      coding: [{ system: LocalSystem.comfort, code: "comfort-rating", display: "Check-in comfort rating" }],
      text: "Comfort rating at a check-in (0-10)",
    },
    subject: ref("Patient", v.patientId),
    encounter: ref("Encounter", v.id),
    effectiveDateTime: instant(at),
    valueInteger: score,
  };
}

/** Otto as the other side of a conversation: not a person, not a registered device. */
const OTTO = { display: "Otto (Chairside assistant)" } as const;

/**
 * One line of the visit's conversation with Otto: Otto's words (the caption the patient read) sent
 * by Otto to the patient, or the patient's own words (typed or spoken) sent by the patient to Otto.
 */
export function conversationCommunication(
  v: Visit,
  line: { at: number; from: "otto" | "patient"; text: string },
  index: number,
): Communication {
  const patient = ref("Patient", v.patientId);
  return {
    resourceType: "Communication",
    id: fhirId(line.from === "otto" ? "otto" : "heard", v.id, String(index)),
    status: "completed",
    subject: patient,
    encounter: ref("Encounter", v.id),
    sent: instant(line.at),
    sender: line.from === "otto" ? OTTO : patient,
    recipient: [line.from === "otto" ? patient : OTTO],
    payload: [{ contentString: line.text }],
  };
}

/** What the export knows of one SOE: the firmware versions it measured with, its tooth. */
export interface DeviceFacts {
  deviceId: string;
  patientId: string;
  tooth: number | null;
  /** Every firmware version seen, oldest first; the last is the current one. */
  firmware: string[];
}

/** An SOE (or the heart-rate wearable) with its firmware revision (IEEE 11073 531976). */
export function deviceResource(d: DeviceFacts): Device {
  return {
    resourceType: "Device",
    id: fhirId(d.deviceId),
    identifier: [{ system: LocalSystem.deviceId, value: d.deviceId }],
    deviceName: [
      {
        name: d.tooth === null ? "Heart-rate wearable" : `SOE on tooth ${d.tooth}`,
        type: "user-friendly-name",
      },
    ],
    patient: ref("Patient", d.patientId),
    version: d.firmware.map((value) => ({
      type: {
        coding: [{ system: System.ieee11073, code: MDC_FIRMWARE_REVISION, display: "MDC_ID_PROD_SPEC_FW" }],
      },
      value,
    })),
    ...(d.tooth === null ? {} : { note: [{ text: `Mounted on FDI tooth ${d.tooth}` }] }),
  };
}

/** The MDAS (Humphris 1995) as a Questionnaire: five items answered 1-5, and the total. */
export function mdasQuestionnaire(): Questionnaire {
  return {
    resourceType: "Questionnaire",
    id: "mdas",
    url: LocalSystem.mdasQuestionnaire,
    name: "MDAS",
    title: "Modified Dental Anxiety Scale",
    status: "active",
    subjectType: ["Patient"],
    item: [
      ...MDAS_ITEMS.map((text, i) => ({
        linkId: `q${i + 1}`,
        text,
        type: "choice" as const,
        answerOption: MDAS_ANSWERS.map((display, a) => ({
          valueCoding: { system: LocalSystem.mdas, code: String(a + 1), display },
        })),
      })),
      {
        linkId: "total",
        text: "Total score (5-25; 19 or more is high dental anxiety)",
        type: "integer",
        readOnly: true,
      },
      { linkId: "pathway", text: "Comfort pathway chosen from the total", type: "string", readOnly: true },
    ],
  };
}

/** One MDAS intake as the room stored it: the total and the pathway (the five answers are not kept). */
export interface MdasIntake {
  at: number;
  total: number;
  pathway: string;
}

export function mdasResponse(v: Visit, intake: MdasIntake): QuestionnaireResponse {
  return {
    resourceType: "QuestionnaireResponse",
    id: fhirId("mdas", v.id),
    questionnaire: LocalSystem.mdasQuestionnaire,
    status: "completed",
    subject: ref("Patient", v.patientId),
    encounter: ref("Encounter", v.id),
    authored: instant(intake.at),
    item: [
      { linkId: "total", answer: [{ valueInteger: intake.total }] },
      { linkId: "pathway", answer: [{ valueString: intake.pathway }] },
    ],
  };
}

const SEVERITY = { high: "high", medium: "moderate", low: "low" } as const;

/** An alarm as a DetectedIssue: when it rose and cleared, the device, who acknowledged it. */
export function detectedIssueResource(v: Visit, a: Alarm): DetectedIssue {
  const rose = instant(a.raisedAt);
  return {
    resourceType: "DetectedIssue",
    id: fhirId("alarm", a.id),
    identifier: [{ system: LocalSystem.alarmId, value: a.id }],
    status: "final",
    code: {
      coding: [{ system: LocalSystem.alarm, code: a.kind, display: `${a.kind} alarm` }],
      text: `${a.priority} priority ${a.kind} alarm`,
    },
    severity: SEVERITY[a.priority],
    patient: ref("Patient", v.patientId),
    ...(a.clearedAt === undefined
      ? { identifiedDateTime: rose }
      : { identifiedPeriod: { start: rose, end: instant(a.clearedAt) } }),
    ...(a.deviceId === undefined ? {} : { implicated: [ref("Device", a.deviceId)] }),
    detail: a.message,
    ...(a.acknowledgedAt === undefined
      ? {}
      : {
          mitigation: [
            {
              action: { text: "Acknowledged" },
              date: instant(a.acknowledgedAt),
              ...(a.acknowledgedBy === undefined ? {} : { author: { display: a.acknowledgedBy } }),
            },
          ],
        }),
  };
}

/** Reads of patient data (`record.read`, `soe.history`, `record.export.fhir`...) are R, others U. */
function auditActionCode(action: string): "R" | "U" | "C" | "D" | "E" {
  if (/\.(read|timeline|trends|anxiety|history|replay)$|^record\.export/.test(action)) return "R";
  if (/(create|add|pair)/.test(action)) return "C";
  if (/(delete|archive|remove)/.test(action)) return "D";
  return "U";
}

/** One audit trail entry as an AuditEvent: who, what, when, why, about which patient. */
export function auditEventResource(e: AuditEntry, index: number): AuditEvent {
  return {
    resourceType: "AuditEvent",
    id: fhirId("audit", String(e.at), String(index)),
    type: { system: System.auditEventType, code: "rest", display: "RESTful Operation" },
    subtype: [{ system: LocalSystem.auditAction, code: e.action, display: e.action }],
    action: auditActionCode(e.action),
    recorded: instant(e.at),
    outcome: "0",
    ...(e.why ? { purposeOfEvent: [{ text: e.why }] } : {}),
    agent: [
      { who: { identifier: { system: LocalSystem.staffId, value: e.who }, display: e.who }, requestor: true },
    ],
    source: {
      observer: { display: "Chairside" },
      type: [{ system: System.auditSourceType, code: "4", display: "Application Server" }],
    },
    entity: [
      {
        ...(e.patientId === undefined ? {} : { what: ref("Patient", e.patientId) }),
        description: e.subject,
      },
    ],
  };
}
