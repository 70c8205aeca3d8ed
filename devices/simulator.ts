/**
 * Seeded SOE data generator: a realistic mouth (Stephan curve after meals, slow temperature,
 * chewing and clenching, slow indices, heart rate with arousal) plus the faults a bad firmware
 * produces (DOMAIN.md). Pure: time is passed in, randomness comes from the seeds.
 */
import type { DeviceBatch } from "../shared/protocol.ts";
import { gaussian, mulberry32 } from "../shared/random.ts";
import { type Reading, SIGNAL_SPECS, Signal, type SignalSpec } from "../shared/soe/signals.ts";

/** What is wrong with a simulated device. */
export const FaultMode = {
  none: "none",
  stuckAt: "stuckAt",
  spikes: "spikes",
  dropout: "dropout",
  drift: "drift",
  noise: "noise",
  bitFlip: "bitFlip",
  clockSkew: "clockSkew",
  outOfOrder: "outOfOrder",
  duplicate: "duplicate",
  replay: "replay",
  /** A realistic mix: episodes of several faults, as a bad beta firmware produces. */
  betaUpdate: "betaUpdate",
} as const;
export type FaultMode = (typeof FaultMode)[keyof typeof FaultMode];

/** One simulated device. */
export interface SimDeviceConfig {
  deviceId: string;
  /** FDI tooth; null for the heart-rate wearable. */
  tooth: number | null;
  signals: Signal[];
  firmware: string;
}

/** Options of a simulator. Devices of one patient share patientSeed and startTime. */
export interface SimOptions {
  /** Seeds this device's own noise and faults. */
  seed: number;
  device: SimDeviceConfig;
  startTime: number;
  /**
   * Seeds what the whole mouth shares (meals, saliva pH, temperature, heart-rate baseline).
   * Devices of one patient must share it, or their teeth disagree; defaults to one common mouth.
   */
  patientSeed?: number;
}

/** Fault magnitudes and rates (our design assumptions, sized to be caught by the checker). */
export const FAULT_PROFILE = {
  spikesPerSecond: 0.4,
  bitFlipsPerSecond: 0.4,
  holdBackProbability: 0.3,
  duplicateProbability: 0.5,
  replayProbability: 0.4,
  replayAgeMs: [20_000, 60_000],
  skewMinutes: [6, 15],
  betaEpisodeMs: [20_000, 60_000],
  betaQuietMs: [10_000, 40_000],
  spike: { ph: 2, temperature: 4, biteForce: 700, plaque: 0.6, inflammation: 0.6, heartRate: 45 },
  driftPerSecond: {
    ph: 0.01,
    temperature: 0.02,
    biteForce: 0.5,
    plaque: 0.002,
    inflammation: 0.002,
    heartRate: 0.2,
  },
  noiseSd: { ph: 0.2, temperature: 0.4, biteForce: 60, plaque: 0.02, inflammation: 0.02, heartRate: 6 },
} as const;

const BETA_EPISODES: readonly FaultMode[] = [
  FaultMode.spikes,
  FaultMode.stuckAt,
  FaultMode.bitFlip,
  FaultMode.dropout,
  FaultMode.outOfOrder,
  FaultMode.noise,
];

const MIN = 60_000;
const DEFAULT_PATIENT_SEED = 0x50e;
const TAU = 2 * Math.PI;

/** Flips one exponent bit (0..10) of a float64, as a corrupted register or packet would. */
export function flipExponentBit(value: number, bit: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  view.setUint32(0, view.getUint32(0) ^ (1 << (20 + (bit % 11))));
  return view.getFloat64(0);
}

