import { describe, expect, it } from "vitest";
import { type ProcedureStep, StepKind } from "../procedure/types.ts";
import { interlockFor, type SignalStatus, SignalStatusBoard } from "./interlock.ts";
import type { DropoutFinding } from "./plausibility.ts";
import { type CheckedReading, type Quality, SIGNAL_SPECS, type Signal } from "./signals.ts";

function step(over: Partial<ProcedureStep> = {}): ProcedureStep {
  return {
    id: "s1",
    kind: "automated",
    title: "Automated fluoride varnish on 36",
    teeth: [36],
    surfaces: ["O"],
    explanation: "",
    dependsOn: ["ph"],
    expectedSeconds: 60,
    ...over,
  };
}

function st(
  deviceId: string,
  signal: Signal,
  tooth: number | null,
  quality: SignalStatus["quality"],
): SignalStatus {
  return { deviceId, signal, tooth, quality };
}

const ALL_VALID: SignalStatus[] = [
  ...[16, 26, 36, 46].flatMap((tooth) => [
    st(`soe-${tooth}`, "ph", tooth, "valid"),
    st(`soe-${tooth}`, "temperature", tooth, "valid"),
  ]),
  st("hr", "heartRate", null, "valid"),
];

function replace(
  list: SignalStatus[],
  deviceId: string,
  signal: Signal,
  quality: SignalStatus["quality"],
): SignalStatus[] {
  return list.map((s) => (s.deviceId === deviceId && s.signal === signal ? { ...s, quality } : s));
}

describe("interlockFor", () => {
  it.each(
    Object.values(StepKind).filter((k) => k !== "automated"),
  )("never gates a %s step, even with no data at all", (kind) => {
    expect(interlockFor(step({ kind }), [])).toEqual({ ok: true });
    expect(interlockFor(step({ kind }), replace(ALL_VALID, "soe-36", "ph", "invalid"))).toEqual({ ok: true });
  });

  it.each([
    { name: "all valid", statuses: ALL_VALID, s: step(), reason: null },
    {
      name: "an automated step that depends on nothing",
      statuses: [],
      s: step({ dependsOn: [] }),
      reason: null,
    },
    {
      name: "a fault on another tooth",
      statuses: replace(ALL_VALID, "soe-16", "ph", "invalid"),
      s: step(),
      reason: null,
    },
    {
      name: "a fault in another signal",
      statuses: replace(ALL_VALID, "soe-36", "temperature", "invalid"),
      s: step(),
      reason: null,
    },
    {
      name: "invalid pH on 36",
      statuses: replace(ALL_VALID, "soe-36", "ph", "invalid"),
      s: step(),
      reason: "pH sensor on 36 unreliable: use clinical exam",
    },
    {
      name: "suspect pH on 36",
      statuses: replace(ALL_VALID, "soe-36", "ph", "suspect"),
      s: step(),
      reason: "pH sensor on 36 unreliable: use clinical exam",
    },
    {
      name: "a pH dropout on 36",
      statuses: replace(ALL_VALID, "soe-36", "ph", "no_data"),
      s: step(),
      reason: "No pH data for 36: use clinical exam",
    },
    {
      name: "no pH status for 36 at all",
      statuses: ALL_VALID.filter((s) => s.deviceId !== "soe-36"),
      s: step(),
      reason: "No pH data for 36: use clinical exam",
    },
    {
      name: "no data at all",
      statuses: [],
      s: step({ dependsOn: ["ph", "temperature"] }),
      reason: "No pH data for 36; no temperature data for 36: use clinical exam",
    },
    {
      name: "two teeth, two problems",
      statuses: replace(replace(ALL_VALID, "soe-36", "ph", "invalid"), "soe-46", "ph", "no_data"),
      s: step({ teeth: [36, 46] }),
      reason: "pH sensor on 36 unreliable; no pH data for 46: use clinical exam",
    },
    {
      name: "a whole-mouth step with a dropout on one tooth",
      statuses: replace(ALL_VALID, "soe-46", "ph", "no_data"),
      s: step({ teeth: [] }),
      reason: "No pH data for 46: use clinical exam",
    },
    {
      name: "a dropout of one of two devices on the same tooth",
      statuses: [...ALL_VALID, st("soe-36b", "ph", 36, "no_data")],
      s: step(),
      reason: "No pH data from soe-36b on 36: use clinical exam",
    },
    {
      name: "a whole-mouth step with a fault on one tooth",
      statuses: replace(ALL_VALID, "soe-26", "temperature", "suspect"),
      s: step({ teeth: [], dependsOn: ["temperature"] }),
      reason: "Temperature sensor on 26 unreliable: use clinical exam",
    },
    {
      name: "heart rate is not per tooth",
      statuses: replace(ALL_VALID, "hr", "heartRate", "invalid"),
      s: step({ dependsOn: ["heartRate"] }),
      reason: "Heart rate sensor unreliable: use clinical exam",
    },
    {
      name: "no heart rate wearable",
      statuses: ALL_VALID.filter((s) => s.signal !== "heartRate"),
      s: step({ dependsOn: ["heartRate"] }),
      reason: "No heart rate data: use clinical exam",
    },
    {
      name: "a valid second device does not vouch for a faulty one on the same tooth",
      statuses: [...ALL_VALID, st("soe-36b", "ph", 36, "invalid")],
      s: step(),
      reason: "pH sensor soe-36b on 36 unreliable: use clinical exam",
    },
  ])("$name", ({ statuses, s, reason }) => {
    expect(interlockFor(s, statuses)).toEqual(reason === null ? { ok: true } : { ok: false, reason });
  });
});

