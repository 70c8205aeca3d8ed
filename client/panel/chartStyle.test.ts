import { describe, expect, it } from "vitest";
import { SIGNAL_SPECS, Signal } from "../../shared/soe/signals.ts";
import { clinicalBands, displayRange } from "./chartStyle.ts";

describe("displayRange: the axis fits the data", () => {
  it("draws bite force at rest (0-3 N) on a few newtons, not on 0-750", () => {
    const [lo, hi] = displayRange("biteForce", 0, 3);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThanOrEqual(3);
    expect(hi).toBeLessThanOrEqual(6);
  });

  it("widens for a chewing spike and stays within the sensor's range", () => {
    const [lo, hi] = displayRange("biteForce", 0, 640);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThanOrEqual(640);
    expect(hi).toBeLessThanOrEqual(800);
    expect(displayRange("biteForce", 0, 1200)[1]).toBe(SIGNAL_SPECS.biteForce.max);
  });

  it("keeps a steady pH readable: at least one pH unit around the data", () => {
    const [lo, hi] = displayRange("ph", 7.18, 7.22);
    expect(hi - lo).toBeGreaterThanOrEqual(1);
    expect(lo).toBeLessThanOrEqual(7.18);
    expect(hi).toBeGreaterThanOrEqual(7.22);
    expect(hi - lo).toBeLessThanOrEqual(2);
  });

  it("shows a pH drop and the data, never beyond the sensor's 3-9", () => {
    const [lo, hi] = displayRange("ph", 5.2, 7.3);
    expect(lo).toBeLessThanOrEqual(5.2);
    expect(hi).toBeGreaterThanOrEqual(7.3);
    const [a, b] = displayRange("ph", 3, 9);
    expect(a).toBeGreaterThanOrEqual(3);
    expect(b).toBeLessThanOrEqual(9);
  });

  it.each(Object.values(Signal))("%s: ranges are ordered, finite, inside the sensor range", (signal) => {
    const spec = SIGNAL_SPECS[signal];
    for (const [min, max] of [
      [null, null],
      [spec.min, spec.min],
      [spec.max, spec.max],
      [spec.normalLow, spec.normalHigh],
      [Number.NaN, 4],
    ] as [number | null, number | null][]) {
      const [lo, hi] = displayRange(signal, min, max);
      expect(Number.isFinite(lo) && Number.isFinite(hi)).toBe(true);
      expect(hi).toBeGreaterThan(lo);
      expect(lo).toBeGreaterThanOrEqual(spec.min);
      expect(hi).toBeLessThanOrEqual(spec.max);
    }
  });
});

describe("clinicalBands", () => {
  it("marks enamel risk below pH 5.5 and the normal pH range", () => {
    const bands = clinicalBands("ph");
    expect(bands).toContainEqual(expect.objectContaining({ kind: "risk", to: 5.5 }));
    expect(bands).toContainEqual(expect.objectContaining({ kind: "normal", from: 6.7, to: 7.7 }));
  });

  it("draws no normal band for bite force and 60-100 bpm for heart rate", () => {
    expect(clinicalBands("biteForce")).toEqual([]);
    expect(clinicalBands("heartRate")).toContainEqual(
      expect.objectContaining({ kind: "normal", from: 60, to: 100 }),
    );
  });
});
