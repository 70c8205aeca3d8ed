/**
 * "Can this device's data be trusted?", decided in ONE place per patient (issue 10). It used to
 * be answered in five: the plausibility rules, the replay and quarantine marking in the SOE
 * service, the fault counting in the alarm engine, the hold in the interlock's status board and
 * the session's "unresolved alarm" rule, each with its own idea of trust. Now:
 *
 * - `judge` gives every reading its quality: the plausibility rules (plausibility.ts, a library
 *   only this module calls), quarantined firmware (kept but retracted), and a device that keeps
 *   resending packets (suspect for a while);
 * - `faultSustained` / `faultRecovered` say when a device+signal's bad readings make a device fault
 *   and when it is healthy again (the alarm engine raises and clears on these answers);
 * - `observe` + `statuses` are what the interlock sees: a fault holds for `holdMs` after the last
 *   bad reading, and a device whose technical alarm is unresolved stays untrusted.
 *
 * Pure: no clock and no I/O; every input carries its time. The SOE service keeps one per patient
 * (`judge`, `noteDuplicate`, `dropouts`), the treatment session one for its patient (`observe`,
 * `statuses`), and the fault-corpus test drives both faces on a simulated clock.
 */
import { type Alarm, AlarmKind } from "../alarms.ts";
import type { SignalStatus } from "./interlock.ts";
import {
  type DropoutFinding,
  PlausibilityChecker,
  type PlausibilityOptions,
  PlausibilityRule,
} from "./plausibility.ts";
import {
  type CheckedReading,
  Quality,
  type Reading,
  ReadingStatus,
  SIGNAL_SPECS,
  type Signal,
} from "./signals.ts";

/** A checked reading, with the rule that judged it. */
export type RuledReading = CheckedReading & { rule?: PlausibilityRule };

/** When bad readings of one device+signal make a device fault, and when it has recovered. */
export interface FaultLimits {
  /** Window for counting bad readings of one device+signal. */
  faultWindowMs: number;
  /** Invalid readings in the window that make a device fault. */
  faultInvalidCount: number;
  /** Suspect readings in the window that make a device fault. */
  faultSuspectCount: number;
  /** A fault is over after this long without a bad reading, once valid data is back. */
  faultClearMs: number;
}

/** Every threshold of trust; defaults in DEFAULT_TRUST_OPTIONS. */
export interface TrustOptions extends FaultLimits {
  plausibility: Partial<PlausibilityOptions>;
  /** Duplicates from one device within `duplicateWindowMs` that mark it as replaying... */
  duplicatesToSuspect: number;
  duplicateWindowMs: number;
  /** ...and how long its fresh readings are then suspect. */
  duplicateSuspectMs: number;
  /**
   * After a non-valid reading a stream keeps that quality until valid readings have come in for
   * this long, so a flapping sensor cannot slip a step through between two faults (fail safe).
   */
  holdMs: number;
}

/** Defaults (DOMAIN.md figures; the counts are our design assumption, tuned by faultCorpus.test.ts). */
export const DEFAULT_TRUST_OPTIONS: TrustOptions = {
  plausibility: {},
  duplicatesToSuspect: 3,
  duplicateWindowMs: 30_000,
  duplicateSuspectMs: 60_000,
  faultWindowMs: 10_000,
  faultInvalidCount: 3,
  faultSuspectCount: 5,
  faultClearMs: 30_000,
  holdMs: 30_000,
};

/** One batch of a device as the server received it. */
export interface JudgedBatch {
  deviceId: string;
  firmware: string;
  readings: readonly Reading[];
  /** Server receive time, epoch ms. */
  receivedAt: number;
}

/** The bad-reading count of one device+signal (or of a device's firmware). Plain data. */
export interface FaultTrack {
  invalidAt: number[];
  suspectAt: number[];
  lastBadAt: number;
  lastValidAt: number;
}

export function newFaultTrack(): FaultTrack {
  return {
    invalidAt: [],
    suspectAt: [],
    lastBadAt: Number.NEGATIVE_INFINITY,
    lastValidAt: Number.NEGATIVE_INFINITY,
  };
}

