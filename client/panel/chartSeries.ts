/**
 * Time-series buffers for the SOE charts. Pure: bounded per-series buffers, and alignment of several
 * series onto one x axis for uPlot where a gap is an explicit `null` (uPlot breaks the line there,
 * spanGaps off) and an x that only belongs to another series is `undefined` (uPlot skips it).
 * Nothing is ever interpolated across a gap, an invalid reading or a retracted one.
 */
import { RATES } from "../../shared/protocol.ts";
import { type CheckedReading, SIGNAL_SPECS, type Signal } from "../../shared/soe/signals.ts";

/** How a point is drawn: valid and suspect are values on the line; the others are markers only. */
export type PointState = "valid" | "suspect" | "invalid" | "retracted";

export interface ChartPoint {
  t: number;
  v: number;
  state: PointState;
}

/** Charts scroll over the last two minutes. */
export const CHART_WINDOW_MS = 120_000;

/** Consecutive samples further apart than this many sample periods are drawn as a gap. */
export const GAP_PERIODS = 3;

/**
 * Gap threshold for a signal. Bite force is sampled at 50 Hz but reaches the panel downsampled to
 * the display rate, so the period is the slower of the two.
 */
export function gapMsFor(signal: Signal): number {
  const periodMs = Math.max(1000 / SIGNAL_SPECS[signal].sampleHz, 1000 / RATES.displaySampleHz);
  return GAP_PERIODS * periodMs;
}

/** Enough points for the window at the display rate, with room for late history. */
export function maxPointsFor(signal: Signal, windowMs = CHART_WINDOW_MS): number {
  const hz = Math.min(SIGNAL_SPECS[signal].sampleHz, RATES.displaySampleHz);
  return Math.ceil((windowMs / 1000) * hz * 1.5) + 16;
}

export function pointStateOf(r: Pick<CheckedReading, "quality" | "status">): PointState {
  return r.status === "entered-in-error" ? "retracted" : r.quality;
}

export function isPlotted(state: PointState): boolean {
  return state === "valid" || state === "suspect";
}

/** Whether uPlot may draw a line from a to b (consecutive samples of one series). */
export function segmentDrawn(a: ChartPoint, b: ChartPoint, gapMs: number): boolean {
  return isPlotted(a.state) && isPlotted(b.state) && b.t - a.t <= gapMs;
}

/** Sorted, bounded buffer of one series. Late (history) points are inserted in order. */
export class SeriesBuffer {
  private readonly pts: ChartPoint[] = [];

  constructor(readonly maxPoints: number) {}

  get points(): readonly ChartPoint[] {
    return this.pts;
  }

  /**
   * Inserts a point, or replaces the one with the same timestamp (duplicate, or a later
   * retraction). A retraction is kept: a replayed "final" copy never un-retracts a point.
   */
  upsert(p: ChartPoint): void {
    const pts = this.pts;
    const last = pts[pts.length - 1];
    if (last === undefined || p.t > last.t) {
      pts.push(p);
    } else {
      const i = lowerBound(pts, p.t);
      const existing = pts[i];
      if (existing !== undefined && existing.t === p.t) {
        pts[i] = existing.state === "retracted" ? { ...p, state: "retracted" } : p;
      } else {
        pts.splice(i, 0, p);
      }
    }
    if (pts.length > this.maxPoints) pts.splice(0, pts.length - this.maxPoints);
  }

  /** Drops points older than `t`. */
  trimBefore(t: number): void {
    const i = lowerBound(this.pts, t);
    if (i > 0) this.pts.splice(0, i);
  }

  countWhere(pred: (p: ChartPoint) => boolean): number {
    let n = 0;
    for (const p of this.pts) if (pred(p)) n++;
    return n;
  }
}

