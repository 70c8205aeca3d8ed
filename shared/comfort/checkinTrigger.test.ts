import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.ts";
import {
  CHECKIN_SCALE,
  CHECKIN_TRIGGER_DEFAULTS,
  CheckinTrigger,
  type CheckinTriggerUpdate,
  isLowComfort,
  isValidCheckinScore,
} from "./checkinTrigger.ts";

/** Words that label a person's state of mind; physiology must never produce them. */
const LABELS = /anxi|panic|stress|nervous|scared|afraid|fear|worr|phobi|distress/i;

/** Feeds 1 Hz readings from `from` to `to` (ms, exclusive) with bpm(t); returns every update. */
function feed(
  trigger: CheckinTrigger,
  from: number,
  to: number,
  bpm: (t: number) => number,
  stepMs = 1_000,
): { t: number; update: CheckinTriggerUpdate }[] {
  const out: { t: number; update: CheckinTriggerUpdate }[] = [];
  for (let t = from; t < to; t += stepMs) out.push({ t, update: trigger.onHeartRate(t, bpm(t)) });
  return out;
}

function prompts(updates: { t: number; update: CheckinTriggerUpdate }[]) {
  return updates.filter((u) => u.update.prompt !== null);
}

/** A trigger with a 70 bpm baseline learnt over the first minute (t = 0..59 s, known at 60 s). */
function rested(opts?: ConstructorParameters<typeof CheckinTrigger>[0]) {
  const trigger = new CheckinTrigger(opts);
  feed(trigger, 0, 60_001, () => 70);
  expect(trigger.restingBaseline).toBe(70);
  return trigger;
}

describe("check-in scale", () => {
  it("runs 0 to 10 with 10 very comfortable, and 4 or less is low", () => {
    expect(CHECKIN_SCALE.question).toContain("10 is very comfortable");
    expect([0, 4, 5, 10].map(isLowComfort)).toEqual([true, true, false, false]);
    expect([-1, 11, 2.5, Number.NaN].map(isValidCheckinScore)).toEqual([false, false, false, false]);
    expect([0, 10].map(isValidCheckinScore)).toEqual([true, true]);
    expect(isLowComfort(-1)).toBe(false);
  });
});

describe("CheckinTrigger baseline", () => {
  it("uses defaults of 1 minute, +20%, 15 s and 2 minutes", () => {
    expect(CHECKIN_TRIGGER_DEFAULTS).toMatchObject({
      baselineMs: 60_000,
      risePercent: 20,
      sustainMs: 15_000,
      cooldownMs: 120_000,
    });
  });

  it("is unknown during the first minute, then the mean of that minute", () => {
    const trigger = new CheckinTrigger();
    const first = feed(trigger, 0, 60_000, (t) => (t < 30_000 ? 60 : 80));
    expect(first.every((u) => u.update.baseline === null && u.update.prompt === null)).toBe(true);
    expect(trigger.onHeartRate(60_000, 72).baseline).toBe(70);
    expect(trigger.restingBaseline).toBe(70);
  });

  it("keeps the first minute's baseline even if later readings drift", () => {
    const trigger = rested();
    feed(trigger, 61_000, 300_000, () => 60);
    expect(trigger.onHeartRate(300_000, 60).baseline).toBe(70);
  });

  it("waits for enough readings when the first minute has gaps", () => {
    const trigger = new CheckinTrigger({ minBaselineReadings: 20 });
    feed(trigger, 0, 60_000, () => 70, 10_000); // only 6 readings
    expect(trigger.onHeartRate(61_000, 70).baseline).toBeNull();
    feed(trigger, 62_000, 75_000, () => 70);
    expect(trigger.onHeartRate(76_000, 70).baseline).toBe(70);
  });

  it("ignores readings that go back in time or are not numbers", () => {
    const trigger = rested();
    expect(trigger.onHeartRate(10_000, 200)).toEqual({ baseline: 70, prompt: null });
    expect(trigger.onHeartRate(61_000, Number.NaN)).toEqual({ baseline: 70, prompt: null });
    expect(trigger.onHeartRate(Number.NaN, 120)).toEqual({ baseline: 70, prompt: null });
  });
});

