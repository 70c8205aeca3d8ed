import { describe, expect, it } from "vitest";
import {
  type Alarm,
  AlarmKind,
  AlarmPriority,
  holdsProcedure,
  isTeamChecking,
  spokenAlarm,
} from "./alarms.ts";
import { ProcedureStatus } from "./procedure/types.ts";

const T0 = Date.UTC(2026, 10, 27, 9);

function alarm(over: Partial<Alarm>): Alarm {
  return {
    id: "a1",
    kind: AlarmKind.physiological,
    priority: AlarmPriority.medium,
    key: "physiological:soe-julian-36:ph",
    message: "Enamel at risk: pH 5.1, below 5.5 for 2 min",
    deviceId: "soe-julian-36",
    tooth: 36,
    raisedAt: T0,
    ...over,
  };
}

const LOW_PH = alarm({});
const DEVICE_FAULT = alarm({ kind: AlarmKind.technical, key: "device:soe-julian-36" });
const HEART_RATE = alarm({
  key: "physiological:hr-julian:heartRate",
  deviceId: "hr-julian",
  tooth: undefined,
});
const BITE = alarm({ priority: AlarmPriority.low, key: "physiological:soe-julian-36:biteForce" });

describe("the patient's calm cue ('the team is checking something')", () => {
  it.each([
    { name: "a low pH on a tooth", a: LOW_PH, holds: false },
    { name: "a bite-force reading", a: BITE, holds: false },
    { name: "a device fault (the interlock holds automated steps)", a: DEVICE_FAULT, holds: true },
    { name: "the patient's heart rate", a: HEART_RATE, holds: true },
    { name: "a low-priority device note", a: { ...DEVICE_FAULT, priority: AlarmPriority.low }, holds: false },
  ])("$name holds the treatment: $holds", ({ a, holds }) => {
    expect(holdsProcedure(a)).toBe(holds);
  });

  it.each([
    { status: ProcedureStatus.notStarted, alarms: [DEVICE_FAULT, HEART_RATE], checking: false },
    { status: ProcedureStatus.running, alarms: [DEVICE_FAULT, HEART_RATE], checking: false },
    { status: ProcedureStatus.pausedByPatient, alarms: [HEART_RATE], checking: false },
    { status: ProcedureStatus.blocked, alarms: [LOW_PH], checking: false },
    { status: ProcedureStatus.blocked, alarms: [DEVICE_FAULT], checking: true },
    { status: ProcedureStatus.paused, alarms: [HEART_RATE], checking: true },
    { status: ProcedureStatus.paused, alarms: [{ ...HEART_RATE, clearedAt: T0 + 1 }], checking: false },
    { status: ProcedureStatus.completed, alarms: [DEVICE_FAULT], checking: false },
  ])("$status with $alarms.length alarm(s): $checking", ({ status, alarms, checking }) => {
    expect(isTeamChecking(alarms, { status })).toBe(checking);
  });

  it("no procedure at all: nothing to explain", () => {
    expect(isTeamChecking([DEVICE_FAULT], null)).toBe(false);
  });
});

describe("spokenAlarm: what Otto says of an alarm", () => {
  it.each([
    { a: DEVICE_FAULT, said: "a tooth sensor: Enamel at risk: pH 5.1, below 5.5 for 2 min" },
    {
      a: { ...HEART_RATE, kind: AlarmKind.technical },
      said: "the heart-rate wearable: Enamel at risk: pH 5.1, below 5.5 for 2 min",
    },
    { a: LOW_PH, said: "Enamel at risk: pH 5.1, below 5.5 for 2 min" },
  ])("$said", ({ a, said }) => {
    expect(spokenAlarm(a)).toBe(said);
  });
});
