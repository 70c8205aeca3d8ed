/**
 * Readings as FHIR Observations. Raw readings come at up to 50 Hz (bite force), far too many for one
 * Bundle, so the Bundle carries one summary Observation per minute per (device, signal, tooth) and
 * the full-rate readings are a separate FHIR Bulk Data style NDJSON download (one Observation per
 * line, `application/fhir+ndjson`) that the Bundle points at with a DocumentReference. Summaries come
 * from the raw readings a minute at a time, or from the stored per-minute rollup once raw readings
 * are gone, and the two merge exactly (count-weighted mean). Every stored reading is counted exactly
 * once in the summaries (`count`), so a reader can check the NDJSON against the Bundle. Retracted
 * readings are `entered-in-error`, never dropped; invalid ones carry `dataAbsentReason: error` and no
 * value (FHIR invariant obs-6).
 */
import type {
  CodeableConcept,
  DocumentReference,
  Observation,
  ObservationComponent,
} from "@medplum/fhirtypes";
import { Quality, ReadingStatus, type Signal } from "../../shared/soe/signals.ts";
import type { ReadingMinute, StoredReading } from "../storage/storage.ts";
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

/**
 * One minute of one signal of one device on one tooth: what a summary Observation says. The three
 * counts are disjoint (a retracted reading counts as retracted whatever its quality), as in the
 * stored rollup; `sum` is over the usable readings, so minutes merge exactly.
 */
export interface MinuteSummary {
  minute: number;
  deviceId: string;
  signal: Signal;
  tooth: number | null;
  min: number | null;
  max: number | null;
  sum: number;
  usable: number;
  invalid: number;
  retracted: number;
}

const summaryKey = (m: { deviceId: string; signal: Signal; tooth: number | null; minute: number }) =>
  `${m.deviceId}|${m.signal}|${m.tooth ?? ""}|${m.minute}`;

/** A stored rollup minute (`count` there is the usable readings) as a summary. */
export function summaryOfRollup(m: ReadingMinute): MinuteSummary {
  return {
    minute: m.minute,
    deviceId: m.deviceId,
    signal: m.signal,
    tooth: m.tooth,
    min: m.min,
    max: m.max,
    sum: m.mean === null ? 0 : m.mean * m.count,
    usable: m.count,
    invalid: m.invalidCount,
    retracted: m.retractedCount,
  };
}

/** Every reading the minute stood for. */
export const totalOf = (m: MinuteSummary): number => m.usable + m.invalid + m.retracted;

/**
 * Collects per-minute summaries from raw readings and stored rollup minutes, in any order and in
 * pieces (the export feeds it one minute of readings at a time), so memory stays one minute's worth.
 */
export class MinuteSummaries {
  private readonly byKey = new Map<string, MinuteSummary>();

  private minuteOf(
    key: string,
    like: Omit<MinuteSummary, "min" | "max" | "sum" | "usable" | "invalid" | "retracted">,
  ) {
    let m = this.byKey.get(key);
    if (!m) {
      m = { ...like, min: null, max: null, sum: 0, usable: 0, invalid: 0, retracted: 0 };
      this.byKey.set(key, m);
    }
    return m;
  }

  addReading(r: StoredReading): void {
    const minute = Math.floor(r.t / MINUTE_MS) * MINUTE_MS;
    const like = { minute, deviceId: r.deviceId, signal: r.signal, tooth: r.tooth ?? null };
    const m = this.minuteOf(summaryKey(like), like);
    if (r.status === ReadingStatus.enteredInError) m.retracted++;
    else if (r.quality === Quality.invalid) m.invalid++;
    else {
      m.usable++;
      m.sum += r.value;
      m.min = m.min === null ? r.value : Math.min(m.min, r.value);
      m.max = m.max === null ? r.value : Math.max(m.max, r.value);
    }
  }

  /** A summary (a rolled-up minute); merged into what is there for the same minute. */
  addMinute(s: MinuteSummary): void {
    const m = this.minuteOf(summaryKey(s), s);
    m.usable += s.usable;
    m.invalid += s.invalid;
    m.retracted += s.retracted;
    m.sum += s.sum;
    if (s.min !== null) m.min = m.min === null ? s.min : Math.min(m.min, s.min);
    if (s.max !== null) m.max = m.max === null ? s.max : Math.max(m.max, s.max);
  }

