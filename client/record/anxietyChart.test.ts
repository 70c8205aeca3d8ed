import { describe, expect, it } from "vitest";
import type { PatientAnxiety, VisitAnxiety } from "../../shared/patientRecord.ts";
import { anxietyChartModel, MDAS_HIGH, MDAS_MAX, MDAS_MIN } from "./anxietyChart.ts";

const DAY = 86_400_000;
function visit(i: number, over: Partial<VisitAnxiety> = {}): VisitAnxiety {
  return {
    visitId: `v${i}`,
    startedAt: Date.UTC(2026, 0, 5) + i * 7 * DAY,
    mdasScore: null,
    pathway: null,
    comfortRatings: [],
    stops: 0,
    heartRateBaseline: 70,
    heartRatePeak: null,
    heartRateRise: null,
    ...over,
  };
}

describe("anxiety charts across visits", () => {
  const anxiety: PatientAnxiety = {
    baseline: 70,
    // Out of order on purpose: the chart puts the oldest visit left.
    visits: [
      visit(2, { mdasScore: 12, stops: 0, heartRateRise: 8 }),
      visit(0, {
        mdasScore: 22,
        stops: 5,
        comfortRatings: [
          { at: 1, score: 4 },
          { at: 2, score: 8 },
        ],
      }),
      visit(1, { heartRateRise: 45 }),
    ],
  };
  const m = anxietyChartModel(anxiety);

  it("draws MDAS over time oldest first on its 5-25 scale, skipping visits without an intake", () => {
    expect(m.mdas.map((p) => p.value)).toEqual([22, 12]);
    expect(m.mdas.map((p) => p.x)).toEqual([0, 1]);
    expect(m.mdas[0]!.y).toBeCloseTo((22 - MDAS_MIN) / (MDAS_MAX - MDAS_MIN));
    expect(m.mdas[0]!.value).toBeGreaterThanOrEqual(MDAS_HIGH);
  });

  it("shows stops for every visit, the worst comfort rating where one was given, scales fitted to the data", () => {
    expect(m.stops.map((p) => p.value)).toEqual([5, 0, 0]);
    expect(m.stopsMax).toBe(5);
    expect(m.stops[0]!.y).toBe(1);
    expect(m.comfort).toEqual([expect.objectContaining({ value: 8, y: 0.8, x: 0 })]);
  });

  it("draws the heart-rate rise against the patient's baseline, scaled to the largest rise", () => {
    expect(m.heartRise.map((p) => p.value)).toEqual([45, 8]);
    expect(m.heartMax).toBe(45);
    expect(m.heartRise[1]!.y).toBeCloseTo(8 / 45);
  });

  it("keeps a single visit centred and small counts on a readable scale", () => {
    const one = anxietyChartModel({ baseline: null, visits: [visit(0, { mdasScore: 5, stops: 1 })] });
    expect(one.mdas[0]).toMatchObject({ x: 0.5, y: 0 });
    expect(one.stopsMax).toBe(3);
    expect(one.heartMax).toBe(30);
  });
});
