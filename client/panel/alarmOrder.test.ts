import { describe, expect, it } from "vitest";
import type { Alarm } from "../../shared/alarms.ts";
import { alarmText } from "./alarmOrder.ts";
import { type PreferenceStore, ToothNames } from "./toothNames.ts";

const memory = (): PreferenceStore => {
  const data = new Map<string, string>();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
};

const T0 = Date.UTC(2026, 10, 27, 9);
const deviceFault: Alarm = {
  id: "a1",
  kind: "technical",
  priority: "medium",
  key: "device:soe-julian-36",
  message: "pH unreliable: pH read a value out of sensor range (3–9)",
  deviceId: "soe-julian-36",
  tooth: 36,
  raisedAt: T0,
};
const lowPh: Alarm = {
  ...deviceFault,
  id: "a2",
  kind: "physiological",
  key: "physiological:soe-julian-36:ph",
  message: "Enamel at risk: pH 5.1, below 5.5 for 2 min",
};
const wearable: Alarm = {
  ...deviceFault,
  id: "a3",
  key: "device:hr-julian",
  deviceId: "hr-julian",
  tooth: undefined,
  message: "no heart rate data: shown as a gap",
};

describe("alarmText: devices and teeth named in the reader's notation, never by id", () => {
  it.each([
    {
      notation: "fdi",
      fault: "Sensor at tooth 36: pH unreliable: pH read a value out of sensor range (3–9)",
      ph: "Tooth 36: Enamel at risk: pH 5.1, below 5.5 for 2 min",
    },
    {
      notation: "universal",
      fault: "Sensor at tooth 19: pH unreliable: pH read a value out of sensor range (3–9)",
      ph: "Tooth 19: Enamel at risk: pH 5.1, below 5.5 for 2 min",
    },
    {
      notation: "palmer",
      fault: "Sensor at tooth LL6: pH unreliable: pH read a value out of sensor range (3–9)",
      ph: "Tooth LL6: Enamel at risk: pH 5.1, below 5.5 for 2 min",
    },
  ] as const)("$notation", ({ notation, fault, ph }) => {
    const names = new ToothNames(memory());
    names.set(notation);
    expect(alarmText(deviceFault, names)).toBe(fault);
    expect(alarmText(lowPh, names)).toBe(ph);
    expect(alarmText(wearable, names)).toBe("Heart-rate wearable: no heart rate data: shown as a gap");
    for (const a of [deviceFault, lowPh, wearable]) expect(alarmText(a, names)).not.toMatch(/soe-|hr-julian/);
  });
});
