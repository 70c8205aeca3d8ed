import { describe, expect, it } from "vitest";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import {
  alignSeries,
  type ChartPoint,
  gapMsFor,
  maxPointsFor,
  SeriesBuffer,
  SignalSeriesSet,
} from "./chartSeries.ts";

const v = (t: number, value = 7, state: ChartPoint["state"] = "valid"): ChartPoint => ({
  t,
  v: value,
  state,
});

function reading(over: Partial<CheckedReading> = {}): CheckedReading {
  return {
    signal: "ph",
    t: 1000,
    value: 7,
    unit: "[pH]",
    tooth: 36,
    deviceId: "soe-36",
    quality: "valid",
    status: "final",
    receivedAt: 1000,
    ...over,
  };
}

describe("gap thresholds", () => {
  it("uses three sample periods, and the display rate for downsampled bite force", () => {
    expect(gapMsFor("ph")).toBe(3000);
    expect(gapMsFor("heartRate")).toBe(3000);
    expect(gapMsFor("biteForce")).toBe(300);
  });
});

describe("alignSeries", () => {
  it("draws consecutive samples within the threshold as one line (no nulls)", () => {
    const { x, ys } = alignSeries([[v(0), v(1000), v(2000)]], 3000);
    expect(x).toEqual([0, 1000, 2000]);
    expect(ys[0]).toEqual([7, 7, 7]);
  });

  it("inserts a null between samples further apart than the threshold", () => {
    const { x, ys } = alignSeries([[v(0), v(1000), v(10_000), v(11_000)]], 3000);
    expect(x).toEqual([0, 1000, 5500, 10_000, 11_000]);
    expect(ys[0]).toEqual([7, 7, null, 7, 7]);
  });

  it("never plots an invalid or retracted reading as a value and breaks the line there", () => {
    const { ys } = alignSeries(
      [[v(0), v(1000, 12, "invalid"), v(2000), v(3000, 6, "retracted"), v(4000)]],
      3000,
    );
    expect(ys[0]!.filter((y) => typeof y === "number")).toEqual([7, 7, 7]);
    expect(ys[0]).toContain(null);
  });

  it("plots suspect readings as values", () => {
    const { ys } = alignSeries([[v(0), v(1000, 6.5, "suspect")]], 3000);
    expect(ys[0]).toEqual([7, 6.5]);
  });

  it("leaves foreign x values undefined inside a drawn segment and null inside a gap", () => {
    const a = [v(0, 1), v(1000, 1), v(10_000, 1)];
    const b = [v(500, 2), v(5000, 2)];
    const { x, ys } = alignSeries([a, b], 3000);
    const at = (t: number, s: number) => ys[s]![x.indexOf(t)];
    expect(at(500, 0)).toBeUndefined(); // a: 0 -> 1000 is one segment
    expect(at(5000, 0)).toBeNull(); // a: 1000 -> 10000 is a gap
    expect(at(1000, 1)).toBeNull(); // b: 500 -> 5000 is a gap too
    expect(at(0, 1)).toBeUndefined(); // before b's first sample
    expect(at(10_000, 1)).toBeUndefined(); // after b's last sample
  });

  it("keeps x sorted and unique across series", () => {
    const { x } = alignSeries(
      [
        [v(0), v(2000)],
        [v(0), v(1000), v(2000)],
      ],
      3000,
    );
    expect(x).toEqual([0, 1000, 2000]);
  });
});

describe("SeriesBuffer", () => {
  it("is bounded: the oldest points go first", () => {
    const b = new SeriesBuffer(5);
    for (let t = 0; t < 20; t++) b.upsert(v(t * 1000));
    expect(b.points.length).toBe(5);
    expect(b.points[0]!.t).toBe(15_000);
  });

  it("inserts late (history) points in order and replaces duplicates", () => {
    const b = new SeriesBuffer(100);
    b.upsert(v(3000));
    b.upsert(v(1000));
    b.upsert(v(2000, 6));
    b.upsert(v(2000, 6.5));
    expect(b.points.map((p) => p.t)).toEqual([1000, 2000, 3000]);
    expect(b.points[1]!.v).toBe(6.5);
  });

  it("keeps a retraction when a replayed final copy arrives", () => {
    const b = new SeriesBuffer(10);
    b.upsert(v(1000, 7, "retracted"));
    b.upsert(v(1000, 7, "valid"));
    expect(b.points[0]!.state).toBe("retracted");
  });

  it("trims points older than a time", () => {
    const b = new SeriesBuffer(10);
    for (const t of [0, 1000, 2000, 3000]) b.upsert(v(t));
    b.trimBefore(2000);
    expect(b.points.map((p) => p.t)).toEqual([2000, 3000]);
  });

  it("sizes buffers for the window at the display rate", () => {
    expect(maxPointsFor("biteForce")).toBeGreaterThanOrEqual(1200);
    expect(maxPointsFor("ph")).toBeGreaterThanOrEqual(120);
    expect(maxPointsFor("ph")).toBeLessThan(400);
  });
});

describe("SignalSeriesSet", () => {
  it("keeps one series per device, labelled by tooth, ordered by tooth", () => {
    const set = new SignalSeriesSet("ph");
    set.add(reading({ deviceId: "soe-36", tooth: 36 }));
    set.add(reading({ deviceId: "soe-16", tooth: 16 }));
    set.add(reading({ deviceId: "soe-36", tooth: 36, t: 2000 }));
    expect(set.entries().map((e) => e.label)).toEqual(["16", "36"]);
    expect(set.plottedCount()).toBe(3);
  });

  it("marks a retracted reading without removing it and updates the latest", () => {
    const set = new SignalSeriesSet("ph");
    set.add(reading({ t: 1000 }));
    set.add(reading({ t: 1000, status: "entered-in-error" }));
    const e = set.entries()[0]!;
    expect(e.buffer.points).toHaveLength(1);
    expect(e.buffer.points[0]!.state).toBe("retracted");
    expect(e.latest?.status).toBe("entered-in-error");
    expect(set.plottedCount()).toBe(0);
  });

  it("trims to the window relative to now", () => {
    const set = new SignalSeriesSet("ph", 10_000);
    for (let t = 0; t <= 60_000; t += 1000) set.add(reading({ t }));
    set.trim(60_000);
    const ts = set.entries()[0]!.buffer.points.map((p) => p.t);
    expect(ts[0]).toBeGreaterThanOrEqual(45_000);
  });
});
