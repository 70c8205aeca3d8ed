import { describe, expect, it } from "vitest";
import type { Signal } from "../../shared/soe/signals.ts";
import { SqliteStorage } from "../storage/sqliteStorage.ts";
import type { ReadingMinute, StoredBatch, StoredReading } from "../storage/storage.ts";
import {
  dailySummaries,
  MAX_POINTS,
  minutePoints,
  patientTrendsAsync,
  RAW_READINGS_LIMIT,
  trendPoints,
} from "./trends.ts";

const DAY = Date.UTC(2026, 10, 2, 9);
function r(signal: Signal, t: number, value: number, over: Partial<StoredReading> = {}): StoredReading {
  return {
    deviceId: "soe-julian-36",
    signal,
    t,
    value,
    unit: "",
    tooth: 36,
    quality: "valid",
    status: "final",
    receivedAt: t,
    firmware: "2.3.1",
    ...over,
  };
}

describe("trendPoints", () => {
  it("draws a pause longer than the signal allows as a gap, and keeps retracted readings apart", () => {
    const readings = [
      r("ph", DAY, 7),
      r("ph", DAY + 1000, 6.8),
      r("ph", DAY + 2000, 4, { status: "entered-in-error" }),
      r("ph", DAY + 3000, 6.6, { quality: "invalid" }),
      r("ph", DAY + 60_000, 6.9),
    ];
    const points = trendPoints(readings, "ph");
    expect(points).toEqual([
      { t: DAY, value: 7, retracted: false, invalid: false },
      { t: DAY + 1000, value: 6.8, retracted: false, invalid: false },
      { t: DAY + 2000, value: 4, retracted: true, invalid: false },
      { t: DAY + 3001, value: null, retracted: false, invalid: false },
      { t: DAY + 60_000, value: 6.9, retracted: false, invalid: false },
    ]);
  });

  it("averages a 50 Hz hour into at most MAX_POINTS points, keeping the mean", () => {
    const readings = Array.from({ length: 50 * 3600 }, (_, i) =>
      r("biteForce", DAY + i * 20, i % 2 === 0 ? 100 : 300),
    );
    const points = trendPoints(readings, "biteForce");
    expect(points.length).toBeLessThanOrEqual(MAX_POINTS + 1);
    expect(points.every((p) => p.value === 200)).toBe(true);
  });

  it("is empty without readings", () => {
    expect(trendPoints([], "ph")).toEqual([]);
  });
});

describe("dailySummaries", () => {
  it("counts time below pH 5.5 per day, bite-force peaks, plaque and gingival means", () => {
    const next = DAY + 86_400_000;
    const readings = [
      // 3 s below 5.5: 5.0 and 5.2 until the next reading, the last one for one sample period.
      r("ph", DAY, 5.0),
      r("ph", DAY + 1000, 5.2),
      r("ph", DAY + 2000, 6.0),
      r("ph", DAY + 3000, 5.4),
      r("ph", DAY + 3500, 5.4, { status: "entered-in-error" }),
      r("biteForce", DAY, 400),
      r("biteForce", DAY + 20, 650),
      r("biteForce", DAY + 40, 1100, { quality: "invalid" }),
      r("plaque", DAY, 1),
      r("plaque", DAY + 1000, 2),
      r("inflammation", next, 0.5),
      r("heartRate", next, 80, { tooth: undefined }),
    ];
    expect(dailySummaries(readings)).toEqual([
      {
        day: "2026-11-02",
        minutesBelowPh55: 3000 / 60_000,
        biteForcePeak: 650,
        plaqueMean: 1.5,
        gingivalMean: null,
      },
      { day: "2026-11-03", minutesBelowPh55: null, biteForcePeak: null, plaqueMean: null, gingivalMean: 0.5 },
    ]);
  });
});

// Bounded reads

function minute(at: number, mean: number, count: number, over: Partial<ReadingMinute> = {}): ReadingMinute {
  return {
    patientId: "julian",
    minute: at,
    deviceId: "soe-julian-36",
    signal: "ph",
    tooth: 36,
    unit: "[pH]",
    min: mean,
    max: mean,
    mean,
    count,
    invalidCount: 0,
    retractedCount: 0,
    ...over,
  };
}

