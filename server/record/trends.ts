/**
 * SOE trends across visits and the daily summaries a dentist reads them with (DOMAIN.md): the time
 * below pH 5.5 (enamel demineralises), bite-force peaks, plaque and gingival index. Pure functions of
 * stored readings. Charts get at most a few thousand points per series (a 50 Hz bite-force sensor
 * gives 180,000 an hour): readings are averaged per bucket, a pause longer than the signal allows is
 * a gap (a null point, so the chart does not draw a line across it), and retracted readings stay as
 * their own points, flagged, never mixed into the mean.
 *
 * Reads are bounded (`patientTrendsAsync`): a range whose raw readings are few (a visit, a zoom)
 * is read raw, in full detail; a larger one (a month of 50 Hz bite force is millions) is read as
 * per-minute aggregates, computed on the storage thread from the raw packs, plus the minutes the
 * retention rollup already wrote. Minutes show gaps as gaps; a retracted reading is flagged only in
 * the raw view (a minute keeps how many were retracted, not their values).
 */
import type { DailySummary, PatientTrends, TrendPoint } from "../../shared/patientRecord.ts";
import { SIGNAL_SPECS, type Signal } from "../../shared/soe/signals.ts";
import { CRITICAL_PH } from "../storage/readingStore.ts";
import type { ReadingMinute, ReadingRange, Storage, StoredReading } from "../storage/storage.ts";

