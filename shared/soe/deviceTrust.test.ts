import { describe, expect, it } from "vitest";
import { FaultMode, SoeSimulator } from "../../devices/simulator.ts";
import { type Alarm, AlarmKind, AlarmPriority } from "../alarms.ts";
import type { ProcedureStep } from "../procedure/types.ts";
import { AlarmEngine } from "./alarmRules.ts";
import {
  DEFAULT_TRUST_OPTIONS,
  faultRecovered,
  faultSustained,
  newFaultTrack,
  PatientTrust,
} from "./deviceTrust.ts";
import { interlockFor, type SignalStatus } from "./interlock.ts";
import type { DropoutFinding } from "./plausibility.ts";
import { type CheckedReading, type Quality, SIGNAL_SPECS, type Signal } from "./signals.ts";

const T0 = 1_700_000_000_000;

const phStep: ProcedureStep = {
  id: "s1",
  kind: "automated",
  title: "Automated fluoride varnish on 36",
  teeth: [36],
  surfaces: ["O"],
  explanation: "",
  dependsOn: ["ph"],
  expectedSeconds: 60,
};

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

function technicalAlarm(over: Partial<Alarm> = {}): Alarm {
  return {
    id: "a1",
    kind: AlarmKind.technical,
    priority: AlarmPriority.medium,
    key: "device:soe-36",
    message: "pH unreliable: sensor stuck",
    deviceId: "soe-36",
    tooth: 36,
    raisedAt: T0,
    ...over,
  };
}

describe("PatientTrust: what the interlock sees (the hold)", () => {
  it("reports a change only when a stream's quality appears or changes", () => {
    const trust = new PatientTrust();
    expect(trust.observe({ readings: [reading("valid", 0)] })).toBe(true);
    expect(trust.observe({ readings: [reading("valid", 1)] })).toBe(false);
    expect(trust.observe({ readings: [reading("valid", 1, { signal: "temperature" })] })).toBe(true);
    expect(trust.observe({ readings: [reading("invalid", 2, { reason: "read 12" })] })).toBe(true);
    expect(trust.observe({ readings: [reading("invalid", 3, { reason: "read 13" })] })).toBe(false);
    expect(trust.statuses()).toEqual([
      { deviceId: "soe-36", signal: "ph", tooth: 36, quality: "invalid", reason: "read 13" },
      { deviceId: "soe-36", signal: "temperature", tooth: 36, quality: "valid" },
    ]);
  });

  it("turns a dropout into no_data, and a returning reading ends it", () => {
    const trust = new PatientTrust();
    trust.observe({ readings: [reading("valid", 0)] });
    expect(trust.observe({ dropouts: [dropout] })).toBe(true);
    expect(trust.observe({ dropouts: [dropout] })).toBe(false);
    expect(trust.statuses()[0]!.quality).toBe("no_data");
    expect(trust.observe({ readings: [reading("valid", 10)] })).toBe(true);
    expect(trust.statuses()[0]!.quality).toBe("valid");
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
    const trust = new PatientTrust({ holdMs });
    trust.observe({ readings: [reading("valid", 0), reading("invalid", 0.5, { reason: "spike" })] });
    trust.observe({ readings: [reading("valid", validAtS)] });
    expect(trust.statuses()[0]!.quality).toBe(expected);
    expect(interlockFor(phStep, trust.statuses()).ok).toBe(expected === "valid");
  });

  it("keeps holding the fault through a dropout in between", () => {
    const trust = new PatientTrust();
    trust.observe({ readings: [reading("suspect", 0, { reason: "jitter" })] });
    trust.observe({ dropouts: [dropout] });
    trust.observe({ readings: [reading("valid", 10)] });
    expect(trust.statuses()[0]).toMatchObject({ quality: "suspect", reason: "jitter" });
  });

  it("a flapping sensor stays blocked between faults", () => {
    const trust = new PatientTrust();
    const verdicts: boolean[] = [];
    for (let s = 0; s < 60; s++) {
      trust.observe({ readings: [reading(s % 7 === 3 ? "invalid" : "valid", s)] });
      verdicts.push(interlockFor(phStep, trust.statuses()).ok);
    }
    expect(verdicts.slice(0, 3)).toEqual([true, true, true]);
    expect(verdicts.slice(3).every((ok) => !ok)).toBe(true);
  });
});