  /** Every minute, by minute then device, signal and tooth (deterministic). */
  list(): MinuteSummary[] {
    return [...this.byKey.values()].sort(
      (a, b) =>
        a.minute - b.minute ||
        a.deviceId.localeCompare(b.deviceId) ||
        a.signal.localeCompare(b.signal) ||
        (a.tooth ?? -1) - (b.tooth ?? -1),
    );
  }
}

/** Summaries of a list of readings (tests and small exports). */
export function summarizeReadings(readings: readonly StoredReading[]): MinuteSummary[] {
  const s = new MinuteSummaries();
  for (const r of readings) s.addReading(r);
  return s.list();
}

/**
 * One minute's summary: the mean of the readings that stand as its value, min and max as
 * components, and how many readings there were, how many invalid and how many retracted. All
 * retracted: the summary is `entered-in-error`; none standing: `dataAbsentReason`.
 */
export function minuteSummaryObservation(m: MinuteSummary, ctx: ObservationContext): Observation {
  const tooth = m.tooth ?? undefined;
  const component: ObservationComponent[] = [
    { code: summaryCode("count", "Readings in the minute"), valueInteger: totalOf(m) },
    { code: summaryCode("invalid", "Invalid readings"), valueInteger: m.invalid },
    { code: summaryCode("retracted", "Retracted readings"), valueInteger: m.retracted },
  ];
  const obs: Observation = {
    ...base(m.signal, m.deviceId, tooth, ctx),
    id: fhirId("m", m.deviceId, m.signal, String(m.tooth ?? "x"), String(m.minute / MINUTE_MS)),
    status: m.retracted === totalOf(m) ? "entered-in-error" : "final",
    effectivePeriod: { start: instant(m.minute), end: instant(m.minute + MINUTE_MS) },
    component,
  };
  if (m.usable === 0 || m.min === null || m.max === null) {
    obs.dataAbsentReason = DATA_ABSENT_ERROR;
  } else {
    obs.valueQuantity = quantity(m.signal, Math.round((m.sum / m.usable) * 1000) / 1000);
    component.unshift(
      { code: summaryCode("min", "Lowest reading"), valueQuantity: quantity(m.signal, m.min) },
      { code: summaryCode("max", "Highest reading"), valueQuantity: quantity(m.signal, m.max) },
    );
  }
  return obs;
}

/** One reading as one NDJSON line (with its newline). */
export function readingNdjsonLine(r: StoredReading, index: number, ctx: ObservationContext): string {
  return `${JSON.stringify(readingObservation(r, index, ctx))}\n`;
}

/** Where a visit's full-rate readings are downloaded (relative to the server). */
export function visitReadingsPath(visitId: string): string {
  return `/api/visits/${encodeURIComponent(visitId)}/readings.ndjson`;
}

/**
 * The pointer from the Bundle to a visit's full-rate readings: a DocumentReference whose attachment
 * is the NDJSON download (the Bundle stays small; the readings stream separately).
 */
export function readingsDocument(
  visitId: string,
  readingCount: number,
  ctx: ObservationContext,
): DocumentReference {
  return {
    resourceType: "DocumentReference",
    id: fhirId("readings", visitId),
    status: "current",
    description: `Full-rate SOE readings of the visit: ${readingCount} Observations, one per line`,
    subject: ref("Patient", ctx.patientId),
    ...(ctx.encounterId === null ? {} : { context: { encounter: [ref("Encounter", ctx.encounterId)] } }),
    content: [
      {
        attachment: {
          contentType: NDJSON_CONTENT_TYPE,
          url: visitReadingsPath(visitId),
          title: "readings.ndjson",
        },
        format: {
          system: "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode",
          code: "urn:ihe:iti:xds:2017:mimeTypeSufficient",
          display: "mimeType Sufficient",
        },
      },
    ],
  };
}

/** Reads Observations back out of NDJSON text (tests and readers of the export). */
export function observationsOfNdjson(text: string): Observation[] {
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Observation);
}
