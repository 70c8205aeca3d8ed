/**
 * The patient's anxiety across visits: the MDAS and pathway each visit ran on, the comfort ratings
 * the patient gave, how often they stopped, and how far their heart rate rose above their own
 * resting rate. Pure functions of a visit's stored events and heart-rate readings.
 */
import type { PatientAnxiety, Visit, VisitAnxiety } from "../../shared/patientRecord.ts";
import type { RoomEvent, RoomEventType } from "../../shared/protocol.ts";
import type { StoredReading } from "../storage/storage.ts";

/** The event types the anxiety view reads. */
export const ANXIETY_EVENT_TYPES: readonly RoomEventType[] = ["comfort", "checkin", "procedure"];

/** One visit's picture; `baseline` is the patient's resting rate when the visit measured none. */
export function visitAnxiety(
  visit: Visit,
  events: readonly RoomEvent[],
  heartRate: readonly StoredReading[],
  baseline: number | null,
): VisitAnxiety {
  let mdasScore: number | null = null;
  let pathway: string | null = null;
  let visitBaseline: number | null = null;
  let stops = 0;
  const comfortRatings: VisitAnxiety["comfortRatings"] = [];
  for (const { at, body } of events) {
    if (body.type === "comfort") {
      mdasScore = body.comfort.mdasScore ?? mdasScore;
      pathway = body.comfort.pathway;
      visitBaseline = body.comfort.heartRateBaseline ?? visitBaseline;
    }
    if (body.type === "checkin") comfortRatings.push({ at, score: body.score });
    if (body.type === "procedure" && body.transition?.command === "stop") stops += 1;
  }
  let peak: number | null = null;
  for (const r of heartRate) {
    if (r.signal !== "heartRate" || r.quality === "invalid" || r.status === "entered-in-error") continue;
    peak = Math.max(peak ?? r.value, r.value);
  }
  const reference = visitBaseline ?? baseline;
  return {
    visitId: visit.id,
    startedAt: visit.startedAt,
    mdasScore,
    pathway,
    comfortRatings,
    stops,
    heartRateBaseline: visitBaseline,
    heartRatePeak: peak,
    heartRateRise: peak === null || reference === null ? null : peak - reference,
  };
}

/** The median of the numbers present, or null. */
export function median(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

/**
 * Every visit's picture, oldest first. The patient's own baseline is the median of the visits'
 * resting rates, so one nervous first minute does not set it; a visit without its own resting rate
 * is measured against it.
 */
export function patientAnxiety(
  visits: readonly { visit: Visit; events: readonly RoomEvent[]; heartRate: readonly StoredReading[] }[],
): PatientAnxiety {
  const first = visits.map((v) => visitAnxiety(v.visit, v.events, v.heartRate, null));
  const baseline = median(first.map((v) => v.heartRateBaseline));
  const all = visits
    .map((v) => visitAnxiety(v.visit, v.events, v.heartRate, baseline))
    .sort((a, b) => a.startedAt - b.startedAt);
  return { baseline, visits: all };
}
