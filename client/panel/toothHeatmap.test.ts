import { describe, expect, it } from "vitest";
import { type Alarm, toothAlarms } from "../../shared/alarms.ts";
import type { DeviceView } from "../../shared/protocol.ts";
import type { CheckedReading, Signal } from "../../shared/soe/signals.ts";
import { LatestReadings } from "./latestReadings.ts";
import {
  bandFor,
  computeToothStates,
  type HeatmapInput,
  legendFor,
  NO_SENSOR_COLOUR,
  STALE_MS,
  sameStates,
  UNKNOWN_COLOUR,
} from "./toothHeatmap.ts";

const NOW = 1_000_000;

function device(tooth: number, over: Partial<DeviceView> = {}): DeviceView {
  return { deviceId: `soe-${tooth}`, firmware: "2.3.1", tooth, quarantined: false, lastSeenAt: NOW, ...over };
}

function reading(tooth: number, value: number, over: Partial<CheckedReading> = {}): CheckedReading {
  return {
    signal: "ph",
    t: NOW - 500,
    value,
    unit: "[pH]",
    tooth,
    deviceId: `soe-${tooth}`,
    quality: "valid",
    status: "final",
    receivedAt: NOW - 400,
    ...over,
  };
}

function input(
  devices: DeviceView[],
  readings: CheckedReading[],
  over: Partial<HeatmapInput> = {},
): HeatmapInput {
  const latest = new LatestReadings();
  for (const r of readings) latest.add(r);
  return {
    signal: "ph",
    teeth: [16, 26, 36, 46, 11],
    devices,
    quarantinedFirmware: [],
    latest: (signal: Signal, tooth: number) => latest.forTooth(signal, tooth),
    teethWithReadings: latest.teethWithReadings(),
    nowMs: NOW,
    ...over,
  };
}

describe("colour bands", () => {
  it.each([
    [7.2, "good"],
    [7.0, "good"],
    [6.7, "fair"],
    [6.2, "watch"],
    [5.7, "poor"],
    [5.3, "bad"],
  ])("pH %s is %s", (value, level) => {
    expect(bandFor("ph", value).level).toBe(level);
  });

  it.each([
    [0, "good"],
    [0.4, "good"],
    [1, "watch"],
    [2, "poor"],
    [3, "bad"],
  ])("inflammation score %s is %s", (value, level) => {
    expect(bandFor("inflammation", value).level).toBe(level);
  });

  it("pH 7+ is green and below 5.5 red; scores 0 green and 3 red", () => {
    expect(bandFor("ph", 7.4).colour).toBe("#2e7d32");
    expect(bandFor("ph", 5.0).colour).toBe("#c62828");
    expect(bandFor("plaque", 0).colour).toBe("#2e7d32");
    expect(bandFor("plaque", 3).colour).toBe("#c62828");
  });

  it("has a legend entry per band", () => {
    expect(legendFor("ph")).toHaveLength(5);
    expect(legendFor("plaque")[0]!.colour).toBe("#2e7d32");
  });
});

