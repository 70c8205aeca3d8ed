import { describe, expect, it } from "vitest";
import type { Alarm } from "./alarms.ts";
import { alarmText, deviceName, namingIn } from "./alarmWords.ts";

const fault: Pick<Alarm, "kind" | "tooth" | "message"> = {
  kind: "technical",
  tooth: 36,
  message: "pH unreliable: pH read a value out of sensor range (3–9)",
};
const lowPh: Pick<Alarm, "kind" | "tooth" | "message"> = {
  kind: "physiological",
  tooth: 36,
  message: "Enamel at risk",
};
const heartRate: Pick<Alarm, "kind" | "tooth" | "message"> = {
  kind: "physiological",
  message: "Heart rate high",
};

describe("alarm words in a fixed notation (record, replay, FHIR)", () => {
  it.each([
    ["fdi", "36"],
    ["universal", "19"],
    ["palmer", "LL6"],
  ] as const)("%s names tooth 36 as %s", (notation, tooth) => {
    const names = namingIn(notation);
    expect(alarmText(fault, names)).toBe(`Sensor at tooth ${tooth}: ${fault.message}`);
    expect(alarmText(lowPh, names)).toBe(`Tooth ${tooth}: Enamel at risk`);
    expect(alarmText(heartRate, names)).toBe("Heart rate high");
    expect(deviceName(36, notation)).toBe(`Sensor at tooth ${tooth}`);
  });

  it("names the device without a tooth by what it is, and reads FDI by default", () => {
    expect(alarmText({ ...fault, tooth: undefined, message: "no data" }, namingIn())).toBe(
      "Heart-rate wearable: no data",
    );
    expect(deviceName(null, "fdi")).toBe("Heart-rate wearable");
  });
});
