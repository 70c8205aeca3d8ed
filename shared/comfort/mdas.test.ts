import { describe, expect, it } from "vitest";
import { AnxietyPathway, ErrorCode, Surroundings } from "../protocol.ts";
import { mulberry32 } from "../random.ts";
import {
  MDAS_ANSWERS,
  MDAS_HIGH_THRESHOLD,
  MDAS_ITEMS,
  PATHWAYS,
  pathwayForTotal,
  periodicCheckinDue,
  scoreMdas,
} from "./mdas.ts";

describe("MDAS items", () => {
  it("has the five standard items and five answer labels", () => {
    expect(MDAS_ITEMS).toHaveLength(5);
    expect(MDAS_ITEMS[0]).toContain("TREATMENT TOMORROW");
    expect(MDAS_ITEMS[1]).toContain("WAITING ROOM");
    expect(MDAS_ITEMS[2]).toContain("DRILLED");
    expect(MDAS_ITEMS[3]).toContain("SCALED AND POLISHED");
    expect(MDAS_ITEMS[4]).toContain("LOCAL ANAESTHETIC INJECTION");
    expect(MDAS_ANSWERS).toEqual([
      "Not anxious",
      "Slightly anxious",
      "Fairly anxious",
      "Very anxious",
      "Extremely anxious",
    ]);
  });
});

describe("scoreMdas", () => {
  it.each([
    { answers: [1, 1, 1, 1, 1], total: 5, pathway: "standard" },
    { answers: [3, 3, 3, 3, 3], total: 15, pathway: "standard" },
    { answers: [4, 4, 4, 3, 3], total: 18, pathway: "standard" },
    { answers: [4, 4, 4, 4, 3], total: 19, pathway: "high_anxiety" },
    { answers: [5, 4, 5, 2, 5], total: 21, pathway: "high_anxiety" },
    { answers: [5, 5, 5, 5, 5], total: 25, pathway: "high_anxiety" },
  ])("scores $answers as $total ($pathway)", ({ answers, total, pathway }) => {
    expect(scoreMdas(answers)).toEqual({ ok: true, value: { total, pathway } });
  });

  it.each([
    { answers: [], why: "exactly 5" },
    { answers: [1, 2, 3, 4], why: "exactly 5" },
    { answers: [1, 2, 3, 4, 5, 1], why: "exactly 5" },
    { answers: [0, 2, 3, 4, 5], why: "Answer 1" },
    { answers: [1, 2, 6, 4, 5], why: "Answer 3" },
    { answers: [1, 2, 3, 4.5, 5], why: "Answer 4" },
    { answers: [1, 2, 3, 4, Number.NaN], why: "Answer 5" },
    { answers: [1, 2, 3, 4, Number.POSITIVE_INFINITY], why: "Answer 5" },
    { answers: [1, "2", 3, 4, 5] as unknown as number[], why: "Answer 2" },
  ])("refuses $answers", ({ answers, why }) => {
    const r = scoreMdas(answers);
    expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.badPayload } });
    if (!r.ok) expect(r.error.message).toContain(why);
  });

  it("refuses a payload that is not a list", () => {
    expect(scoreMdas("12345" as unknown as number[]).ok).toBe(false);
  });

  it("agrees with the threshold on random valid answers (seeded)", () => {
    const seed = 1995;
    const rand = mulberry32(seed);
    for (let i = 0; i < 1000; i++) {
      const answers = Array.from({ length: 5 }, () => 1 + Math.floor(rand() * 5));
      const sum = answers.reduce((a, b) => a + b, 0);
      const r = scoreMdas(answers);
      if (!r.ok) throw new Error(`seed ${seed} case ${i}: refused ${answers}`);
      expect(r.value.total, `seed ${seed} case ${i}`).toBe(sum);
      expect(r.value.total, `seed ${seed} case ${i}`).toBeGreaterThanOrEqual(5);
      expect(r.value.total, `seed ${seed} case ${i}`).toBeLessThanOrEqual(25);
      expect(r.value.pathway === "high_anxiety", `seed ${seed} case ${i}`).toBe(sum >= MDAS_HIGH_THRESHOLD);
    }
  });
});

describe("pathways", () => {
  it("maps totals at the threshold", () => {
    expect(pathwayForTotal(18)).toBe(AnxietyPathway.standard);
    expect(pathwayForTotal(19)).toBe(AnxietyPathway.highAnxiety);
  });

  it("makes the high-anxiety pathway calmer in every respect", () => {
    const standard = PATHWAYS.standard;
    const high = PATHWAYS.high_anxiety;
    expect(standard).toMatchObject({
      checkinIntervalMs: null,
      surroundings: Surroundings.clinic,
      ottoRate: 1,
      humourAllowed: true,
    });
    expect(high).toMatchObject({
      checkinIntervalMs: 180_000,
      surroundings: Surroundings.nature,
      humourAllowed: false,
      offerBreathingAtStart: true,
    });
    expect(high.ottoRate).toBeLessThan(standard.ottoRate);
    expect(high.ottoRate).toBeGreaterThanOrEqual(0.7);
  });

  it.each([
    { pathway: "standard", last: null, now: 10_000_000, due: false },
    { pathway: "high_anxiety", last: null, now: 179_999, due: false },
    { pathway: "high_anxiety", last: null, now: 180_000, due: true },
    { pathway: "high_anxiety", last: 100_000, now: 279_999, due: false },
    { pathway: "high_anxiety", last: 100_000, now: 280_000, due: true },
  ] as const)("periodic check-in on $pathway, last $last, now $now -> $due", ({
    pathway,
    last,
    now,
    due,
  }) => {
    expect(periodicCheckinDue(pathway, last, 0, now)).toBe(due);
  });
});
