import { describe, expect, it } from "vitest";
import type { DeviceBatch } from "../shared/protocol.ts";
import { type Reading, SIGNAL_SPECS, type Signal } from "../shared/soe/signals.ts";
import {
  FAULT_PROFILE,
  FaultMode,
  flipExponentBit,
  type SimDeviceConfig,
  SoeSimulator,
} from "./simulator.ts";

const T0 = 1_700_000_000_000;
const TOOTH_SIGNALS: Signal[] = ["ph", "temperature", "biteForce", "plaque", "inflammation"];
const SLOW_SIGNALS: Signal[] = ["ph", "temperature", "plaque", "inflammation"];

function device(over: Partial<SimDeviceConfig> = {}): SimDeviceConfig {
  return { deviceId: "soe-36", tooth: 36, signals: TOOTH_SIGNALS, firmware: "2.3.1", ...over };
}

function sim(seed = 7, over: Partial<SimDeviceConfig> = {}): SoeSimulator {
  return new SoeSimulator({ seed, patientSeed: 1, device: device(over), startTime: T0 });
}

/** Advances once a second for `seconds` (from `fromS`), collecting the batches. */
function run(s: SoeSimulator, seconds: number, fromS = 0): DeviceBatch[] {
  const out: DeviceBatch[] = [];
  for (let i = 1; i <= seconds; i++) out.push(...s.advance(T0 + (fromS + i) * 1000));
  return out;
}

function readings(batches: DeviceBatch[], signal?: Signal): Reading[] {
  return batches.flatMap((b) => b.readings).filter((r) => signal === undefined || r.signal === signal);
}

