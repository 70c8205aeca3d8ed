/**
 * What the comfort timeline shows, kept as plain data: heart rate (for % change from the patient's
 * own baseline), self-reported check-ins, check-in requests and the patient's stops. Pure.
 */
import type { ComfortView } from "../../shared/protocol.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import {
  type Aligned,
  alignSeries,
  type ChartPoint,
  gapMsFor,
  pointStateOf,
  SeriesBuffer,
} from "./chartSeries.ts";

/** The comfort strip spans ten minutes: check-ins are minutes apart. */
export const COMFORT_WINDOW_MS = 600_000;
const MAX_EVENTS = 100;

export interface TimelineData extends Aligned {
  /** ys[0]: heart-rate % change from baseline; ys[1]: check-in score 0-10. */
  stops: number[];
  requests: number[];
}

export class ComfortHistory {
  private readonly hr = new SeriesBuffer(Math.ceil(COMFORT_WINDOW_MS / 1000) * 2);
  private readonly checkins: { at: number; score: number }[] = [];
  private readonly requests: number[] = [];
  private readonly stops: number[] = [];

  /** Heart-rate readings feed the % change line; invalid ones break it. */
  addHeartRate(r: CheckedReading): void {
    if (r.signal !== "heartRate") return;
    this.hr.upsert({ t: r.t, v: r.value, state: pointStateOf(r) });
  }

  /** Picks up new check-in answers and requests from the comfort view (each kept once). */
  noteComfort(c: ComfortView): void {
    if (c.lastCheckin !== null && !this.checkins.some((k) => k.at === c.lastCheckin!.at)) {
      this.checkins.push({ ...c.lastCheckin });
      this.checkins.sort((a, b) => a.at - b.at);
      if (this.checkins.length > MAX_EVENTS) this.checkins.shift();
    }
    if (c.checkinPending !== null) addOnce(this.requests, c.checkinPending.requestedAt);
  }

  /** The patient's stop signal; times within two seconds are the same stop seen twice. */
  noteStop(at: number): void {
    if (this.stops.some((s) => Math.abs(s - at) < 2000)) return;
    addOnce(this.stops, at);
  }

  stopTimes(): readonly number[] {
    return this.stops;
  }

  checkinCount(): number {
    return this.checkins.length;
  }

  /** Aligned data for the timeline, or percentages left empty while the baseline is unknown. */
  timeline(baseline: number | null, nowMs: number): TimelineData {
    const from = nowMs - COMFORT_WINDOW_MS;
    this.hr.trimBefore(from - 5_000);
    const pct: ChartPoint[] =
      baseline === null || baseline <= 0
        ? []
        : this.hr.points.map((p) => ({ ...p, v: Math.round(((p.v - baseline) / baseline) * 1000) / 10 }));
    const scores: ChartPoint[] = this.checkins
      .filter((k) => k.at >= from)
      .map((k) => ({ t: k.at, v: k.score, state: "valid" as const }));
    // The score series is drawn as dots only (no path), so gaps between answers do not matter.
    const aligned = alignSeries([pct, scores], gapMsFor("heartRate"));
    return {
      x: aligned.x,
      ys: aligned.ys,
      stops: this.stops.filter((t) => t >= from),
      requests: this.requests.filter((t) => t >= from),
    };
  }
}

function addOnce(list: number[], at: number): void {
  if (list.includes(at)) return;
  list.push(at);
  list.sort((a, b) => a - b);
  if (list.length > MAX_EVENTS) list.shift();
}