/** Whether a reading was retracted because its firmware is quarantined. */
export function isRetracted(r: RuledReading): boolean {
  return r.rule === PlausibilityRule.quarantinedFirmware || r.status === ReadingStatus.enteredInError;
}

/** Counts one bad reading; true once the window holds enough to call it a device fault. */
export function faultSustained(
  track: FaultTrack,
  r: { quality: Quality; receivedAt: number },
  limits: FaultLimits,
): boolean {
  if (r.quality === Quality.valid) {
    track.lastValidAt = r.receivedAt;
    return false;
  }
  (r.quality === Quality.invalid ? track.invalidAt : track.suspectAt).push(r.receivedAt);
  trim(track.invalidAt, r.receivedAt - limits.faultWindowMs);
  trim(track.suspectAt, r.receivedAt - limits.faultWindowMs);
  track.lastBadAt = r.receivedAt;
  return (
    track.invalidAt.length >= limits.faultInvalidCount || track.suspectAt.length >= limits.faultSuspectCount
  );
}

/** A fault is over once valid data came back and nothing bad arrived for `faultClearMs`. */
export function faultRecovered(track: FaultTrack, now: number, limits: FaultLimits): boolean {
  return now - track.lastBadAt >= limits.faultClearMs && track.lastValidAt > track.lastBadAt;
}

interface HeldStatus {
  status: SignalStatus;
  /** Server time of the last non-valid reading, and what it said. */
  badAt: number;
  bad: { quality: Quality; reason?: string } | null;
}

/** One patient's trust in each of their devices. */
export class PatientTrust {
  readonly options: TrustOptions;
  private readonly checker: PlausibilityChecker;
  private readonly duplicateTimes = new Map<string, number[]>();
  private readonly replayingUntil = new Map<string, number>();
  /** Per device, per signal: what the interlock sees. */
  private readonly held = new Map<string, Map<Signal, HeldStatus>>();

  constructor(options?: Partial<TrustOptions>) {
    this.options = { ...DEFAULT_TRUST_OPTIONS, ...options };
    this.checker = new PlausibilityChecker(this.options.plausibility);
  }

  /**
   * Every reading of a batch with its quality: the plausibility rules, then quarantine (status
   * entered-in-error: kept, never deleted) and replay (a device that keeps resending packets
   * while connected has a firmware fault, so its fresh valid-looking readings are suspect).
   */
  judge(batch: JudgedBatch, quarantined: ReadonlySet<string>): RuledReading[] {
    const { deviceId, firmware, receivedAt } = batch;
    const status = quarantined.has(firmware) ? ReadingStatus.enteredInError : ReadingStatus.final;
    const replaying = (this.replayingUntil.get(deviceId) ?? 0) > receivedAt;
    // Built field by field: this runs for every reading (50 Hz bite force), and spreads are slow.
    return batch.readings.map((reading) => {
      const verdict = this.checker.check({ deviceId, firmware, reading, receivedAt }, quarantined);
      const out: RuledReading = {
        deviceId,
        signal: reading.signal,
        t: reading.t,
        value: reading.value,
        unit: reading.unit,
        quality: verdict.quality,
        status,
        receivedAt,
      };
      if (reading.tooth !== undefined) out.tooth = reading.tooth;
      if (verdict.reason !== undefined) out.reason = verdict.reason;
      if (verdict.rule !== undefined) out.rule = verdict.rule;
      if (replaying && out.quality === Quality.valid) {
        out.quality = Quality.suspect;
        out.reason = `${SIGNAL_SPECS[reading.signal].label} device keeps resending duplicate packets: firmware fault suspected`;
      }
      return out;
    });
  }

  /**
   * A batch the store already had. A resend after a reconnect is normal; a device that keeps
   * sending the same packets is not: storage stays exact (deduplication), but its next readings
   * are suspect for `duplicateSuspectMs`.
   */
  noteDuplicate(deviceId: string, at: number): void {
    const o = this.options;
    const times = (this.duplicateTimes.get(deviceId) ?? []).filter((t) => at - t < o.duplicateWindowMs);
    times.push(at);
    this.duplicateTimes.set(deviceId, times);
    if (times.length >= o.duplicatesToSuspect) this.replayingUntil.set(deviceId, at + o.duplicateSuspectMs);
  }

