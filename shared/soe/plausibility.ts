/**
 * Per-patient plausibility checks for SOE readings (DOMAIN.md, "Faulty data and fail-safe
 * behaviour"). Pure: no clock, no I/O; every reading carries its own receive time.
 */

import { formatChange, readableNumber, sensorRange } from "../numberFormat.ts";
import { Quality, type Reading, SIGNAL_SPECS, Signal, type SignalSpec } from "./signals.ts";

/** Which check judged a reading not valid. */
export const PlausibilityRule = {
  range: "range",
  unit: "unit",
  rateOfChange: "rateOfChange",
  stuckAt: "stuckAt",
  dropout: "dropout",
  crossSensor: "crossSensor",
  outOfOrder: "outOfOrder",
  futureTimestamp: "futureTimestamp",
  staleTimestamp: "staleTimestamp",
  quarantinedFirmware: "quarantinedFirmware",
  noise: "noise",
} as const;
export type PlausibilityRule = (typeof PlausibilityRule)[keyof typeof PlausibilityRule];

/** Thresholds of the checker; defaults in DEFAULT_PLAUSIBILITY_OPTIONS. */
export interface PlausibilityOptions {
  /** Exactly repeated values for this long (in samples at the signal's rate) mean a stuck sensor. */
  stuckAtSeconds: number;
  /** Bite force at or below this (N) is a resting jaw, where repeated values are normal. */
  biteRestN: number;
  /** A device time stamp this far ahead of the server's receive time is a wrong clock. */
  futureToleranceMs: number;
  /** A device time stamp this far behind the server's receive time is a wrong clock. */
  pastToleranceMs: number;
  /** A stream is a dropout after this many missing sample periods... */
  dropoutPeriods: number;
  /** ...but never sooner than this (batches arrive about once a second). */
  dropoutMinMs: number;
  /** Largest distance from the median of the other teeth, per signal that saliva makes shared. */
  crossSensorLimits: Readonly<Partial<Record<Signal, number>>>;
  /** Other teeth count only with a valid value received this recently. */
  crossSensorRecentMs: number;
  /** Other teeth needed before a tooth is compared with them. */
  crossSensorMinOthers: number;
  /** Samples in the noise window. */
  noiseWindow: number;
  /** Largest RMS of second differences in the window: jitter beyond what physiology produces. */
  noiseLimits: Readonly<Record<Signal, number>>;
}

/** Defaults, tuned so healthy simulated data never trips a rule (see faultCorpus.test.ts). */
export const DEFAULT_PLAUSIBILITY_OPTIONS: PlausibilityOptions = {
  stuckAtSeconds: 15,
  biteRestN: 5,
  futureToleranceMs: 2_000,
  pastToleranceMs: 5 * 60_000,
  dropoutPeriods: 5,
  dropoutMinMs: 5_000,
  crossSensorLimits: { ph: 1.2, temperature: 1.5 },
  crossSensorRecentMs: 10_000,
  crossSensorMinOthers: 2,
  noiseWindow: 10,
  noiseLimits: {
    ph: 0.15,
    temperature: 0.35,
    biteForce: 100,
    plaque: 0.005,
    inflammation: 0.005,
    heartRate: 5,
  },
};

/** What the checker says about one reading. */
export interface PlausibilityVerdict {
  quality: Quality;
  /** Plain words for a clinician, when not valid. */
  reason?: string;
  rule?: PlausibilityRule;
}

/** One reading as the server received it. */
export interface PlausibilityInput {
  deviceId: string;
  firmware: string;
  reading: Reading;
  /** Server receive time, epoch ms. */
  receivedAt: number;
}

/** A device+signal that has sent nothing for too long. */
export interface DropoutFinding {
  deviceId: string;
  signal: Signal;
  tooth: number | null;
  missingSamples: number;
  /** Server time of the last sample received. */
  lastAt: number;
}

interface Stream {
  deviceId: string;
  signal: Signal;
  tooth: number | null;
  spec: SignalSpec;
  stuckSamples: number;
  dropoutMs: number;
  lastReceivedAt: number;
  /** Newest device time stamp that passed the clock checks. */
  lastT: number | null;
  /** Rate-of-change baseline: the last reading that was not invalid. */
  base: { t: number; value: number } | null;
  runValue: number;
  runCount: number;
  /** Recent values that were not invalid, oldest first. */
  window: number[];
  windowLastT: number;
}

