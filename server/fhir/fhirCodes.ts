/**
 * The code systems and codes the FHIR export uses, in one table, from ../shared/DOMAIN.md: LOINC
 * where a term exists (heart rate, oral temperature), SNOMED CT where DOMAIN.md lists one (plaque,
 * gingivitis), and our own CodeSystem for what has no standard term (saliva pH, bite force, the MDAS,
 * plans, alarms). Units are UCUM. The export ships the local CodeSystem in the Bundle so a reader can
 * resolve every local code without asking us.
 */
import type { CodeSystem, Coding } from "@medplum/fhirtypes";
import { SIGNAL_SPECS, type Signal } from "../../shared/soe/signals.ts";

export const System = {
  loinc: "http://loinc.org",
  snomed: "http://snomed.info/sct",
  ucum: "http://unitsofmeasure.org",
  observationCategory: "http://terminology.hl7.org/CodeSystem/observation-category",
  dataAbsentReason: "http://terminology.hl7.org/CodeSystem/data-absent-reason",
  actCode: "http://terminology.hl7.org/CodeSystem/v3-ActCode",
  participationType: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
  /** FHIR's oral site codes: FDI tooth numbers 11..48 (what Claim.item.bodySite uses). */
  tooth: "http://terminology.hl7.org/CodeSystem/ex-tooth",
  /** IEEE 11073-10101 nomenclature (firmware revision: MDC_ID_PROD_SPEC_FW 531976). */
  ieee11073: "urn:iso:std:iso:11073:10101",
  auditEventType: "http://terminology.hl7.org/CodeSystem/audit-event-type",
  auditSourceType: "http://terminology.hl7.org/CodeSystem/security-source-type",
  detectedIssueSeverity: "http://hl7.org/fhir/detectedissue-severity",
} as const;

/** Where our own definitions live (CodeSystem, Questionnaire, identifier systems). */
export const CHAIRSIDE_FHIR_BASE = "https://chairside.example/fhir";

export const LocalSystem = {
  /** SOE signals without a LOINC term: saliva pH, bite force, plaque index, gingival index. */
  signal: `${CHAIRSIDE_FHIR_BASE}/CodeSystem/soe-signal`,
  /** The statistics of a per-minute summary: min, max, count, invalid, retracted. */
  summary: `${CHAIRSIDE_FHIR_BASE}/CodeSystem/reading-summary`,
  plan: `${CHAIRSIDE_FHIR_BASE}/CodeSystem/treatment-plan`,
  alarm: `${CHAIRSIDE_FHIR_BASE}/CodeSystem/alarm-kind`,
  mdas: `${CHAIRSIDE_FHIR_BASE}/CodeSystem/mdas`,
  /** The check-in comfort rating (0-10) the patient gives during treatment. */
  comfort: `${CHAIRSIDE_FHIR_BASE}/CodeSystem/comfort`,
  auditAction: `${CHAIRSIDE_FHIR_BASE}/CodeSystem/audit-action`,
  patientId: `${CHAIRSIDE_FHIR_BASE}/patient-id`,
  staffId: `${CHAIRSIDE_FHIR_BASE}/staff-id`,
  deviceId: `${CHAIRSIDE_FHIR_BASE}/device-id`,
  visitId: `${CHAIRSIDE_FHIR_BASE}/visit-id`,
  alarmId: `${CHAIRSIDE_FHIR_BASE}/alarm-id`,
  mdasQuestionnaire: `${CHAIRSIDE_FHIR_BASE}/Questionnaire/mdas`,
} as const;

export const LOINC_HEART_RATE = "8867-4";
export const LOINC_ORAL_TEMPERATURE = "8331-1";
export const SNOMED_DENTAL_PLAQUE = "18949003";
export const SNOMED_GINGIVITIS = "66383009";
/** IEEE 11073 MDC_ID_PROD_SPEC_FW: the firmware revision of a device. */
export const MDC_FIRMWARE_REVISION = "531976";

interface SignalCoding {
  /** The codings of Observation.code, the primary (standard where one exists) first. */
  codings: Coding[];
  /** vital-signs for heart rate and temperature, exam for what a dentist examines. */
  category: "vital-signs" | "exam";
  unit: string;
}

const local = (code: string, display: string): Coding => ({ system: LocalSystem.signal, code, display });

/** Observation.code, category and UCUM unit per SOE signal. */
export const SIGNAL_CODES: Readonly<Record<Signal, SignalCoding>> = {
  heartRate: {
    codings: [{ system: System.loinc, code: LOINC_HEART_RATE, display: "Heart rate" }],
    category: "vital-signs",
    unit: SIGNAL_SPECS.heartRate.unit,
  },
  temperature: {
    codings: [{ system: System.loinc, code: LOINC_ORAL_TEMPERATURE, display: "Oral temperature" }],
    category: "vital-signs",
    unit: SIGNAL_SPECS.temperature.unit,
  },
  ph: { codings: [local("saliva-ph", "Salivary / plaque pH")], category: "exam", unit: "[pH]" },
  biteForce: { codings: [local("bite-force", "Bite force")], category: "exam", unit: "N" },
  plaque: {
    codings: [
      local("plaque-index", "Plaque index (Silness-Loe)"),
      { system: System.snomed, code: SNOMED_DENTAL_PLAQUE, display: "Dental plaque" },
    ],
    category: "exam",
    unit: "{score}",
  },
  inflammation: {
    codings: [
      local("gingival-index", "Gingival index (Loe-Silness)"),
      { system: System.snomed, code: SNOMED_GINGIVITIS, display: "Gingivitis" },
    ],
    category: "exam",
    unit: "{score}",
  },
};

/** The local CodeSystem resource, shipped in every export. */
export function localSignalCodeSystem(): CodeSystem {
  return {
    resourceType: "CodeSystem",
    id: "soe-signal",
    url: LocalSystem.signal,
    name: "ChairsideSoeSignal",
    title: "Chairside SOE signals without a LOINC term",
    status: "active",
    content: "complete",
    caseSensitive: true,
    concept: [
      { code: "saliva-ph", display: "Salivary / plaque pH", definition: "UCUM [pH]; < 5.5 enamel at risk." },
      { code: "bite-force", display: "Bite force", definition: "Molar bite force in newtons (UCUM N)." },
      { code: "plaque-index", display: "Plaque index (Silness-Loe)", definition: "Score 0-3 ({score})." },
      { code: "gingival-index", display: "Gingival index (Loe-Silness)", definition: "Score 0-3 ({score})." },
    ],
  };
}