/** Deterministic uniform [0, 1) from a seed and an index (murmur3 finaliser). */
function hashUnit(seed: number, k: number): number {
  let h = (seed ^ Math.imul(k | 0, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function smoothstep(x: number): number {
  const c = clamp(x, 0, 1);
  return c * c * (3 - 2 * c);
}

interface Meal {
  start: number;
  /** How far pH falls below baseline at the bottom of the Stephan curve. */
  depth: number;
  chewMs: number;
}

/** What every sensor in one mouth shares: a pure function of time. */
class Mouth {
  readonly phBase: number;
  readonly tempBase: number;
  readonly hrBase: number;
  private readonly phases: number[];
  private readonly meals: Meal[] = [];
  private readonly seed: number;

  constructor(seed: number, startTime: number) {
    const r = mulberry32(seed);
    this.seed = (r() * 4294967296) >>> 0;
    this.phBase = clamp(gaussian(r, 7.2, 0.2), 6.8, 7.6);
    this.tempBase = clamp(gaussian(r, 34.5, 0.3), 33.9, 35.1);
    this.hrBase = 62 + r() * 20;
    this.phases = [r(), r(), r(), r()].map((x) => x * TAU);
    let start = startTime + (2 + r() * 13) * MIN;
    for (let i = 0; i < 16; i++) {
      this.meals.push({ start, depth: this.phBase - (5.3 + r() * 0.5), chewMs: (3 + r() * 3) * MIN });
      start += (60 + r() * 120) * MIN;
    }
  }

  /** Saliva pH: baseline, slow wander, and a Stephan curve after each meal (bottom at ~6 min). */
  ph(t: number, depthFactor: number): number {
    let dip = 0;
    for (const m of this.meals) {
      if (m.start > t) break;
      const x = (t - m.start) / (6 * MIN);
      dip += m.depth * x * Math.exp(1 - x);
    }
    return this.phBase + 0.05 * Math.sin((TAU * t) / (11 * MIN) + this.phases[0]!) - dip * depthFactor;
  }

  /** Mouth temperature: slow wander, cooled a little while eating (sensor lag of a minute). */
  temperature(t: number): number {
    let cooling = 0;
    for (const m of this.meals) {
      if (m.start > t) break;
      const tau = t - m.start;
      const peak = 1 - Math.exp(-Math.min(tau, m.chewMs) / MIN);
      cooling += 0.4 * (tau < m.chewMs ? peak : peak * Math.exp(-(tau - m.chewMs) / (1.5 * MIN)));
    }
    const wander =
      0.2 * Math.sin((TAU * t) / (13 * MIN) + this.phases[1]!) +
      0.1 * Math.sin((TAU * t) / (4.7 * MIN) + this.phases[2]!);
    return this.tempBase + wander - cooling;
  }

  /** Jaw load in N before the per-tooth share: chewing during meals, else occasional clenches. */
  jaw(t: number): number {
    for (let i = 0; i < this.meals.length; i++) {
      const m = this.meals[i]!;
      if (m.start > t) break;
      const tau = t - m.start;
      if (tau >= m.chewMs) continue;
      // Chewing: one raised-cosine bite of 0.35 s every 0.8 s, 150-450 N.
      const cycle = Math.floor(tau / 800);
      const u = (tau - cycle * 800) / 350;
      return u < 1
        ? (150 + 300 * hashUnit(this.seed, i * 1_000_003 + cycle)) * Math.sin(Math.PI * u) ** 2
        : 0;
    }
    // Clench: about every 8 min, 2-5 s at 200-600 N with half-second ramps.
    const slotMs = 4 * MIN;
    const slot = Math.floor(t / slotMs);
    if (hashUnit(this.seed ^ 0x5bd1e995, slot) >= 0.5) return 0;
    const from = slot * slotMs + hashUnit(this.seed ^ 0x27d4eb2f, slot) * 3 * MIN;
    const len = 2000 + 3000 * hashUnit(this.seed ^ 0x165667b1, slot);
    const amp = 200 + 400 * hashUnit(this.seed ^ 0x1b873593, slot);
    return amp * smoothstep((t - from) / 500) * smoothstep((from + len - t) / 500);
  }

  /** Slow heart-rate wander shared by the session (breathing, posture). */
  hrWander(t: number): number {
    return 3 * Math.sin((TAU * t) / (7 * MIN) + this.phases[3]!);
  }
}

interface Track {
  signal: Signal;
  spec: SignalSpec;
  periodMs: number;
  next: number;
  /** Clean physiology and sensor noise; never touched by faults, so a faulty twin stays comparable. */
  rand: () => number;
  faultRand: () => number;
  ar: number;
  arousalBpm: number;
  lastValue: number | null;
  stuck: number | null;
}

interface Episode {
  from: number;
  to: number;
  mode: FaultMode;
}

/** One simulated SOE (or the heart-rate wearable). */
export class SoeSimulator {
  private readonly device: SimDeviceConfig;
  private readonly start: number;
  private readonly mouth: Mouth;
  private readonly tracks: Track[];
  private readonly batchRand: () => number;
  /** Beta-update episodes have their own stream, so looking one up never shifts other randomness. */
  private readonly episodeRand: () => number;
  private readonly own: {
    phOffset: number;
    depth: number;
    tempOffset: number;
    bite: number;
    plaque: number;
    inflammation: number;
    phase: number;
  };
  private mode: FaultMode = FaultMode.none;
  private faultSince = 0;
  private skewMs = 0;
  private episodes: Episode[] = [];
  private arousal = 0;
  private lastNow: number;
  private seq = 0;
  private fw: string;
  private heldBack: Reading[] = [];
  private history: { at: number; readings: Reading[] }[] = [];

  constructor(opts: SimOptions) {
    this.device = { ...opts.device, signals: [...opts.device.signals] };
    this.start = opts.startTime;
    this.lastNow = opts.startTime;
    this.fw = opts.device.firmware;
    this.mouth = new Mouth(opts.patientSeed ?? DEFAULT_PATIENT_SEED, opts.startTime);
    const seed = opts.seed >>> 0;
    const r = mulberry32(seed);
    this.own = {
      phOffset: clamp(gaussian(r, 0, 0.05), -0.15, 0.15),
      depth: 0.92 + r() * 0.13,
      tempOffset: clamp(gaussian(r, 0, 0.12), -0.3, 0.3),
      bite: 0.6 + r() * 0.4,
      plaque: 0.2 + r() * 1.0,
      inflammation: 0.1 + r() * 1.1,
      phase: r() * TAU,
    };
    const stream = (k: number) => mulberry32((hashUnit(seed, k) * 4294967296) >>> 0);
    this.batchRand = stream(999);
    this.episodeRand = stream(777);
    this.tracks = this.device.signals.map((signal, i) => {
      const spec = SIGNAL_SPECS[signal];
      const periodMs = 1000 / spec.sampleHz;
      return {
        signal,
        spec,
        periodMs,
        next: opts.startTime + periodMs,
        rand: stream(1 + i),
        faultRand: stream(101 + i),
        ar: 0,
        arousalBpm: 0,
        lastValue: null,
        stuck: null,
      };
    });
  }

  /** Firmware version the device reports. */
  get firmware(): string {
    return this.fw;
  }

  /** Starts (or ends, with none) a fault from the last advance on; optionally reports a new firmware. */
  setFault(mode: FaultMode, firmware?: string): void {
    this.mode = mode;
    this.faultSince = this.lastNow;
    this.episodes = [];
    const sign = this.batchRand() < 0.5 ? -1 : 1;
    const [lo, hi] = FAULT_PROFILE.skewMinutes;
    this.skewMs = sign * (lo + this.batchRand() * (hi - lo)) * MIN;
    if (firmware !== undefined) this.fw = firmware;
  }

  /** Anxiety level 0..1: heart rate rises smoothly by up to 30 bpm. */
  setArousal(level: number): void {
    this.arousal = clamp(Number.isFinite(level) ? level : 0, 0, 1);
  }

  /** The fault acting at device time t (resolves betaUpdate to its current episode). */
  faultAt(t: number): FaultMode {
    if (this.mode !== FaultMode.betaUpdate) return this.mode;
    let last = this.episodes.at(-1);
    while (last === undefined || last.to <= t) {
      const from = last?.to ?? this.faultSince;
      const active = last === undefined || last.mode === FaultMode.none;
      const [lo, hi] = active ? FAULT_PROFILE.betaEpisodeMs : FAULT_PROFILE.betaQuietMs;
      const mode = active
        ? BETA_EPISODES[Math.floor(this.episodeRand() * BETA_EPISODES.length)]!
        : FaultMode.none;
      last = { from, to: from + lo + this.episodeRand() * (hi - lo), mode };
      this.episodes.push(last);
    }
    for (let i = this.episodes.length - 1; i >= 0; i--) {
      const e = this.episodes[i]!;
      if (e.from <= t) return e.mode;
    }
    return FaultMode.none;
  }

  /** Batches for the time since the previous call (usually one; none while dropped out). */
  advance(now: number): DeviceBatch[] {
    if (now <= this.lastNow) return [];
    const fresh: Reading[] = [];
    for (const track of this.tracks) {
      while (track.next <= now) {
        fresh.push(this.sample(track, track.next));
        track.next += track.periodMs;
      }
    }
    this.lastNow = now;
    fresh.sort((a, b) => a.t - b.t);
    const mode = this.faultAt(now);
    switch (mode) {
      case FaultMode.dropout:
        return [];
      case FaultMode.outOfOrder: {
        const late = this.heldBack;
        this.heldBack = [];
        const sent: Reading[] = [];
        for (const r of fresh) {
          (this.batchRand() < FAULT_PROFILE.holdBackProbability ? this.heldBack : sent).push(r);
        }
        return this.emit([...sent, ...late], now);
      }
      case FaultMode.duplicate: {
        const out = this.emit(fresh, now);
        const first = out[0];
        if (first !== undefined && this.batchRand() < FAULT_PROFILE.duplicateProbability) {
          out.push({ ...first, readings: first.readings.map((r) => ({ ...r })) });
        }
        return out;
      }
      case FaultMode.replay: {
        const out = this.emit(fresh, now);
        const [minAge, maxAge] = FAULT_PROFILE.replayAgeMs;
        const old = this.history.find((h) => now - h.at >= minAge && now - h.at <= maxAge);
        if (old !== undefined && this.batchRand() < FAULT_PROFILE.replayProbability) {
          out.push({ seq: ++this.seq, firmware: this.fw, readings: old.readings.map((r) => ({ ...r })) });
        }
        return out;
      }
      case FaultMode.none:
      case FaultMode.stuckAt:
      case FaultMode.spikes:
      case FaultMode.drift:
      case FaultMode.noise:
      case FaultMode.bitFlip:
      case FaultMode.clockSkew:
      case FaultMode.betaUpdate: {
        // Readings held back by an earlier out-of-order episode still arrive, late.
        const late = this.heldBack;
        this.heldBack = [];
        return this.emit([...fresh, ...late], now);
      }
      default:
        return assertNever(mode);
    }
  }

  private emit(readings: Reading[], now: number): DeviceBatch[] {
    if (readings.length === 0) return [];
    this.history.push({ at: now, readings });
    while (this.history.length > 0 && now - this.history[0]!.at > FAULT_PROFILE.replayAgeMs[1])
      this.history.shift();
    // Readings are fresh objects from sample(); replays and duplicates send copies.
    return [{ seq: ++this.seq, firmware: this.fw, readings }];
  }

  private sample(track: Track, t: number): Reading {
    const spec = track.spec;
    let v = this.clean(track, t);
    const mode = this.faultAt(t);
    if (mode !== FaultMode.stuckAt) track.stuck = null;
    switch (mode) {
      case FaultMode.stuckAt:
        track.stuck ??= track.lastValue ?? v;
        v = track.stuck;
        break;
      case FaultMode.spikes:
        if (track.faultRand() < FAULT_PROFILE.spikesPerSecond / spec.sampleHz) {
          const sign = track.signal === Signal.biteForce || track.faultRand() < 0.5 ? 1 : -1;
          v += sign * FAULT_PROFILE.spike[track.signal] * (1 + 0.5 * track.faultRand());
        }
        break;
      case FaultMode.drift:
        v += (FAULT_PROFILE.driftPerSecond[track.signal] * (t - this.faultSince)) / 1000;
        break;
      case FaultMode.noise:
        v += gaussian(track.faultRand, 0, FAULT_PROFILE.noiseSd[track.signal]);
        break;
      case FaultMode.bitFlip:
        if (track.faultRand() < FAULT_PROFILE.bitFlipsPerSecond / spec.sampleHz) {
          v = flipExponentBit(v, Math.floor(track.faultRand() * 11));
        }
        break;
      case FaultMode.none:
      case FaultMode.dropout:
      case FaultMode.clockSkew:
      case FaultMode.outOfOrder:
      case FaultMode.duplicate:
      case FaultMode.replay:
      case FaultMode.betaUpdate:
        break;
      default:
        assertNever(mode);
    }
    track.lastValue = v;
    const reading: Reading = {
      signal: track.signal,
      t: mode === FaultMode.clockSkew ? t + this.skewMs : t,
      value: v,
      unit: spec.unit,
    };
    if (this.device.tooth !== null) reading.tooth = this.device.tooth;
    return reading;
  }

  /** The healthy value of a signal at time t, with sensor noise. */
  private clean(track: Track, t: number): number {
    const own = this.own;
    const r = track.rand;
    switch (track.signal) {
      case Signal.ph:
        return this.mouth.ph(t, own.depth) + own.phOffset + gaussian(r, 0, 0.015);
      case Signal.temperature:
        return this.mouth.temperature(t) + own.tempOffset + gaussian(r, 0, 0.04);
      case Signal.biteForce:
        return Math.max(0, own.bite * this.mouth.jaw(t) + gaussian(r, 0, 1.5));
      case Signal.plaque:
        return clamp(own.plaque + (2e-5 * (t - this.start)) / 1000 + gaussian(r, 0, 0.0005), 0, 3);
      case Signal.inflammation:
        return clamp(
          own.inflammation + 0.03 * Math.sin((TAU * t) / (30 * MIN) + own.phase) + gaussian(r, 0, 0.0005),
          0,
          3,
        );
      case Signal.heartRate: {
        // AR(1) beat-to-beat variability, breathing (10/min), slow wander, arousal with a 20 s lag.
        track.ar = 0.95 * track.ar + gaussian(r, 0, 0.8);
        track.arousalBpm += (this.arousal * 30 - track.arousalBpm) * (1 - Math.exp(-track.periodMs / 20_000));
        const breathing = 1.5 * Math.sin((TAU * t) / 6000 + own.phase);
        return this.mouth.hrBase + this.mouth.hrWander(t) + track.ar + breathing + track.arousalBpm;
      }
      default:
        return assertNever(track.signal);
    }
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected value ${String(x)}`);
}
