/**
 * Checks of an exported Bundle that @medplum/core's `validateResource` does not make: required
 * value sets (Observation.status and the other status codes are only typed as strings there), FHIR
 * ids, the obs-6 rule (a value or a dataAbsentReason, never both), and that every relative reference
 * resolves inside the Bundle. Returns the problems in plain words; an empty list means it passed.
 */
import type { Bundle, Reference, Resource } from "@medplum/fhirtypes";
import { isFhirId } from "./fhirIds.ts";

/** FHIR R4's observation-status value set, which DetectedIssue.status binds to as well. */
const OBSERVATION_STATUS = [
  "registered",
  "preliminary",
  "final",
  "amended",
  "corrected",
  "cancelled",
  "entered-in-error",
  "unknown",
] as const;

/** Required bindings (FHIR R4) of the elements the export fills. */
const REQUIRED_CODES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  Observation: {
    status: OBSERVATION_STATUS,
  },
  Encounter: {
    status: [
      "planned",
      "arrived",
      "triaged",
      "in-progress",
      "onleave",
      "finished",
      "cancelled",
      "entered-in-error",
      "unknown",
    ],
  },
  Procedure: {
    status: [
      "preparation",
      "in-progress",
      "not-done",
      "on-hold",
      "stopped",
      "completed",
      "entered-in-error",
      "unknown",
    ],
  },
  DetectedIssue: {
    status: OBSERVATION_STATUS,
    severity: ["high", "moderate", "low"],
  },
  QuestionnaireResponse: { status: ["in-progress", "completed", "amended", "entered-in-error", "stopped"] },
  Questionnaire: { status: ["draft", "active", "retired", "unknown"] },
  CodeSystem: {
    status: ["draft", "active", "retired", "unknown"],
    content: ["not-present", "example", "fragment", "complete", "supplement"],
  },
  Communication: {
    status: [
      "preparation",
      "in-progress",
      "not-done",
      "on-hold",
      "stopped",
      "completed",
      "entered-in-error",
      "unknown",
    ],
  },
  DocumentReference: { status: ["current", "superseded", "entered-in-error"] },
  AuditEvent: { action: ["C", "R", "U", "D", "E"], outcome: ["0", "4", "8", "12"] },
  Bundle: {
    type: [
      "document",
      "message",
      "transaction",
      "transaction-response",
      "batch",
      "batch-response",
      "history",
      "searchset",
      "collection",
    ],
  },
};

function valueSetProblems(resource: Resource): string[] {
  const problems: string[] = [];
  const rules = REQUIRED_CODES[resource.resourceType] ?? {};
  const fields = resource as unknown as Record<string, unknown>;
  for (const [field, allowed] of Object.entries(rules)) {
    const value = fields[field];
    if (value === undefined) continue;
    if (typeof value !== "string" || !allowed.includes(value)) {
      problems.push(`${resource.resourceType}.${field} "${String(value)}" is not in its required value set`);
    }
  }
  return problems;
}

function observationProblems(resource: Resource): string[] {
  if (resource.resourceType !== "Observation") return [];
  const hasValue = Object.keys(resource).some((k) => k.startsWith("value"));
  if (hasValue && resource.dataAbsentReason)
    return [`Observation/${resource.id} has a value and a dataAbsentReason (obs-6)`];
  return [];
}

/** Every `reference` anywhere inside a value. */
function referencesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (value !== null && typeof value === "object") {
    const ref = (value as Reference).reference;
    if (typeof ref === "string") out.push(ref);
    for (const v of Object.values(value)) referencesIn(v, out);
  }
  return out;
}

/**
 * A Communication says who spoke: a reference (the patient, a practitioner) or, for Otto, a display;
 * and nobody speaks to themself (the patient's own words once went out as Otto's, to the patient).
 */
function communicationProblems(resource: Resource): string[] {
  if (resource.resourceType !== "Communication") return [];
  const sender = resource.sender;
  if (!sender?.reference && !sender?.display) return [`Communication/${resource.id} has no sender`];
  const who = (r: Reference) => r.reference ?? r.display;
  return (resource.recipient ?? []).some((r) => who(r) === who(sender))
    ? [`Communication/${resource.id} is sent by ${who(sender)} to themself`]
    : [];
}

/** What is wrong with an exported Bundle beyond structure: [] when nothing is. */
export function bundleProblems(bundle: Bundle): string[] {
  const problems = valueSetProblems(bundle);
  const present = new Set<string>();
  for (const e of bundle.entry ?? []) {
    if (e.resource) present.add(`${e.resource.resourceType}/${e.resource.id}`);
  }
  for (const e of bundle.entry ?? []) {
    const r = e.resource;
    if (!r) {
      problems.push("an entry has no resource");
      continue;
    }
    if (!r.id || !isFhirId(r.id)) problems.push(`${r.resourceType} id "${r.id}" is not a FHIR id`);
    problems.push(...valueSetProblems(r), ...observationProblems(r), ...communicationProblems(r));
    for (const ref of referencesIn(r)) {
      if (!present.has(ref))
        problems.push(`${r.resourceType}/${r.id} refers to ${ref}, which is not in the Bundle`);
    }
  }
  return problems;
}