describe("PatientTrust: an unresolved technical alarm keeps its device untrusted", () => {
  const healthy = () => {
    const trust = new PatientTrust();
    trust.observe({ readings: [reading("valid", 0), reading("valid", 0, { deviceId: "soe-46" })] });
    return trust;
  };
  const qualityOf = (statuses: SignalStatus[], deviceId: string) =>
    statuses.find((s) => s.deviceId === deviceId)?.quality;

  it.each([
    { name: "active", alarm: technicalAlarm(), trusted: false },
    { name: "cleared, not acknowledged", alarm: technicalAlarm({ clearedAt: T0 + 1 }), trusted: false },
    { name: "active and acknowledged", alarm: technicalAlarm({ acknowledgedAt: T0 + 1 }), trusted: false },
    {
      name: "cleared and acknowledged",
      alarm: technicalAlarm({ clearedAt: T0 + 1, acknowledgedAt: T0 + 2 }),
      trusted: true,
    },
    {
      name: "a physiological alarm",
      alarm: technicalAlarm({ kind: AlarmKind.physiological, key: "physiological:soe-36:ph" }),
      trusted: true,
    },
  ])("$name", ({ alarm, trusted }) => {
    const statuses = healthy().statuses([alarm]);
    expect(qualityOf(statuses, "soe-36")).toBe(trusted ? "valid" : "suspect");
    expect(qualityOf(statuses, "soe-46"), "another device is not touched").toBe("valid");
    if (!trusted) expect(statuses[0]!.reason).toBe("unresolved device alarm: pH unreliable: sensor stuck");
    expect(interlockFor(phStep, statuses).ok).toBe(trusted);
  });
});

describe("PatientTrust.judge: quality of each reading", () => {
  const batch = (atS: number, value: number, firmware = "2.3.1") => ({
    deviceId: "soe-36",
    firmware,
    receivedAt: T0 + atS * 1000,
    readings: [{ signal: "ph" as const, t: T0 + atS * 1000, value, unit: "[pH]", tooth: 36 }],
  });

  it("quarantined firmware: kept, retracted and invalid", () => {
    const [r] = new PatientTrust().judge(batch(0, 7), new Set(["2.3.1"]));
    expect(r).toMatchObject({ status: "entered-in-error", quality: "invalid", rule: "quarantinedFirmware" });
  });

  it("a device that keeps resending batches is suspect for a while, then trusted again", () => {
    const trust = new PatientTrust();
    const none = new Set<string>();
    expect(trust.judge(batch(0, 7), none)[0]!.quality).toBe("valid");
    trust.noteDuplicate("soe-36", T0 + 1000);
    trust.noteDuplicate("soe-36", T0 + 2000);
    expect(trust.judge(batch(3, 7.01), none)[0]!.quality, "two resends are a reconnect").toBe("valid");
    trust.noteDuplicate("soe-36", T0 + 4000);
    const [r] = trust.judge(batch(5, 7.02), none);
    expect(r).toMatchObject({ quality: "suspect" });
    expect(r!.reason).toMatch(/resending duplicate packets/);
    const later = 4 + DEFAULT_TRUST_OPTIONS.duplicateSuspectMs / 1000 + 1;
    expect(trust.judge(batch(later, 7.02), none)[0]!.quality).toBe("valid");
  });

  it("a device fault needs enough bad readings in the window, and recovers only after valid data", () => {
    const track = newFaultTrack();
    const limits = DEFAULT_TRUST_OPTIONS;
    const bad = (s: number) =>
      faultSustained(track, { quality: "invalid", receivedAt: T0 + s * 1000 }, limits);
    expect([bad(0), bad(1), bad(2)]).toEqual([false, false, true]);
    expect(faultRecovered(track, T0 + 60_000, limits), "no valid data yet").toBe(false);
    faultSustained(track, { quality: "valid", receivedAt: T0 + 3000 }, limits);
    expect(faultRecovered(track, T0 + 20_000, limits), "too soon").toBe(false);
    expect(faultRecovered(track, T0 + 33_000, limits)).toBe(true);
    const spread = newFaultTrack();
    const outcomes = [0, 11, 22].map((s) =>
      faultSustained(spread, { quality: "invalid", receivedAt: T0 + s * 1000 }, limits),
    );
    expect(outcomes, "three faults spread beyond the window are no device fault").toEqual([
      false,
      false,
      false,
    ]);
  });
});

