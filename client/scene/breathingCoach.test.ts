import { describe, expect, it } from "vitest";
import { BREATH_IN_MS, BREATH_OUT_MS, breathPhase } from "./breathingCoach.ts";

describe("breathPhase", () => {
  it("paces six breaths a minute: 5 s in, 5 s out", () => {
    expect(60_000 / (BREATH_IN_MS + BREATH_OUT_MS)).toBe(6);
  });

  it.each([
    [0, true, 0],
    [2_500, true, 0.5],
    [4_999, true, 1],
    [5_000, false, 1],
    [7_500, false, 0.5],
    [10_000, true, 0],
    [62_500, true, 0.5],
  ])("at %i ms: inhale %s, fullness %f", (ms, inhale, fullness) => {
    const p = breathPhase(ms);
    expect(p.inhale).toBe(inhale);
    expect(p.fullness).toBeCloseTo(fullness, 3);
  });

  it("never jumps: fullness changes smoothly across phase changes", () => {
    let prev = breathPhase(0).fullness;
    for (let t = 16; t < 30_000; t += 16) {
      const f = breathPhase(t).fullness;
      expect(Math.abs(f - prev)).toBeLessThan(0.01);
      prev = f;
    }
  });
});