describe("CheckinTrigger prompts", () => {
  it("prompts once a rise of 20% has lasted 15 s", () => {
    const trigger = rested({ patientName: "Julian" });
    const updates = feed(trigger, 61_000, 100_000, (t) => (t < 70_000 ? 70 : 87));
    const p = prompts(updates);
    expect(p).toHaveLength(1);
    expect(p[0]!.t).toBe(85_000);
    expect(p[0]!.update.prompt).toEqual({
      reason: "Heart rate 24% above Julian's resting level",
      risePercent: 24,
    });
  });

  it("says 'the patient' without a name", () => {
    const trigger = rested();
    const p = prompts(feed(trigger, 61_000, 100_000, () => 91));
    expect(p[0]!.t).toBe(76_000);
    expect(p[0]!.update.prompt?.reason).toBe("Heart rate 30% above the patient's resting level");
  });

  it.each([
    { name: "a rise below 20%", bpm: () => 83, expected: 0 },
    { name: "exactly 20%", bpm: () => 84, expected: 1 },
    {
      name: "a 14 s spike (talking, moving)",
      bpm: (t: number) => (t >= 70_000 && t < 84_000 ? 110 : 70),
      expected: 0,
    },
    {
      name: "a rise broken by a normal reading every 10 s",
      bpm: (t: number) => (t % 10_000 === 0 ? 72 : 95),
      expected: 0,
    },
    { name: "a lower heart rate", bpm: () => 50, expected: 0 },
  ])("does not over-react: $name -> $expected prompts in 30 s", ({ bpm, expected }) => {
    const trigger = rested();
    expect(prompts(feed(trigger, 61_000, 90_000, bpm))).toHaveLength(expected);
  });

  it("treats a gap in the data as a break in the rise, never filling it in", () => {
    const trigger = rested({ maxGapMs: 5_000 });
    feed(trigger, 61_000, 70_000, () => 95);
    // 10 s without readings, then high again: the 15 s count starts over.
    const after = feed(trigger, 80_000, 110_000, () => 95);
    expect(prompts(after).map((u) => u.t)).toEqual([95_000]);
  });

  it("waits out the cooldown, then prompts again if the rise is still there", () => {
    const trigger = rested();
    const updates = feed(trigger, 61_000, 400_000, () => 100);
    const times = prompts(updates).map((u) => u.t);
    expect(times).toEqual([76_000, 196_000, 316_000]);
  });

  it("needs a fresh sustained rise after the cooldown if the heart rate settled", () => {
    const trigger = rested();
    const bpm = (t: number) => (t < 100_000 ? 100 : t < 250_000 ? 70 : 100);
    const times = prompts(feed(trigger, 61_000, 300_000, bpm)).map((u) => u.t);
    expect(times).toEqual([76_000, 265_000]);
  });

  it("honours custom options", () => {
    const trigger = new CheckinTrigger({
      baselineMs: 10_000,
      risePercent: 10,
      sustainMs: 5_000,
      cooldownMs: 20_000,
      minBaselineReadings: 5,
    });
    feed(trigger, 0, 10_000, () => 80);
    const times = prompts(feed(trigger, 10_000, 50_000, () => 90)).map((u) => u.t);
    expect(times).toEqual([15_000, 35_000]);
  });

  it("never labels the patient, whatever the heart rate does (seeded)", () => {
    for (const seed of [7, 42, 1234, 99_991]) {
      const rand = mulberry32(seed);
      const trigger = new CheckinTrigger({ patientName: "Flower" });
      let bpm = 65 + rand() * 20;
      let t = 0;
      let count = 0;
      for (let i = 0; i < 5_000; i++) {
        t += rand() < 0.02 ? 8_000 : 1_000;
        bpm = Math.min(180, Math.max(45, bpm + (rand() - 0.48) * 6));
        const update = trigger.onHeartRate(t, bpm);
        const text = JSON.stringify(update);
        expect(text, `seed ${seed} reading ${i}`).not.toMatch(LABELS);
        if (update.prompt !== null) {
          count++;
          expect(update.prompt.reason, `seed ${seed}`).toMatch(
            /^Heart rate \d+% above Flower's resting level$/,
          );
          expect(update.prompt.risePercent, `seed ${seed}`).toBeGreaterThanOrEqual(20);
        }
      }
      expect(count, `seed ${seed}: the walk should prompt at least once`).toBeGreaterThan(0);
    }
  });
});