  /** Every device+signal that has sent nothing for too long, as of `now`. */
  dropouts(now: number): DropoutFinding[] {
    return this.checker.dropouts(now);
  }

  /** Takes judged readings and dropouts in; true when any stream's held quality appeared or changed. */
  observe(change: { readings?: readonly CheckedReading[]; dropouts?: readonly DropoutFinding[] }): boolean {
    let changed = false;
    for (const r of change.readings ?? []) {
      const tooth = r.tooth ?? null;
      const entry = this.entry(r.deviceId, r.signal, tooth);
      const before = entry.status.quality;
      if (r.quality !== Quality.valid) {
        entry.badAt = r.receivedAt;
        entry.bad =
          r.reason === undefined ? { quality: r.quality } : { quality: r.quality, reason: r.reason };
        entry.status = { deviceId: r.deviceId, signal: r.signal, tooth, ...entry.bad };
      } else if (entry.bad !== null && r.receivedAt - entry.badAt < this.options.holdMs) {
        entry.status = { deviceId: r.deviceId, signal: r.signal, tooth, ...entry.bad };
      } else {
        entry.bad = null;
        entry.status = { deviceId: r.deviceId, signal: r.signal, tooth, quality: Quality.valid };
      }
      changed ||= entry.status.quality !== before;
    }
    for (const f of change.dropouts ?? []) {
      const entry = this.entry(f.deviceId, f.signal, f.tooth);
      changed ||= entry.status.quality !== "no_data";
      entry.status = { deviceId: f.deviceId, signal: f.signal, tooth: f.tooth, quality: "no_data" };
    }
    return changed;
  }

  /**
   * Every stream's status as the interlock must see it. A device whose technical alarm is still
   * active, or cleared but not yet acknowledged by a clinician, stays untrusted even if its latest
   * readings look valid: a faulty firmware misbehaves in episodes, and a quiet spell is no proof
   * of health.
   */
  statuses(alarms: readonly Alarm[] = []): SignalStatus[] {
    const unresolved = new Map<string, string>();
    for (const a of alarms) {
      if (a.kind !== AlarmKind.technical || a.deviceId === undefined) continue;
      if (a.clearedAt !== undefined && a.acknowledgedAt !== undefined) continue;
      unresolved.set(a.deviceId, a.message);
    }
    const out: SignalStatus[] = [];
    for (const bySignal of this.held.values()) {
      for (const { status: s } of bySignal.values()) {
        const copy: SignalStatus = {
          deviceId: s.deviceId,
          signal: s.signal,
          tooth: s.tooth,
          quality: s.quality,
        };
        if (s.reason !== undefined) copy.reason = s.reason;
        const why = unresolved.get(s.deviceId);
        if (why !== undefined && (s.quality === Quality.valid || s.quality === Quality.suspect)) {
          copy.quality = Quality.suspect;
          copy.reason = `unresolved device alarm: ${why}`;
        }
        out.push(copy);
      }
    }
    return out;
  }

  private entry(deviceId: string, signal: Signal, tooth: number | null): HeldStatus {
    let bySignal = this.held.get(deviceId);
    if (bySignal === undefined) {
      bySignal = new Map();
      this.held.set(deviceId, bySignal);
    }
    let e = bySignal.get(signal);
    if (e === undefined) {
      // A stream nobody has heard from yet has no data; its first reading counts as a change.
      e = {
        status: { deviceId, signal, tooth, quality: "no_data" },
        badAt: Number.NEGATIVE_INFINITY,
        bad: null,
      };
      bySignal.set(signal, e);
    }
    return e;
  }
}

function trim(times: number[], from: number): void {
  let drop = 0;
  while (drop < times.length && times[drop]! < from) drop++;
  if (drop > 0) times.splice(0, drop);
}
