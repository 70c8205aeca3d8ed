import { describe, expect, it } from "vitest";
import type { Signal } from "../../shared/soe/signals.ts";
import type { StoredReading } from "../storage/storage.ts";
import { dailySummaries, MAX_POINTS, trendPoints } from "./trends.ts";

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
