/**
 * Readings as FHIR Observations. Raw readings come at up to 50 Hz (bite force), far too many for one
 * Bundle, so the Bundle carries one summary Observation per minute per (device, signal, tooth) and
 * the full-rate readings travel as NDJSON, one Observation per line, in a `Binary` (the FHIR Bulk
 * Data format). Every stored reading is counted exactly once in the summaries (`count`), so a reader
 * can check the Binary against the Bundle. Retracted readings are `entered-in-error`, never dropped;
 * invalid ones carry `dataAbsentReason: error` and no value (FHIR invariant obs-6).
 */
import type { Binary, CodeableConcept, Observation, ObservationComponent } from "@medplum/fhirtypes";
import { Quality, ReadingStatus, type Signal } from "../../shared/soe/signals.ts";
import type { StoredReading } from "../storage/storage.ts";
import { LocalSystem, SIGNAL_CODES, System } from "./fhirCodes.ts";
import { fhirId, instant, ref, toothSite } from "./fhirIds.ts";

export const MINUTE_MS = 60_000;
export const NDJSON_CONTENT_TYPE = "application/fhir+ndjson";

/** Who and what every Observation of a visit points at. */
export interface ObservationContext {
  patientId: string;
  /** The Encounter (visit) id, or null for readings outside any visit. */
  encounterId: string | null;
}

const DATA_ABSENT_ERROR: CodeableConcept = {
  coding: [{ system: System.dataAbsentReason, code: "error", display: "Error" }],
  text: "The sensor's reading failed its plausibility checks.",
};

function codeOf(signal: Signal): CodeableConcept {
  const c = SIGNAL_CODES[signal];
  return { coding: c.codings, text: c.codings[0]?.display ?? signal };
}

function categoryOf(signal: Signal): CodeableConcept[] {
  const code = SIGNAL_CODES[signal].category;
  return [
    {
      coding: [
        { system: System.observationCategory, code, display: code === "exam" ? "Exam" : "Vital Signs" },
      ],
    },
  ];
}

function quantity(signal: Signal, value: number) {
  const unit = SIGNAL_CODES[signal].unit;
  return { value, unit, system: System.ucum, code: unit };
}

function base(
  signal: Signal,
  deviceId: string,
  tooth: number | undefined,
  ctx: ObservationContext,
): Observation {
  return {
    resourceType: "Observation",
    status: "final",
    category: categoryOf(signal),
    code: codeOf(signal),
    subject: ref("Patient", ctx.patientId),
    ...(ctx.encounterId === null ? {} : { encounter: ref("Encounter", ctx.encounterId) }),
    device: ref("Device", deviceId),
    ...(tooth === undefined ? {} : { bodySite: toothSite(tooth) }),
  };
}

/** A reading counts in the summary's min/max/mean only when it stands: not retracted, not invalid. */
export function readingStands(r: StoredReading): boolean {
  return r.status !== ReadingStatus.enteredInError && r.quality !== Quality.invalid;
}

/** One full-rate reading as an Observation (one NDJSON line). */
export function readingObservation(r: StoredReading, index: number, ctx: ObservationContext): Observation {
  const obs: Observation = {
    ...base(r.signal, r.deviceId, r.tooth, ctx),
    id: fhirId("r", ctx.encounterId ?? ctx.patientId, String(index)),
    status: r.status === ReadingStatus.enteredInError ? "entered-in-error" : "final",
    effectiveDateTime: instant(r.t),
    issued: instant(r.receivedAt),
  };
  if (r.quality === Quality.invalid) obs.dataAbsentReason = DATA_ABSENT_ERROR;
  else obs.valueQuantity = quantity(r.signal, r.value);
  if (r.quality !== Quality.valid && r.reason) obs.note = [{ text: `${r.quality}: ${r.reason}` }];
  return obs;
}

const summaryCode = (code: string, display: string): CodeableConcept => ({
  coding: [{ system: LocalSystem.summary, code, display }],
});

interface MinuteGroup {
  signal: Signal;
  deviceId: string;
  tooth: number | undefined;
  minute: number;
  readings: StoredReading[];
}

/** Groups readings by (device, signal, tooth, minute of device time), in first-seen order. */
export function groupByMinute(readings: readonly StoredReading[]): MinuteGroup[] {
  const groups = new Map<string, MinuteGroup>();
  for (const r of readings) {
    const minute = Math.floor(r.t / MINUTE_MS) * MINUTE_MS;
    const key = `${r.deviceId}|${r.signal}|${r.tooth ?? ""}|${minute}`;
    let g = groups.get(key);
    if (!g) {
      g = { signal: r.signal, deviceId: r.deviceId, tooth: r.tooth, minute, readings: [] };
      groups.set(key, g);
    }
    g.readings.push(r);
  }
  return [...groups.values()];
}

/**
 * One minute's summary: the mean of the readings that stand as its value, min and max as
 * components, and how many readings there were, how many invalid and how many retracted. All
 * retracted: the summary is `entered-in-error`; none standing: `dataAbsentReason`.
 */
export function minuteSummaryObservation(g: MinuteGroup, ctx: ObservationContext): Observation {
  const standing = g.readings.filter(readingStands).map((r) => r.value);
  const retracted = g.readings.filter((r) => r.status === ReadingStatus.enteredInError).length;
  const invalid = g.readings.filter((r) => r.quality === Quality.invalid).length;
  const component: ObservationComponent[] = [
    { code: summaryCode("count", "Readings in the minute"), valueInteger: g.readings.length },
    { code: summaryCode("invalid", "Invalid readings"), valueInteger: invalid },
    { code: summaryCode("retracted", "Retracted readings"), valueInteger: retracted },
  ];
  const obs: Observation = {
    ...base(g.signal, g.deviceId, g.tooth, ctx),
    id: fhirId("m", g.deviceId, g.signal, String(g.tooth ?? "x"), String(g.minute / MINUTE_MS)),
    status: retracted === g.readings.length ? "entered-in-error" : "final",
    effectivePeriod: { start: instant(g.minute), end: instant(g.minute + MINUTE_MS) },
    component,
  };
  if (standing.length === 0) {
    obs.dataAbsentReason = DATA_ABSENT_ERROR;
  } else {
    const mean = standing.reduce((s, v) => s + v, 0) / standing.length;
    obs.valueQuantity = quantity(g.signal, Math.round(mean * 1000) / 1000);
    component.unshift(
      {
        code: summaryCode("min", "Lowest reading"),
        valueQuantity: quantity(g.signal, Math.min(...standing)),
      },
      {
        code: summaryCode("max", "Highest reading"),
        valueQuantity: quantity(g.signal, Math.max(...standing)),
      },
    );
  }
  return obs;
}

/** The full-rate readings as NDJSON Observations in a Binary (`application/fhir+ndjson`). */
export function readingsBinary(
  id: string,
  readings: readonly StoredReading[],
  ctx: ObservationContext,
): Binary {
  const lines = readings.map((r, i) => JSON.stringify(readingObservation(r, i, ctx)));
  const ndjson = lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  return {
    resourceType: "Binary",
    id,
    contentType: NDJSON_CONTENT_TYPE,
    securityContext: ref("Patient", ctx.patientId),
    // FHIR primitives may not be empty: a visit without readings has a Binary without data.
    ...(ndjson === "" ? {} : { data: Buffer.from(ndjson, "utf8").toString("base64") }),
  };
}

/** Reads the Observations back out of a readings Binary (tests and readers of the export). */
export function observationsOfBinary(binary: Binary): Observation[] {
  const text = Buffer.from(binary.data ?? "", "base64").toString("utf8");
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Observation);
}