/** Checks one patient's readings; keep one instance per patient. */
export class PlausibilityChecker {
  private readonly opts: PlausibilityOptions;
  /** Per device, per signal. */
  private readonly streams = new Map<string, Map<Signal, Stream>>();
  /** Latest valid value per device, per cross-checked signal. */
  private readonly shared = new Map<Signal, Map<string, { value: number; receivedAt: number }>>();

  constructor(opts?: Partial<PlausibilityOptions>) {
    this.opts = { ...DEFAULT_PLAUSIBILITY_OPTIONS, ...opts };
  }

  /** Judges one reading and updates the baselines later checks rely on. */
  check(input: PlausibilityInput, quarantined: ReadonlySet<string>): PlausibilityVerdict {
    const { deviceId, firmware, reading, receivedAt } = input;
    const s = this.stream(deviceId, reading);
    const spec = s.spec;
    if (receivedAt > s.lastReceivedAt) s.lastReceivedAt = receivedAt;

    if (quarantined.has(firmware)) {
      return invalid(PlausibilityRule.quarantinedFirmware, `firmware ${firmware} is quarantined`);
    }
    if (reading.unit !== spec.unit) {
      return invalid(
        PlausibilityRule.unit,
        `${subject(reading, deviceId)} came in ${reading.unit}, expected ${spec.unit}`,
      );
    }
    const ahead = reading.t - receivedAt;
    if (!Number.isFinite(reading.t) || ahead > this.opts.futureToleranceMs) {
      return invalid(
        PlausibilityRule.futureTimestamp,
        `${subject(reading, deviceId)} is time-stamped ${duration(ahead)} ahead of the server: the device clock is wrong`,
      );
    }
    if (-ahead > this.opts.pastToleranceMs) {
      return invalid(
        PlausibilityRule.staleTimestamp,
        `${subject(reading, deviceId)} is time-stamped ${duration(-ahead)} in the past: the device clock is wrong`,
      );
    }
    if (s.lastT !== null && reading.t <= s.lastT) {
      return reading.t === s.lastT
        ? invalid(
            PlausibilityRule.outOfOrder,
            `${subject(reading, deviceId)} repeated a time stamp: duplicate sample`,
          )
        : invalid(
            PlausibilityRule.outOfOrder,
            `${subject(reading, deviceId)} arrived ${duration(s.lastT - reading.t)} older than a sample already received: out of order or replayed`,
          );
    }
    s.lastT = reading.t;

    const value = reading.value;
    if (!(value >= spec.min && value <= spec.max)) {
      return invalid(
        PlausibilityRule.range,
        `${subject(reading, deviceId)} read a value out of sensor range (${sensorRange(reading.signal)})`,
      );
    }
    // The stuck run counts every in-range sample, whatever the rate check says about it.
    if (value === s.runValue) s.runCount++;
    else {
      s.runValue = value;
      s.runCount = 1;
    }
    // Rate is measured from the last reading that was not invalid, so a spike does not make
    // the good sample after it look like a second jump.
    if (s.base !== null) {
      const dt = (reading.t - s.base.t) / 1000;
      const jump = Math.abs(value - s.base.value);
      if (jump > spec.maxRatePerSecond * dt + 1e-9) {
        return invalid(
          PlausibilityRule.rateOfChange,
          `${subject(reading, deviceId)} jumped ${formatChange(reading.signal, jump)} in ${duration(reading.t - s.base.t)}: faster than the sensor can respond`,
        );
      }
    }
    const atRest = reading.signal === Signal.biteForce && value <= this.opts.biteRestN;
    if (s.runCount >= s.stuckSamples && !atRest) {
      return invalid(
        PlausibilityRule.stuckAt,
        `${subject(reading, deviceId)} has read exactly ${num(value)} for ${duration((s.runCount / spec.sampleHz) * 1000)}: sensor stuck`,
      );
    }

    if (s.base === null) s.base = { t: reading.t, value };
    else {
      s.base.t = reading.t;
      s.base.value = value;
    }
    const jitter = this.pushWindow(s, reading.t, value);
    if (jitter !== null && jitter > this.opts.noiseLimits[reading.signal]) {
      return suspect(
        PlausibilityRule.noise,
        `${subject(reading, deviceId)} is jittering by ${num(jitter)} from sample to sample: more than physiology allows`,
      );
    }
    const cross = this.crossCheck(deviceId, reading.signal, value, receivedAt);
    if (cross !== null) {
      return suspect(
        PlausibilityRule.crossSensor,
        `${subject(reading, deviceId)} reads ${num(value)}, ${num(Math.abs(value - cross))} away from the other teeth (${num(cross)}): check the sensor`,
      );
    }
    const latest = this.shared.get(reading.signal)?.get(deviceId);
    if (latest !== undefined) {
      latest.value = value;
      latest.receivedAt = receivedAt;
    } else this.shared.get(reading.signal)?.set(deviceId, { value, receivedAt });
    return VALID;
  }