const T0 = 1_700_000_000_000;

function reading(
  quality: Quality,
  atS: number,
  o: { deviceId?: string; signal?: Signal; reason?: string } = {},
): CheckedReading {
  const signal = o.signal ?? "ph";
  const r: CheckedReading = {
    signal,
    t: T0 + atS * 1000,
    value: 7,
    unit: SIGNAL_SPECS[signal].unit,
    tooth: 36,
    deviceId: o.deviceId ?? "soe-36",
    quality,
    status: "final",
    receivedAt: T0 + atS * 1000,
  };
  if (o.reason) r.reason = o.reason;
  return r;
}

const dropout: DropoutFinding = {
  deviceId: "soe-36",
  signal: "ph",
  tooth: 36,
  missingSamples: 6,
  lastAt: T0,
};

describe("SignalStatusBoard", () => {
  it("reports a change only when a stream's quality appears or changes", () => {
    const board = new SignalStatusBoard();
    expect(board.update({ readings: [reading("valid", 0)] })).toBe(true);
    expect(board.update({ readings: [reading("valid", 1)] })).toBe(false);
    expect(board.update({ readings: [reading("valid", 1, { signal: "temperature" })] })).toBe(true);
    expect(board.update({ readings: [reading("invalid", 2, { reason: "pH on 36 read 12" })] })).toBe(true);
    expect(board.update({ readings: [reading("invalid", 3, { reason: "pH on 36 read 13" })] })).toBe(false);
    expect(board.statuses()).toEqual([
      { deviceId: "soe-36", signal: "ph", tooth: 36, quality: "invalid", reason: "pH on 36 read 13" },
      { deviceId: "soe-36", signal: "temperature", tooth: 36, quality: "valid" },
    ]);
  });

  it("turns a dropout into no_data, and a returning reading ends it", () => {
    const board = new SignalStatusBoard();
    board.update({ readings: [reading("valid", 0)] });
    expect(board.update({ dropouts: [dropout] })).toBe(true);
    expect(board.update({ dropouts: [dropout] })).toBe(false);
    expect(board.statuses()[0]!.quality).toBe("no_data");
    expect(board.update({ readings: [reading("valid", 10)] })).toBe(true);
    expect(board.statuses()[0]!.quality).toBe("valid");
  });

  it.each([
    {
      name: "within the hold a valid reading keeps the fault",
      holdMs: 30_000,
      validAtS: 20,
      expected: "invalid",
    },
    { name: "after the hold a valid reading clears it", holdMs: 30_000, validAtS: 31, expected: "valid" },
    { name: "with no hold the latest quality wins", holdMs: 0, validAtS: 1, expected: "valid" },
  ])("$name", ({ holdMs, validAtS, expected }) => {
    const board = new SignalStatusBoard(holdMs);
    board.update({ readings: [reading("valid", 0), reading("invalid", 0.5, { reason: "spike" })] });
    board.update({ readings: [reading("valid", validAtS)] });
    expect(board.statuses()[0]!.quality).toBe(expected);
    expect(interlockFor(step(), board.statuses()).ok).toBe(expected === "valid");
  });

  it("keeps holding the fault through a dropout in between", () => {
    const board = new SignalStatusBoard();
    board.update({ readings: [reading("suspect", 0, { reason: "jitter" })] });
    board.update({ dropouts: [dropout] });
    board.update({ readings: [reading("valid", 10)] });
    expect(board.statuses()[0]).toMatchObject({ quality: "suspect", reason: "jitter" });
  });

  it("feeds the interlock: a flapping sensor stays blocked between faults", () => {
    const board = new SignalStatusBoard();
    const verdicts: boolean[] = [];
    for (let s = 0; s < 60; s++) {
      board.update({ readings: [reading(s % 7 === 3 ? "invalid" : "valid", s)] });
      verdicts.push(interlockFor(step(), board.statuses()).ok);
    }
    expect(verdicts.slice(0, 3)).toEqual([true, true, true]);
    expect(verdicts.slice(3).every((ok) => !ok)).toBe(true);
  });
});