export { CRITICAL_PH };
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
export function dailySummaries(
  readings: readonly StoredReading[],
  minutes: readonly ReadingMinute[] = [],
): DailySummary[] {
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
  // Per-minute aggregates (long ranges, rolled-up days): peaks and means are exact, and so is the time
  // below pH 5.5 (readings below it × the sample period); a minute rolled up before that count was
  // kept is estimated from its min, max and count (all, none, or the share of its range).
  const phPeriod = 1000 / SIGNAL_SPECS.ph.sampleHz;
  for (const m of minutes) {
    if (m.count === 0 || m.min === null || m.max === null || m.mean === null) continue;
    const a = acc(m.minute);
    switch (m.signal) {
      case "ph": {
        a.phSeen = true;
        const share =
          m.max < CRITICAL_PH ? 1 : m.min >= CRITICAL_PH ? 0 : (CRITICAL_PH - m.min) / (m.max - m.min);
        a.belowMs += (m.belowCriticalCount ?? share * m.count) * phPeriod;
        break;
      }
      case "biteForce":
        a.bitePeak = Math.max(a.bitePeak ?? m.max, m.max);
        break;
      case "plaque":
        a.plaque.sum += m.mean * m.count;
        a.plaque.n += m.count;
        break;
      case "inflammation":
        a.gingival.sum += m.mean * m.count;
        a.gingival.n += m.count;
        break;
      case "temperature":
      case "heartRate":
        break;
    }
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

// Bounded reads for the record page

/** Raw readings a series or summary reads at most; above it, per-minute aggregates instead. */
export const RAW_READINGS_LIMIT = 20_000;
/** Signals the daily summaries read. */
const SUMMARY_SIGNALS = ["ph", "biteForce", "plaque", "inflammation"] as const;
const MINUTE_MS = 60_000;

/** One series of minute points, oldest first: the mean per minute, a gap where minutes are missing. */
export function minutePoints(minutes: readonly ReadingMinute[]): TrendPoint[] {
  const byMinute = new Map<number, { sum: number; n: number }>();
  for (const m of minutes) {
    if (m.count === 0 || m.mean === null) continue;
    const b = byMinute.get(m.minute) ?? { sum: 0, n: 0 };
    b.sum += m.mean * m.count;
    b.n += m.count;
    byMinute.set(m.minute, b);
  }
  const sorted = [...byMinute.entries()].sort(([a], [b]) => a - b);
  const first = sorted[0]?.[0] ?? 0;
  const span = (sorted.at(-1)?.[0] ?? 0) - first;
  // Many minutes (50 visits of 45) are averaged into at most MAX_POINTS buckets, weighted by count.
  const bucketMs = Math.max(MINUTE_MS, Math.ceil(span / MAX_POINTS / MINUTE_MS) * MINUTE_MS);
  const gapMs = 2 * bucketMs;
  const points: TrendPoint[] = [];
  let bucket = Number.NaN;
  let sum = 0;
  let n = 0;
  let lastMinute = Number.NaN;
  const flush = () => {
    if (n === 0) return;
    points.push({ t: first + bucket * bucketMs, value: sum / n, retracted: false, invalid: false });
    sum = 0;
    n = 0;
  };
  for (const [minute, b] of sorted) {
    if (!Number.isNaN(lastMinute) && minute - lastMinute > gapMs) {
      flush();
      points.push({ t: lastMinute + MINUTE_MS, value: null, retracted: false, invalid: false });
    }
    lastMinute = minute;
    const k = Math.floor((minute - first) / bucketMs);
    if (k !== bucket) flush();
    bucket = k;
    sum += b.sum;
    n += b.n;
  }
  flush();
  return points;
}

type TrendSource = Pick<
  Storage,
  "readingsBetween" | "readingMinutes" | "countReadingsBetween" | "rawReadingMinutes"
>;

/** A range's data of one signal: raw readings when they are few, else minutes; plus rolled-up minutes. */
interface RangeData {
  raw: StoredReading[];
  minutes: ReadingMinute[];
}

async function rangeDataAsync(
  source: TrendSource,
  patientId: string,
  range: ReadingRange,
  rolled: readonly ReadingMinute[],
): Promise<RangeData> {
  const rolledHere = rolled.filter(
    (m) => m.signal === range.signal && (range.tooth === undefined || m.tooth === range.tooth),
  );
  const n = await source.countReadingsBetween(patientId, range);
  if (n <= RAW_READINGS_LIMIT)
    return { raw: await source.readingsBetween(patientId, range), minutes: rolledHere };
  return { raw: [], minutes: [...rolledHere, ...(await source.rawReadingMinutes(patientId, range))] };
}

/** Two parts of one series (rolled-up minutes, then raw) joined in time, a gap between them if apart. */
function joined(a: TrendPoint[], b: TrendPoint[], gapMs: number): TrendPoint[] {
  if (a.length === 0 || b.length === 0) return [...a, ...b].sort((x, y) => x.t - y.t);
  const all = [...a, ...b].sort((x, y) => x.t - y.t);
  const out: TrendPoint[] = [];
  for (const p of all) {
    const prev = out.at(-1);
    if (prev && prev.value !== null && p.value !== null && p.t - prev.t > gapMs)
      out.push({ t: prev.t + 1, value: null, retracted: false, invalid: false });
    out.push(p);
  }
  return out;
}

/**
 * The trends of one signal (a series per tooth) and the daily summaries over a range, with bounded
 * work: at most RAW_READINGS_LIMIT raw readings per signal, else per-minute aggregates.
 */
export async function patientTrendsAsync(
  source: TrendSource,
  patientId: string,
  query: { signal: Signal; tooth?: number; from: number; to: number },
): Promise<PatientTrends> {
  const { signal, from, to } = query;
  const rolled = await source.readingMinutes(patientId, from, to + 1);
  const tooth = query.tooth === undefined ? {} : { tooth: query.tooth };
  const shown = await rangeDataAsync(source, patientId, { from, to, signal, ...tooth }, rolled);
  const teeth = new Set<number | null>([
    ...shown.raw.map((r) => r.tooth ?? null),
    ...shown.minutes.map((m) => m.tooth),
  ]);
  const series = [...teeth]
    .sort((a, b) => (a ?? 0) - (b ?? 0))
    .map((t) => ({
      tooth: t,
      visitId: null,
      points: joined(
        minutePoints(shown.minutes.filter((m) => m.tooth === t)),
        trendPoints(
          shown.raw.filter((r) => (r.tooth ?? null) === t),
          signal,
        ),
        2 * MINUTE_MS,
      ),
    }));
  const summaryData = await Promise.all(
    SUMMARY_SIGNALS.map((s) =>
      s === signal && query.tooth === undefined
        ? shown
        : rangeDataAsync(source, patientId, { from, to, signal: s }, rolled),
    ),
  );
  return {
    signal,
    unit: SIGNAL_SPECS[signal].unit,
    series,
    daily: dailySummaries(
      summaryData.flatMap((d) => d.raw),
      summaryData.flatMap((d) => d.minutes),
    ),
  };
}
