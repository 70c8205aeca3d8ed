import { describe, expect, it } from "vitest";
import { type ProcedureStep, StepKind } from "../procedure/types.ts";
import { interlockFor, type SignalStatus } from "./interlock.ts";
import type { Signal } from "./signals.ts";

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