  /** Every device+signal with no sample for longer than the dropout limit, as of `now`. */
  dropouts(now: number): DropoutFinding[] {
    const found: DropoutFinding[] = [];
    for (const byDevice of this.streams.values()) {
      for (const s of byDevice.values()) {
        const gap = now - s.lastReceivedAt;
        if (gap <= s.dropoutMs) continue;
        found.push({
          deviceId: s.deviceId,
          signal: s.signal,
          tooth: s.tooth,
          missingSamples: Math.floor((gap / 1000) * s.spec.sampleHz),
          lastAt: s.lastReceivedAt,
        });
      }
    }
    return found;
  }

  private stream(deviceId: string, reading: Reading): Stream {
    let byDevice = this.streams.get(deviceId);
    if (byDevice === undefined) {
      byDevice = new Map();
      this.streams.set(deviceId, byDevice);
    }
    let s = byDevice.get(reading.signal);
    if (s === undefined) {
      const spec = SIGNAL_SPECS[reading.signal];
      s = {
        deviceId,
        signal: reading.signal,
        tooth: reading.tooth ?? null,
        spec,
        stuckSamples: Math.max(3, Math.ceil(this.opts.stuckAtSeconds * spec.sampleHz)),
        dropoutMs: Math.max((this.opts.dropoutPeriods * 1000) / spec.sampleHz, this.opts.dropoutMinMs),
        lastReceivedAt: Number.NEGATIVE_INFINITY,
        lastT: null,
        base: null,
        runValue: Number.NaN,
        runCount: 0,
        window: [],
        windowLastT: Number.NEGATIVE_INFINITY,
      };
      byDevice.set(reading.signal, s);
    }
    return s;
  }

  /** Adds a value to the noise window; returns the RMS second difference once the window is full. */
  private pushWindow(s: Stream, t: number, value: number): number | null {
    // Second differences across a gap compare unrelated stretches of signal: start afresh.
    if (t - s.windowLastT > s.dropoutMs) s.window.length = 0;
    s.windowLastT = t;
    s.window.push(value);
    if (s.window.length > this.opts.noiseWindow) s.window.shift();
    if (s.window.length < this.opts.noiseWindow) return null;
    let sum = 0;
    for (let i = 2; i < s.window.length; i++) {
      const d2 = s.window[i]! - 2 * s.window[i - 1]! + s.window[i - 2]!;
      sum += d2 * d2;
    }
    return Math.sqrt(sum / (s.window.length - 2));
  }

  /** Median of the other teeth when enough of them are recent and this one strays too far. */
  private crossCheck(deviceId: string, signal: Signal, value: number, receivedAt: number): number | null {
    const limit = this.opts.crossSensorLimits[signal];
    if (limit === undefined) return null;
    let byDevice = this.shared.get(signal);
    if (byDevice === undefined) {
      byDevice = new Map();
      this.shared.set(signal, byDevice);
    }
    const others: number[] = [];
    for (const [other, v] of byDevice) {
      if (other !== deviceId && receivedAt - v.receivedAt <= this.opts.crossSensorRecentMs)
        others.push(v.value);
    }
    if (others.length < this.opts.crossSensorMinOthers) return null;
    const m = median(others);
    return Math.abs(value - m) > limit ? m : null;
  }
}

/** Shared and frozen: most readings are valid, and this is the hot path. */
const VALID: PlausibilityVerdict = Object.freeze({ quality: Quality.valid });

function invalid(rule: PlausibilityRule, reason: string): PlausibilityVerdict {
  return { quality: Quality.invalid, rule, reason };
}

function suspect(rule: PlausibilityRule, reason: string): PlausibilityVerdict {
  return { quality: Quality.suspect, rule, reason };
}

/**
 * The reading's signal in words. Neither the device id nor the tooth number: the reading carries
 * both as data, and screens name them in their reader's notation.
 */
function subject(reading: Reading, _deviceId: string): string {
  return SIGNAL_SPECS[reading.signal].label;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A number as a clinician reads it (shared/numberFormat.ts): never an exponent. */
const num = readableNumber;

function duration(ms: number): string {
  if (!Number.isFinite(ms)) return "an unknown time";
  if (ms < 1000) return `${Number((ms / 1000).toPrecision(2))} s`;
  if (ms < 10_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.floor(s / 60);
  return s % 60 === 0 ? `${min} min` : `${min} min ${s % 60} s`;
}