describe("computeToothStates", () => {
  it("colours a tooth with a valid, fresh reading", () => {
    const s = computeToothStates(input([device(36)], [reading(36, 7.2)])).get(36)!;
    expect(s.status).toBe("valid");
    expect(s.colour).toBe("#2e7d32");
    expect(s.label).toContain("7.20");
  });

  it("a tooth without a sensor is 'no sensor', never healthy", () => {
    const s = computeToothStates(input([device(36)], [])).get(11)!;
    expect(s.status).toBe("no-sensor");
    expect(s.colour).toBe(NO_SENSOR_COLOUR);
    expect(s.level).toBeNull();
  });

  it.each<[string, CheckedReading[], DeviceView[], string]>([
    [
      "invalid",
      [reading(36, 11.7, { quality: "invalid", reason: "value outside the physical range" })],
      [device(36)],
      "outside the physical range",
    ],
    [
      "suspect",
      [reading(36, 7, { quality: "suspect", reason: "stuck-at value" })],
      [device(36)],
      "stuck-at value",
    ],
    [
      "retracted",
      [reading(36, 7), reading(36, 7, { status: "entered-in-error" })],
      [device(36)],
      "retracted",
    ],
    ["stale", [reading(36, 7, { receivedAt: NOW - STALE_MS - 1 })], [device(36)], "over 10 s"],
    ["quarantined device", [reading(36, 7)], [device(36, { quarantined: true })], "quarantined"],
    ["no reading yet", [], [device(36)], "no pH reading yet"],
  ])("%s -> unknown (grey) with the reason", (_name, readings, devices, reason) => {
    const s = computeToothStates(input(devices, readings)).get(36)!;
    expect(s.status).toBe("unknown");
    expect(s.colour).toBe(UNKNOWN_COLOUR);
    expect(s.reason).toContain(reason);
  });

  it("quarantined firmware makes every device on it unknown", () => {
    const states = computeToothStates(
      input([device(36, { firmware: "2.4.0-beta" }), device(16)], [reading(36, 7), reading(16, 7)], {
        quarantinedFirmware: ["2.4.0-beta"],
      }),
    );
    expect(states.get(36)!.status).toBe("unknown");
    expect(states.get(16)!.status).toBe("valid");
  });

  it("uses the chosen signal only", () => {
    const inflamed = reading(36, 2.6, { signal: "inflammation", unit: "{score}" });
    const states = computeToothStates(input([device(36)], [inflamed], { signal: "inflammation" }));
    expect(states.get(36)!.level).toBe("bad");
    expect(computeToothStates(input([device(36)], [inflamed])).get(36)!.status).toBe("unknown");
  });

  it("a newer invalid reading wins over an older valid one", () => {
    const states = computeToothStates(
      input(
        [device(36)],
        [reading(36, 7, { t: NOW - 2000 }), reading(36, 2, { t: NOW - 1000, quality: "invalid" })],
      ),
    );
    expect(states.get(36)!.status).toBe("unknown");
  });

  it("sameStates detects a change of colour or status only", () => {
    const a = computeToothStates(input([device(36)], [reading(36, 7.2)]));
    const b = computeToothStates(input([device(36)], [reading(36, 7.3)]));
    const c = computeToothStates(input([device(36)], [reading(36, 5.2)]));
    expect(sameStates(a, a)).toBe(true);
    expect(sameStates(a, b)).toBe(false); // the label carries the value
    expect(sameStates(a, c)).toBe(false);
  });
});

describe("a tooth's alarms (issue 10: the grid, the 3D teeth and the device table agree)", () => {
  const alarm = (over: Partial<Alarm>): Alarm => ({
    id: "a-1",
    kind: "technical",
    priority: "medium",
    key: "device:soe-36",
    message: "Device soe-36 on 36: pH unreliable",
    deviceId: "soe-36",
    tooth: 36,
    raisedAt: NOW - 1000,
    ...over,
  });

  it("a technical alarm makes a tooth with a valid reading unknown, with the alarm attached", () => {
    const s = computeToothStates(input([device(36)], [reading(36, 7.2)], { alarms: [alarm({})] })).get(36)!;
    expect(s.status).toBe("unknown");
    expect(s.colour).toBe(UNKNOWN_COLOUR);
    expect(s.alarm).toMatchObject({ priority: "medium", kind: "technical", count: 1, acknowledged: false });
    expect(s.label).toMatch(/^MEDIUM alarm · Unknown: Device soe-36 on 36: pH unreliable/);
  });

  it("a physiological alarm keeps the colour; the most severe of several wins; cleared ones do not count", () => {
    const alarms = [
      alarm({ id: "p", kind: "physiological", key: "physiological:soe-36:ph", priority: "medium" }),
      alarm({
        id: "h",
        kind: "physiological",
        key: "physiological:hr:heartRate",
        priority: "high",
        tooth: 36,
      }),
      alarm({ id: "c", priority: "high", clearedAt: NOW - 10 }),
    ];
    const s = computeToothStates(input([device(36)], [reading(36, 7.2)], { alarms })).get(36)!;
    expect(s.status).toBe("valid");
    expect(s.alarm).toMatchObject({ priority: "high", count: 2 });
    expect(computeToothStates(input([device(36)], [reading(36, 7.2)])).get(36)!.alarm).toBeNull();
  });

  it("toothAlarms and sameStates notice a new or acknowledged alarm", () => {
    const plain = computeToothStates(input([device(36)], [reading(36, 7.2)]));
    const alarmed = computeToothStates(input([device(36)], [reading(36, 7.2)], { alarms: [alarm({})] }));
    const acked = computeToothStates(
      input([device(36)], [reading(36, 7.2)], { alarms: [alarm({ acknowledgedAt: NOW })] }),
    );
    expect(sameStates(plain, alarmed)).toBe(false);
    expect(sameStates(alarmed, acked)).toBe(false);
    // The wearable's alarms belong to no tooth.
    const { tooth: _none, ...wearable } = alarm({ deviceId: "hr", key: "device:hr" });
    expect(toothAlarms([wearable]).size).toBe(0);
    expect(toothAlarms([alarm({})]).get(36)?.count).toBe(1);
  });
});
