import { describe, expect, it } from "vitest";
import type { Alarm } from "../../shared/alarms.ts";
import { burst, categoryOf, MELODIES, REPEAT_S } from "./alarmSound.ts";

const alarm = (over: Partial<Alarm>): Alarm => ({
  id: "a",
  kind: "physiological",
  priority: "medium",
  key: "physiological:hr:heartRate",
  message: "m",
  raisedAt: 0,
  ...over,
});

describe("IEC 60601-1-8 alarm melodies", () => {
  it("picks the melody by cause", () => {
    expect(categoryOf(alarm({}))).toBe("cardiac");
    expect(categoryOf(alarm({ key: "physiological:soe-36:temperature" }))).toBe("temperature");
    expect(categoryOf(alarm({ key: "physiological:soe-36:ph" }))).toBe("general");
    expect(categoryOf(alarm({ kind: "technical", key: "device:soe-36" }))).toBe("equipment");
  });

  it("high plays the melody twice, medium once, low two notes; notes never overlap", () => {
    const high = burst("high", "cardiac");
    const medium = burst("medium", "cardiac");
    const low = burst("low", "cardiac");
    expect(high).toHaveLength(10);
    expect(medium).toHaveLength(5);
    expect(low).toHaveLength(2);
    // C4-E4-G4-G4-C5
    expect(medium.map((n) => Math.round(n.hz))).toEqual([262, 330, 392, 392, 523]);
    expect(high.slice(5).map((n) => n.hz)).toEqual(high.slice(0, 5).map((n) => n.hz));
    for (const notes of [high, medium, low]) {
      for (let i = 1; i < notes.length; i++)
        expect(notes[i]!.at).toBeGreaterThanOrEqual(notes[i - 1]!.at + notes[i - 1]!.seconds);
    }
    expect(MELODIES.equipment).toEqual(["C5", "B4", "A4", "G4", "F4"]);
  });

  it("repeats high more often than medium, low once", () => {
    expect(REPEAT_S.high).toBeLessThan(REPEAT_S.medium);
    expect(REPEAT_S.low).toBe(0);
  });
});
