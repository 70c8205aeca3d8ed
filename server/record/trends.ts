/**
 * SOE trends across visits and the daily summaries a dentist reads them with (DOMAIN.md): the time
 * below pH 5.5 (enamel demineralises), bite-force peaks, plaque and gingival index. Pure functions of
 * stored readings. Charts get at most a few thousand points per series (a 50 Hz bite-force sensor
 * gives 180,000 an hour): readings are averaged per bucket, a pause longer than the signal allows is
 * a gap (a null point, so the chart does not draw a line across it), and retracted readings stay as
 * their own points, flagged, never mixed into the mean.
 */
import type { DailySummary, TrendPoint } from "../../shared/patientRecord.ts";
import { SIGNAL_SPECS, type Signal } from "../../shared/soe/signals.ts";
import type { StoredReading } from "../storage/storage.ts";

/** pH below which enamel demineralises (DOMAIN.md). */
export const CRITICAL_PH = 5.5;
/** Points per series a chart is given at most. */
export const MAX_POINTS = 3000;
/** A reading counts until the next one if that comes within this time; else for one sample period (a silent sensor proves nothing). */
const MAX_HOLD_MS = 5000;

function isRetracted(r: StoredReading): boolean {
  return r.status === "entered-in-error";
}

function isUsable(r: StoredReading): boolean {
  return r.quality !== "invalid" && !isRetracted(r);
}

/** No reading for longer than this is a gap: ten sample periods, at least ten seconds. */
export function gapMsOf(signal: Signal, bucketMs: number): number {
  return Math.max(10_000, 10_000 / SIGNAL_SPECS[signal].sampleHz, 3 * bucketMs);
}

/**
 * One series of points, oldest first: the mean of the usable readings per bucket, retracted readings
 * as their own flagged points, a null point wherever readings stop for longer than the gap.
 */
export function trendPoints(readings: readonly StoredReading[], signal: Signal): TrendPoint[] {
  if (readings.length === 0) return [];
  const first = readings[0]!.t;
  const span = readings.at(-1)!.t - first;
  const bucketMs = Math.max(1000 / SIGNAL_SPECS[signal].sampleHz, Math.ceil(span / MAX_POINTS));
  const gapMs = gapMsOf(signal, bucketMs);
  const points: TrendPoint[] = [];
  let bucket = Number.NaN;
  let sum = 0;
  let n = 0;
  let lastT = Number.NaN;
  const flush = () => {
    if (n === 0) return;
    points.push({
      t: Math.round(first + bucket * bucketMs),
      value: sum / n,
      retracted: false,
      invalid: false,
    });
    sum = 0;
    n = 0;
  };
  for (const r of readings) {
    if (!Number.isNaN(lastT) && r.t - lastT > gapMs) {
      flush();
      points.push({ t: lastT + 1, value: null, retracted: false, invalid: false });
    }
    lastT = r.t;
    if (isRetracted(r)) {
      points.push({ t: r.t, value: r.value, retracted: true, invalid: r.quality === "invalid" });
      continue;
    }
    if (!isUsable(r)) continue;
    const b = Math.floor((r.t - first) / bucketMs);
    if (b !== bucket) flush();
    bucket = b;
    sum += r.value;
    n += 1;
  }
  flush();
  return points.sort((a, b) => a.t - b.t);
}

/** The UTC day of a time, YYYY-MM-DD. */
function dayOf(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

interface DayAcc {
  belowMs: number;
  phSeen: boolean;
  bitePeak: number | null;
  plaque: { sum: number; n: number };
  gingival: { sum: number; n: number };
}

/**
 * Per day: minutes below pH 5.5 (each usable pH reading below it counts until the next reading of
 * its tooth, or one sample period when the next is more than 5 s away), the bite-force peak, and the mean plaque and gingival index. Readings of
 * other signals are ignored; days with none of these are left out. Oldest day first.
 */
export function dailySummaries(readings: readonly StoredReading[]): DailySummary[] {
  const days = new Map<string, DayAcc>();
  const acc = (t: number) => {
    const day = dayOf(t);
    let a = days.get(day);
    if (!a) {
      a = { belowMs: 0, phSeen: false, bitePeak: null, plaque: { sum: 0, n: 0 }, gingival: { sum: 0, n: 0 } };
      days.set(day, a);
    }
    return a;
  };
  const phByTooth = new Map<string, StoredReading[]>();
  for (const r of readings) {
    if (!isUsable(r)) continue;
    switch (r.signal) {
      case "ph": {
        const key = `${r.deviceId}:${r.tooth ?? ""}`;
        const list = phByTooth.get(key) ?? [];
        list.push(r);
        phByTooth.set(key, list);
        break;
      }
      case "biteForce": {
        const a = acc(r.t);
        a.bitePeak = Math.max(a.bitePeak ?? r.value, r.value);
        break;
      }
      case "plaque":
        acc(r.t).plaque.sum += r.value;
        acc(r.t).plaque.n += 1;
        break;
      case "inflammation":
        acc(r.t).gingival.sum += r.value;
        acc(r.t).gingival.n += 1;
        break;
      case "temperature":
      case "heartRate":
        break;
    }
  }
  for (const list of phByTooth.values()) {
    list.sort((a, b) => a.t - b.t);
    list.forEach((r, i) => {
      const a = acc(r.t);
      a.phSeen = true;
      if (r.value >= CRITICAL_PH) return;
      const next = list[i + 1];
      const held = next === undefined ? Number.POSITIVE_INFINITY : next.t - r.t;
      // Readings stopped: the last one counts for one sample period, not for the silence after it.
      a.belowMs += held <= MAX_HOLD_MS ? held : 1000 / SIGNAL_SPECS.ph.sampleHz;
    });
  }
  const mean = (m: { sum: number; n: number }) => (m.n === 0 ? null : m.sum / m.n);
  return [...days.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, a]) => ({
      day,
      minutesBelowPh55: a.phSeen ? a.belowMs / 60_000 : null,
      biteForcePeak: a.bitePeak,
      plaqueMean: mean(a.plaque),
      gingivalMean: mean(a.gingival),
    }));
}