function lowerBound(pts: readonly ChartPoint[], t: number): number {
  let lo = 0;
  let hi = pts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pts[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** uPlot-shaped data: one x array and one y array per series. */
export interface Aligned {
  x: number[];
  ys: (number | null | undefined)[][];
}

/**
 * Aligns series on a shared x axis. Between two consecutive samples of a series that must not be
 * joined (too far apart, or either one not plotted) every x gets `null` for that series, and a
 * break x is inserted midway so even a lone series gets its null; elsewhere foreign x values are
 * `undefined`, which uPlot steps over without breaking the line.
 */
export function alignSeries(series: readonly (readonly ChartPoint[])[], gapMs: number): Aligned {
  const all: number[] = [];
  for (const pts of series) {
    for (let i = 0; i < pts.length; i++) {
      all.push(pts[i]!.t);
      if (i > 0 && !segmentDrawn(pts[i - 1]!, pts[i]!, gapMs)) all.push((pts[i - 1]!.t + pts[i]!.t) / 2);
    }
  }
  all.sort((a, b) => a - b);
  const x: number[] = [];
  for (const t of all) if (x.length === 0 || x[x.length - 1] !== t) x.push(t);

  const ys = series.map((pts) => {
    const out: (number | null | undefined)[] = new Array(x.length);
    let j = 0;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      while (j < pts.length && pts[j]!.t < xi) j++;
      const own = pts[j];
      if (own !== undefined && own.t === xi) {
        out[i] = isPlotted(own.state) ? own.v : null;
      } else if (j === 0 || own === undefined) {
        out[i] = undefined;
      } else {
        out[i] = segmentDrawn(pts[j - 1]!, own, gapMs) ? undefined : null;
      }
    }
    return out;
  });
  return { x, ys };
}

/** One series of a signal chart: a device (labelled by its tooth, or "HR" for the wearable). */
export interface SeriesEntry {
  key: string;
  label: string;
  tooth: number | null;
  buffer: SeriesBuffer;
  /** Latest reading by sample time, whatever its quality. */
  latest: CheckedReading | null;
}

export function seriesLabel(r: Pick<CheckedReading, "tooth" | "signal">): string {
  if (r.tooth !== undefined) return String(r.tooth);
  return r.signal === "heartRate" ? "HR" : "—";
}

/** All series of one signal. */
export class SignalSeriesSet {
  private readonly bySeries = new Map<string, SeriesEntry>();
  readonly gapMs: number;
  private readonly maxPoints: number;

  constructor(
    readonly signal: Signal,
    readonly windowMs = CHART_WINDOW_MS,
  ) {
    this.gapMs = gapMsFor(signal);
    this.maxPoints = maxPointsFor(signal, windowMs);
  }

  /** Adds a reading of this signal; true when it created a new series. */
  add(r: CheckedReading): boolean {
    let entry = this.bySeries.get(r.deviceId);
    const created = entry === undefined;
    if (entry === undefined) {
      entry = {
        key: r.deviceId,
        label: seriesLabel(r),
        tooth: r.tooth ?? null,
        buffer: new SeriesBuffer(this.maxPoints),
        latest: null,
      };
      this.bySeries.set(r.deviceId, entry);
    }
    entry.buffer.upsert({ t: r.t, v: r.value, state: pointStateOf(r) });
    const latest = entry.latest;
    if (latest === null || r.t > latest.t) entry.latest = r;
    else if (r.t === latest.t && r.status === "entered-in-error") entry.latest = r;
    return created;
  }

  /** Series in a stable order: by tooth, then key. */
  entries(): SeriesEntry[] {
    return [...this.bySeries.values()].sort(
      (a, b) => (a.tooth ?? 999) - (b.tooth ?? 999) || a.key.localeCompare(b.key),
    );
  }

  trim(nowMs: number): void {
    for (const e of this.bySeries.values()) e.buffer.trimBefore(nowMs - this.windowMs - 5_000);
  }

  aligned(): Aligned {
    return alignSeries(
      this.entries().map((e) => e.buffer.points),
      this.gapMs,
    );
  }

  /** Number of samples drawn as values. */
  plottedCount(): number {
    let n = 0;
    for (const e of this.bySeries.values()) n += e.buffer.countWhere((p) => isPlotted(p.state));
    return n;
  }
}