/**
 * Every fault mode the simulator knows, through trust and the alarm engine as the server runs
 * them: four tooth SOEs, the one on 36 goes bad at 60 s. A new FaultMode lands in this table.
 */
describe("PatientTrust against every simulated fault mode", () => {
  const TEETH = [16, 26, 36, 46];
  const FAULT_AT_S = 60;

  function run(mode: FaultMode): { faultyDistrusted: number; healthyDistrusted: string[]; before: string[] } {
    const sims = TEETH.map(
      (tooth, i) =>
        new SoeSimulator({
          seed: 700 + i,
          patientSeed: 7,
          startTime: T0,
          device: { deviceId: `soe-${tooth}`, tooth, signals: ["ph", "temperature"], firmware: "2.3.1" },
        }),
    );
    const trust = new PatientTrust();
    let now = T0;
    let ids = 0;
    const engine = new AlarmEngine({ now: () => now, newId: () => `a${++ids}` });
    const seen = new Map<string, Set<number>>();
    const quarantined = new Set<string>();
    const out = { faultyDistrusted: 0, healthyDistrusted: [] as string[], before: [] as string[] };
    for (let second = 1; second <= 180; second++) {
      now = T0 + second * 1000;
      if (second === FAULT_AT_S) sims[2]!.setFault(mode);
      for (const sim of sims) {
        for (const batch of sim.advance(now)) {
          const id = `soe-${batch.readings[0]?.tooth ?? "?"}`;
          const seqs = seen.get(id) ?? new Set<number>();
          seen.set(id, seqs);
          if (seqs.has(batch.seq)) {
            trust.noteDuplicate(id, now);
            continue;
          }
          seqs.add(batch.seq);
          const judged = trust.judge(
            { deviceId: id, firmware: batch.firmware, readings: batch.readings, receivedAt: now },
            quarantined,
          );
          for (const r of judged) engine.onReading(r, { heartRateBaseline: null });
          trust.observe({ readings: judged });
        }
      }
      const findings = trust.dropouts(now);
      engine.onDropouts(findings);
      engine.tick();
      trust.observe({ dropouts: findings });
      for (const s of trust.statuses(engine.list())) {
        if (s.quality === "valid") continue;
        const what = `${second}s ${s.deviceId} ${s.signal} ${s.quality}: ${s.reason ?? ""}`;
        if (second > 2 && second < FAULT_AT_S) out.before.push(what);
        else if (s.deviceId === "soe-36" && second >= FAULT_AT_S) out.faultyDistrusted++;
        else if (s.deviceId !== "soe-36" && second > 2) out.healthyDistrusted.push(what);
      }
    }
    return out;
  }

  it.each(Object.values(FaultMode))("%s", { timeout: 20_000 }, (mode) => {
    const o = run(mode);
    expect(o.before.slice(0, 3), "every device trusted before the fault").toEqual([]);
    expect(o.healthyDistrusted.slice(0, 3), "a healthy neighbour is never distrusted").toEqual([]);
    if (mode === FaultMode.none) expect(o.faultyDistrusted).toBe(0);
    else expect(o.faultyDistrusted, `${mode} was never distrusted`).toBeGreaterThan(0);
  });
});