describe("SoeSimulator: determinism and rates", () => {
  it("is reproducible from its seed and differs between seeds", () => {
    expect(run(sim(7), 30)).toEqual(run(sim(7), 30));
    expect(readings(run(sim(8), 30), "ph")).not.toEqual(readings(run(sim(7), 30), "ph"));
  });

  it("produces the same healthy values whether advanced every second or once", () => {
    const fine = readings(run(sim(), 60));
    const coarse = readings(sim().advance(T0 + 60_000));
    const key = (r: Reading) => `${r.signal}@${r.t}`;
    expect(new Map(coarse.map((r) => [key(r), r.value]))).toEqual(
      new Map(fine.map((r) => [key(r), r.value])),
    );
  });

  it("samples bite force at 50 Hz and the rest at 1 Hz, with per-device seq and firmware", () => {
    const batches = run(sim(), 10);
    expect(batches.map((b) => b.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(batches.every((b) => b.firmware === "2.3.1")).toBe(true);
    for (const signal of TOOTH_SIGNALS) {
      const rs = readings(batches, signal);
      expect(rs.length, signal).toBe(10 * SIGNAL_SPECS[signal].sampleHz);
      expect(rs.every((r) => r.unit === SIGNAL_SPECS[signal].unit && r.tooth === 36)).toBe(true);
      expect(rs.every((r, i) => i === 0 || r.t > rs[i - 1]!.t)).toBe(true);
    }
    // Every reading of a batch lies in the time since the previous call.
    batches.forEach((b, i) => {
      expect(b.readings.every((r) => r.t > T0 + i * 1000 && r.t <= T0 + (i + 1) * 1000)).toBe(true);
    });
  });

  it("sends nothing for a call that does not move time forward, and no tooth for the wearable", () => {
    const s = sim(3, { deviceId: "hr", tooth: null, signals: ["heartRate"] });
    expect(s.advance(T0)).toEqual([]);
    const [batch] = s.advance(T0 + 3000);
    expect(batch!.readings).toHaveLength(3);
    expect(batch!.readings.every((r) => r.tooth === undefined && r.signal === "heartRate")).toBe(true);
    expect(s.advance(T0 + 2000)).toEqual([]);
  });
});

describe("SoeSimulator: realistic healthy data over 45 minutes", () => {
  const seed = 11;
  const s = new SoeSimulator({ seed, patientSeed: 4, device: device(), startTime: T0 });
  const hrSim = new SoeSimulator({
    seed: seed + 1,
    patientSeed: 4,
    device: device({ deviceId: "hr", tooth: null, signals: ["heartRate"] }),
    startTime: T0,
  });
  const batches = run(s, 45 * 60);
  const hr = readings(run(hrSim, 45 * 60)).map((r) => r.value);
  const values = (signal: Signal) => readings(batches, signal).map((r) => r.value);
  const min = (xs: number[]) => xs.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);

  it("pH rests near 7.2 and dips towards 5.5 after a meal, then recovers", () => {
    const ph = values("ph");
    expect(Math.abs(ph[0]! - 7.2), `seed ${seed}`).toBeLessThan(0.6);
    expect(min(ph), `seed ${seed}`).toBeGreaterThan(5);
    expect(min(ph), `seed ${seed}`).toBeLessThan(6);
    expect(max(ph)).toBeLessThan(8);
    const bottom = ph.indexOf(min(ph));
    expect(ph.at(-1)! - min(ph), `seed ${seed}: recovers`).toBeGreaterThan(0.8);
    expect(bottom).toBeLessThan(ph.length - 600);
  });

  it("temperature stays near 34.5 C and moves slowly", () => {
    const temp = values("temperature");
    expect(min(temp)).toBeGreaterThan(33.3);
    expect(max(temp)).toBeLessThan(35.8);
    const steps = temp.slice(1).map((v, i) => Math.abs(v - temp[i]!));
    expect(max(steps)).toBeLessThan(0.3);
  });

  it("bite force is ~0 at rest with chewing bursts of hundreds of N", () => {
    const bite = values("biteForce");
    expect(min(bite)).toBe(0);
    expect(bite.filter((v) => v <= 5).length / bite.length).toBeGreaterThan(0.8);
    expect(max(bite)).toBeGreaterThan(100);
    expect(max(bite)).toBeLessThan(850);
  });

  it("plaque and inflammation are slow scores in 0..3", () => {
    for (const signal of ["plaque", "inflammation"] as const) {
      const xs = values(signal);
      expect(min(xs)).toBeGreaterThanOrEqual(0);
      expect(max(xs)).toBeLessThanOrEqual(3);
      expect(max(xs) - min(xs), signal).toBeLessThan(0.2);
    }
  });

  it("heart rate stays in 55-110 /min with beat-to-beat variability", () => {
    expect(min(hr)).toBeGreaterThan(50);
    expect(max(hr)).toBeLessThan(110);
    const steps = hr.slice(1).map((v, i) => Math.abs(v - hr[i]!));
    expect(max(steps)).toBeGreaterThan(1);
    expect(max(steps)).toBeLessThan(SIGNAL_SPECS.heartRate.maxRatePerSecond);
  });

  it("arousal raises heart rate smoothly by up to 30 bpm", () => {
    const calm = sim(5, { deviceId: "hr", tooth: null, signals: ["heartRate"] });
    const aroused = sim(5, { deviceId: "hr", tooth: null, signals: ["heartRate"] });
    aroused.setArousal(1);
    const a = readings(run(aroused, 180)).map((r) => r.value);
    const c = readings(run(calm, 180)).map((r) => r.value);
    const diff = a.map((v, i) => v - c[i]!);
    expect(diff[0]).toBeLessThan(2);
    expect(diff.at(-1)).toBeGreaterThan(28);
    expect(diff.at(-1)).toBeLessThanOrEqual(30);
    expect(max(diff.slice(1).map((d, i) => d - diff[i]!))).toBeLessThan(2);
  });
});

/** A faulty device and its healthy twin (same seed): the difference is the fault itself. */
function twins(mode: FaultMode, seconds = 120, firmware?: string) {
  const healthy = sim(21);
  const faulty = sim(21);
  const before = run(faulty, 30);
  run(healthy, 30);
  faulty.setFault(mode, firmware);
  return { before, faulty: run(faulty, seconds, 30), healthy: run(healthy, seconds, 30), sim: faulty };
}

function paired(f: DeviceBatch[], h: DeviceBatch[], signal: Signal): { fault: Reading; clean: Reading }[] {
  const clean = new Map(readings(h, signal).map((r) => [r.t, r]));
  return readings(f, signal).flatMap((r) => {
    const c = clean.get(r.t);
    return c ? [{ fault: r, clean: c }] : [];
  });
}

describe("SoeSimulator: each fault mode produces its fault", () => {
  it("none: identical to the healthy twin", () => {
    const t = twins(FaultMode.none);
    expect(t.faulty).toEqual(t.healthy);
  });

  it("stuckAt: every signal freezes at its last value", () => {
    const t = twins(FaultMode.stuckAt);
    for (const signal of SLOW_SIGNALS) {
      const vs = readings(t.faulty, signal).map((r) => r.value);
      expect(new Set(vs).size, signal).toBe(1);
      expect(vs[0]).toBe(readings(t.before, signal).at(-1)!.value);
    }
  });

  it("spikes: isolated jumps far beyond the sensor's rate", () => {
    const t = twins(FaultMode.spikes);
    for (const signal of TOOTH_SIGNALS) {
      const { maxRatePerSecond, sampleHz } = SIGNAL_SPECS[signal];
      const jumps = paired(t.faulty, t.healthy, signal).filter(
        ({ fault, clean }) => Math.abs(fault.value - clean.value) > maxRatePerSecond / sampleHz,
      );
      const perSecond = jumps.length / 120;
      expect(perSecond, signal).toBeGreaterThan(FAULT_PROFILE.spikesPerSecond * 0.5);
      expect(perSecond, signal).toBeLessThan(FAULT_PROFILE.spikesPerSecond * 1.5);
    }
  });

  it("dropout: no batches at all, and data resumes on time (gaps never filled)", () => {
    const t = twins(FaultMode.dropout, 20);
    expect(t.faulty).toEqual([]);
    t.sim.setFault(FaultMode.none);
    const after = t.sim.advance(T0 + 51_000);
    expect(after).toHaveLength(1);
    const ph = readings(after, "ph");
    expect(ph.map((r) => r.t)).toEqual([T0 + 51_000]);
    expect(after[0]!.seq).toBe(31);
  });

  it("drift: a bias that grows steadily with time", () => {
    const t = twins(FaultMode.drift);
    for (const signal of SLOW_SIGNALS) {
      const p = paired(t.faulty, t.healthy, signal);
      const last = p.at(-1)!;
      const bias = last.fault.value - last.clean.value;
      expect(bias, signal).toBeCloseTo(
        (FAULT_PROFILE.driftPerSecond[signal] * (last.fault.t - (T0 + 30_000))) / 1000,
        6,
      );
    }
  });

  it("noise: added scatter of the profile's size", () => {
    const t = twins(FaultMode.noise, 300);
    const diffs = paired(t.faulty, t.healthy, "ph").map(({ fault, clean }) => fault.value - clean.value);
    const sd = Math.sqrt(diffs.reduce((a, d) => a + d * d, 0) / diffs.length);
    expect(sd).toBeGreaterThan(FAULT_PROFILE.noiseSd.ph * 0.8);
    expect(sd).toBeLessThan(FAULT_PROFILE.noiseSd.ph * 1.2);
  });

  it("bitFlip: some values are off by a power of two of the exponent", () => {
    const t = twins(FaultMode.bitFlip);
    const flipped = paired(t.faulty, t.healthy, "ph").filter(
      ({ fault, clean }) => fault.value !== clean.value,
    );
    expect(flipped.length).toBeGreaterThan(20);
    for (const { fault, clean } of flipped) {
      const ratio = Math.log2(fault.value / clean.value);
      expect(Number.isInteger(ratio) && ratio !== 0, `${clean.value} -> ${fault.value}`).toBe(true);
    }
  });

  it("clockSkew: every time stamp jumps by 6-15 minutes", () => {
    const t = twins(FaultMode.clockSkew);
    const cleanT = readings(t.healthy).map((r) => r.t);
    const skews = new Set(readings(t.faulty).map((r, i) => r.t - cleanT[i]!));
    expect(skews.size).toBe(1);
    const skew = Math.abs([...skews][0]!);
    expect(skew).toBeGreaterThanOrEqual(6 * 60_000);
    expect(skew).toBeLessThanOrEqual(15 * 60_000);
  });

  it("outOfOrder: some samples arrive after later ones", () => {
    const t = twins(FaultMode.outOfOrder);
    const ph = readings(t.faulty, "ph");
    const backwards = ph.filter((r, i) => i > 0 && r.t < ph[i - 1]!.t);
    expect(backwards.length).toBeGreaterThan(10);
    expect(new Set(ph.map((r) => r.t)).size).toBeGreaterThan(110);
  });

  it("duplicate: the same batch (same seq) is sent twice", () => {
    const t = twins(FaultMode.duplicate);
    const twice = t.faulty.filter((b, i) => i > 0 && b.seq === t.faulty[i - 1]!.seq);
    expect(twice.length).toBeGreaterThan(30);
    for (const b of twice) expect(b).toEqual(t.faulty[t.faulty.indexOf(b) - 1]);
  });

  it("replay: old readings re-sent under a new seq", () => {
    const t = twins(FaultMode.replay);
    const seqs = t.faulty.map((b) => b.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    let newest = 0;
    let replays = 0;
    for (const b of t.faulty) {
      const maxT = Math.max(...b.readings.map((r) => r.t));
      if (maxT < newest - 15_000) {
        replays++;
        expect(newest - maxT).toBeLessThanOrEqual(61_000);
      }
      newest = Math.max(newest, maxT);
    }
    expect(replays).toBeGreaterThan(10);
  });

  it("betaUpdate: reports the beta firmware and mixes several fault episodes", () => {
    const t = twins(FaultMode.betaUpdate, 600, "2.4.0-beta.1");
    expect(t.sim.firmware).toBe("2.4.0-beta.1");
    expect(t.faulty.every((b) => b.firmware === "2.4.0-beta.1")).toBe(true);
    const modes = new Set(Array.from({ length: 600 }, (_, i) => t.sim.faultAt(T0 + (31 + i) * 1000)));
    expect(modes.has(FaultMode.none)).toBe(true);
    expect(modes.has(FaultMode.betaUpdate)).toBe(false);
    expect(modes.size).toBeGreaterThanOrEqual(4);
    expect(readings(t.faulty, "ph")).not.toEqual(readings(t.healthy, "ph"));
  });
});

describe("flipExponentBit", () => {
  it.each([
    { value: 7.2, bit: 0, expected: 3.6 },
    { value: 7.2, bit: 1, expected: 28.8 },
    { value: 34.5, bit: 0, expected: 69 },
    { value: 34.5, bit: 2, expected: 2.15625 },
    { value: 0, bit: 10, expected: 2 },
  ])("flips bit $bit of $value", ({ value, bit, expected }) => {
    expect(flipExponentBit(value, bit)).toBe(expected);
    expect(flipExponentBit(flipExponentBit(value, bit), bit)).toBe(value);
  });
});