/** `seconds` one-second batches of 50 Hz bite force and 1 Hz pH on tooth 36, from `start`. */
function batches(start: number, seconds: number, firstSeq: number): StoredBatch[] {
  return Array.from({ length: seconds }, (_, s) => {
    const t = start + s * 1000;
    const bite = Array.from({ length: 50 }, (_, i) => r("biteForce", t + i * 20, i % 2 === 0 ? 1 : 2));
    return {
      deviceId: "soe-julian-36",
      bootId: "boot-1",
      patientId: "julian",
      seq: firstSeq + s,
      digest: `d${firstSeq + s}`,
      firmware: "2.3.1",
      readings: [...bite, r("ph", t, s % 2 === 0 ? 5 : 7)],
    };
  });
}

describe("minutePoints", () => {
  it("averages minutes weighted by their counts and draws missing minutes as a gap", () => {
    const points = minutePoints([
      minute(DAY, 7, 30),
      minute(DAY, 6, 10, { deviceId: "soe-julian-37" }),
      minute(DAY + 60_000, 6.5, 60),
      minute(DAY + 7 * 86_400_000, 6, 60),
      minute(DAY + 7 * 86_400_000 + 60_000, 6, 0, { mean: null, min: null, max: null, retractedCount: 60 }),
    ]);
    // A week wide: four-minute buckets (at most MAX_POINTS), so the first two minutes are one point.
    expect(points.map((p) => p.value)).toEqual([(7 * 30 + 6 * 10 + 6.5 * 60) / 100, null, 6]);
  });

  it("gives at most MAX_POINTS points for 50 visits of 45 minutes a week apart", () => {
    const minutes = Array.from({ length: 50 * 45 }, (_, i) =>
      minute(DAY + Math.floor(i / 45) * 7 * 86_400_000 + (i % 45) * 60_000, 6.5, 60),
    );
    const points = minutePoints(minutes);
    expect(points.filter((p) => p.value !== null).length).toBeLessThanOrEqual(MAX_POINTS);
    // One gap between each two visits.
    expect(points.filter((p) => p.value === null)).toHaveLength(49);
  });
});

describe("patientTrendsAsync (real SQLite storage in memory)", () => {
  it("reads a short range raw, with retracted readings flagged", async () => {
    const storage = new SqliteStorage(":memory:");
    await storage.storeBatches(batches(DAY, 3, 1));
    await storage.quarantineFirmware("main", ["soe-julian-36"], {
      action: "quarantine",
      firmware: "2.3.1",
      since: DAY + 2000,
      at: DAY + 10_000,
      by: "ray",
      reason: "beta build",
    });
    const trends = await patientTrendsAsync(storage, "julian", { signal: "ph", from: 0, to: DAY + 60_000 });
    expect(trends.series.map((s) => s.tooth)).toEqual([36]);
    expect(trends.series[0]!.points.map((p) => [p.value, p.retracted])).toEqual([
      [5, false],
      [7, false],
      [5, true],
    ]);
    expect(trends.daily[0]!.biteForcePeak).toBe(2);
    await storage.close();
  });

  it("reads a large range as minutes, bounded, with the same means, peaks and rolled-up minutes", async () => {
    const storage = new SqliteStorage(":memory:");
    // 10 minutes a month ago (rolled up below), then 10 minutes today: 30,600 readings each.
    const old = DAY - 30 * 86_400_000;
    await storage.storeBatches(batches(old, 600, 1));
    await storage.storeBatches(batches(DAY, 600, 601));
    const cutoff = DAY - 86_400_000;
    // The old part is rolled up (received at its device time in these batches).
    while (!(await storage.rollupReadings(cutoff, 5000)).done) {}
    expect(await storage.countReadingsBetween("julian", { from: 0, to: DAY * 2 })).toBeGreaterThan(
      RAW_READINGS_LIMIT,
    );
    const trends = await patientTrendsAsync(storage, "julian", {
      signal: "biteForce",
      from: 0,
      to: DAY + 3_600_000,
    });
    const points = trends.series[0]!.points;
    // A month wide: 15-minute buckets, so each 10 minutes is one point, a gap between; the mean of 1 and 2.
    expect(points.map((p) => p.value)).toEqual([1.5, null, 1.5]);
    expect(trends.daily.map((d) => d.biteForcePeak)).toEqual([2, 2]);
    // Half the pH readings are 5 (below 5.5): 5 minutes of each 10, the rolled-up day's from the
    // minutes' counts, today's from its 600 raw readings.
    expect(trends.daily.map((d) => d.minutesBelowPh55)).toEqual([5, 5]);
    await storage.close();
  });
});
