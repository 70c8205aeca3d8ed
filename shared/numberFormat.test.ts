import { describe, expect, it } from "vitest";
import { formatChange, formatReading, inSensorRange, readableNumber, sensorRange } from "./numberFormat.ts";

describe("formatReading: values a sensor could report, and words for the rest", () => {
  it.each([
    { signal: "ph" as const, value: 6.823, text: "6.82" },
    { signal: "temperature" as const, value: 34.56, text: "34.6 °C" },
    { signal: "biteForce" as const, value: 412.4, text: "412 N" },
    { signal: "heartRate" as const, value: 88.2, text: "88 bpm" },
    { signal: "ph" as const, value: 4.6e155, text: "out of sensor range (3–9)" },
    { signal: "ph" as const, value: 133050810890526080000, text: "out of sensor range (3–9)" },
    { signal: "ph" as const, value: 2.99, text: "out of sensor range (3–9)" },
    { signal: "temperature" as const, value: Number.NaN, text: "out of sensor range (25–42 °C)" },
    { signal: "biteForce" as const, value: Number.NEGATIVE_INFINITY, text: "out of sensor range (0–1200 N)" },
  ])("$signal $value -> $text", ({ signal, value, text }) => {
    expect(formatReading(signal, value)).toBe(text);
    expect(formatReading(signal, value)).not.toMatch(/e[+-]\d/);
  });

  it("keeps the range ends themselves", () => {
    expect(inSensorRange("ph", 3)).toBe(true);
    expect(inSensorRange("ph", 9)).toBe(true);
    expect(formatReading("ph", 9, false)).toBe("9.00");
    expect(sensorRange("heartRate")).toBe("25–220 bpm");
  });
});

describe("readableNumber: never an exponent or a 21-digit integer", () => {
  it.each([
    { v: 0.4051, text: "0.405" },
    { v: 0, text: "0" },
    { v: -54.31, text: "-54.3" },
    { v: 12_345.6, text: "12,346" },
    { v: 4.6e155, text: "over a million" },
    { v: -3e9, text: "below minus a million" },
    { v: 1e-9, text: "almost 0" },
    { v: Number.NaN, text: "not a number" },
    { v: Number.POSITIVE_INFINITY, text: "infinity" },
  ])("$v -> $text", ({ v, text }) => {
    expect(readableNumber(v)).toBe(text);
  });
});

describe("formatChange", () => {
  it("reads a jump as a number, or as more than the whole range when it cannot be one", () => {
    expect(formatChange("ph", 0.405)).toBe("0.405");
    expect(formatChange("ph", -0.405)).toBe("0.405");
    expect(formatChange("ph", 4.6e155)).toBe("more than the whole sensor range (3–9)");
  });
});
