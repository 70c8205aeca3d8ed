/**
 * Alarm engine for one patient, after IEC 60601-1-8: technical alarms (device faults, dropouts,
 * quarantined firmware) are kept apart from physiological ones. A device whose data goes bad has
 * ONE technical alarm that lists its causes and updates in place (the beta update once raised 16
 * cards in 8 s); physiological alarms stay one per condition. A cleared alarm stays listed until
 * acknowledged, silencing only pauses the sound, and a medium alarm left unacknowledged for
 * `escalateAfterMs` (2 min) becomes high. Whether a device is faulty or has recovered is not
 * decided here but by the patient's trust module (deviceTrust.ts); this engine only raises and
 * clears alarms on its answers.
 */
import { type Alarm, type AlarmCause, AlarmKind, AlarmPriority } from "../alarms.ts";
import { ErrorCode, fail, ok, type Result } from "../protocol.ts";
import {
  DEFAULT_TRUST_OPTIONS,
  type FaultLimits,
  type FaultTrack,
  faultRecovered,
  faultSustained,
  isRetracted,
  newFaultTrack,
  type RuledReading,
} from "./deviceTrust.ts";
import type { DropoutFinding } from "./plausibility.ts";
import { Quality, SIGNAL_SPECS, Signal } from "./signals.ts";

export type { RuledReading } from "./deviceTrust.ts";

/** Thresholds of the engine; defaults in DEFAULT_ALARM_OPTIONS (the fault limits are trust's). */
export interface AlarmOptions extends FaultLimits {
  phLow: number;
  phLowSustainMs: number;
  /** Heart rate this many percent above the resting baseline is a medium alarm... */
  hrRisePct: number;
  hrRiseSustainMs: number;
  /** ...this many percent above it, or hrHighAbs per minute, a high one. */
  hrHighPct: number;
  hrHighAbs: number;
  hrHighSustainMs: number;
  biteHighN: number;
  biteHighSustainMs: number;
  /** A physiological alarm clears after its condition has been absent this long. */
  physiologicalClearMs: number;
  /** Samples further apart than this restart a "sustained" count. */
  sustainGapMs: number;
  maxSilenceSeconds: number;
  /** An active medium alarm not acknowledged this long becomes high. */
  escalateAfterMs: number;
}

/** Defaults (DOMAIN.md figures); when a device is faulty is the trust module's call. */
export const DEFAULT_ALARM_OPTIONS: AlarmOptions = {
  faultWindowMs: DEFAULT_TRUST_OPTIONS.faultWindowMs,
  faultInvalidCount: DEFAULT_TRUST_OPTIONS.faultInvalidCount,
  faultSuspectCount: DEFAULT_TRUST_OPTIONS.faultSuspectCount,
  faultClearMs: DEFAULT_TRUST_OPTIONS.faultClearMs,
  phLow: 5.5,
  phLowSustainMs: 120_000,
  hrRisePct: 30,
  hrRiseSustainMs: 20_000,
  hrHighPct: 60,
  hrHighAbs: 150,
  hrHighSustainMs: 10_000,
  biteHighN: 900,
  biteHighSustainMs: 2_000,
  physiologicalClearMs: 10_000,
  sustainGapMs: 5_000,
  maxSilenceSeconds: 600,
  escalateAfterMs: 120_000,
};

interface SustainTrack {
  /** When each tier's condition started holding, or null. */
  since: (number | null)[];
  clearSince: number | null;
  lastT: number;
}

/** What the engine keeps per device+signal, resolved once. */
interface StreamState {
  technicalKey: string;
  physiologicalKey: string;
  firmwareKey: string;
  fault: FaultTrack;
  /** Shared by every signal of the device. */
  firmware: FaultTrack;
  sustain: SustainTrack | null;
}

interface Tier {
  on: boolean;
  priority: AlarmPriority;
  sustainMs: number;
  message: () => string;
}

/** A fault track as plain data: a time that never happened (-Infinity) is stored as null. */
export interface FaultTrackState {
  invalidAt: number[];
  suspectAt: number[];
  lastBadAt: number | null;
  lastValidAt: number | null;
}

/** A physiological "sustained" count of one device+signal, as plain data. */
export interface SustainTrackState {
  deviceId: string;
  signal: Signal;
  since: (number | null)[];
  clearSince: number | null;
  lastT: number;
}

/**
 * Everything the engine knows, as plain structured-clonable data, so that after a restart an
 * active alarm is neither raised again as new nor lost, and a fault window keeps its count.
 */
export interface AlarmEngineState {
  /** Listed alarms: active, or cleared but not yet acknowledged. */
  alarms: Alarm[];
  /**
   * Condition key to the id of its active alarm (each id is one of `alarms`). A device's cause keys
   * ("technical:dev:ph", "dropout:dev", ...) all name its one "device:dev" alarm.
   */
  activeByKey: Record<string, string>;
  faults: Record<string, FaultTrackState>;
  sustains: SustainTrackState[];
  /** Signals of each device in an active dropout alarm. */
  dropped: Record<string, Signal[]>;
}

const RANK: Readonly<Record<AlarmPriority, number>> = { low: 0, medium: 1, high: 2 };

/** Raises, clears and tracks one patient's alarms; clock and ids are injected. */
export class AlarmEngine {
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly opts: AlarmOptions;
  private readonly alarms = new Map<string, Alarm>();
  private readonly activeByKey = new Map<string, Alarm>();
  private readonly faults = new Map<string, FaultTrack>();
  private readonly streams = new Map<string, Map<Signal, StreamState>>();
  /** Signals of each device in an active dropout alarm. */
  private readonly dropped = new Map<string, Set<Signal>>();
  /** Last sequence conflict per device alarm key. */
  private readonly conflictAt = new Map<string, number>();

  constructor(opts: { now: () => number; newId: () => string; options?: Partial<AlarmOptions> }) {
    this.now = opts.now;
    this.newId = opts.newId;
    this.opts = { ...DEFAULT_ALARM_OPTIONS, ...opts.options };
  }

  /** The engine as plain data (deep copies), for `fromState`. */
  toState(): AlarmEngineState {
    const activeByKey: Record<string, string> = {};
    for (const [key, alarm] of this.activeByKey) activeByKey[key] = alarm.id;
    const faults: Record<string, FaultTrackState> = {};
    for (const [key, t] of this.faults) {
      faults[key] = {
        invalidAt: [...t.invalidAt],
        suspectAt: [...t.suspectAt],
        lastBadAt: finiteOrNull(t.lastBadAt),
        lastValidAt: finiteOrNull(t.lastValidAt),
      };
    }
    const sustains: SustainTrackState[] = [];
    for (const [deviceId, byDevice] of this.streams) {
      for (const [signal, st] of byDevice) {
        if (st.sustain === null) continue;
        const { since, clearSince, lastT } = st.sustain;
        sustains.push({ deviceId, signal, since: [...since], clearSince, lastT });
      }
    }
    // A canonical order, so equal engines give equal states whatever order streams began in.
    sustains.sort((x, y) => `${x.deviceId}/${x.signal}`.localeCompare(`${y.deviceId}/${y.signal}`));
    const dropped: Record<string, Signal[]> = {};
    for (const [deviceId, signals] of this.dropped) dropped[deviceId] = [...signals];
    return { alarms: [...this.alarms.values()].map(copy), activeByKey, faults, sustains, dropped };
  }

  /**
   * Rebuilds an engine from `toState()`. An active key that names no listed alarm is a damaged
   * record: refused as a whole, so the caller starts fresh rather than half-trusting it.
   */
  static fromState(
    state: AlarmEngineState,
    opts: { now: () => number; newId: () => string; options?: Partial<AlarmOptions> },
  ): Result<AlarmEngine> {
    const engine = new AlarmEngine(opts);
    for (const a of state.alarms) engine.alarms.set(a.id, copy(a));
    for (const [key, id] of Object.entries(state.activeByKey)) {
      const alarm = engine.alarms.get(id);
      const names = alarm !== undefined && (alarm.key === key || alarm.causes?.some((c) => c.key === key));
      if (alarm === undefined || !names || alarm.clearedAt !== undefined)
        return fail(ErrorCode.badPayload, `Stored alarms: active key ${key} names no active alarm.`);
      engine.activeByKey.set(key, alarm);
    }
    for (const [key, t] of Object.entries(state.faults)) {
      engine.faults.set(key, {
        invalidAt: [...t.invalidAt],
        suspectAt: [...t.suspectAt],
        lastBadAt: t.lastBadAt ?? Number.NEGATIVE_INFINITY,
        lastValidAt: t.lastValidAt ?? Number.NEGATIVE_INFINITY,
      });
    }
    for (const s of state.sustains) {
      engine.stream(s.deviceId, s.signal).sustain = {
        since: [...s.since],
        clearSince: s.clearSince,
        lastT: s.lastT,
      };
    }
    for (const [deviceId, signals] of Object.entries(state.dropped)) {
      engine.dropped.set(deviceId, new Set(signals));
    }
    return ok(engine);
  }

  /** Feeds one checked reading; returns the alarms it raised or changed. */
  onReading(r: RuledReading, ctx: { heartRateBaseline: number | null }): Alarm[] {
    const st = this.stream(r.deviceId, r.signal);
    const changed: Alarm[] = [];
    // Any reading, good or bad, ends that signal's dropout: the device is talking again.
    const dropped = this.dropped.get(r.deviceId);
    if (dropped?.delete(r.signal) && dropped.size === 0) {
      this.dropped.delete(r.deviceId);
      const key = `dropout:${r.deviceId}`;
      if (this.activeByKey.has(key)) changed.push(this.clearCause(key));
    }
    if (isRetracted(r)) {
      st.firmware.lastBadAt = r.receivedAt;
      if (!this.activeByKey.has(st.firmwareKey)) {
        const words = `${r.reason ?? "firmware is quarantined"}; its readings are ignored`;
        changed.push(this.raiseCause(r, st.firmwareKey, AlarmPriority.high, words));
      }
      return changed.map(copy);
    }
    const sustained = faultSustained(st.fault, r, this.opts);
    switch (r.quality) {
      case Quality.valid:
        st.firmware.lastValidAt = r.receivedAt;
        this.physiological(r, ctx.heartRateBaseline, st, changed);
        break;
      case Quality.invalid:
      case Quality.suspect: {
        if (sustained && !this.activeByKey.has(st.technicalKey)) {
          // The checker's reason already starts with the signal ("pH has read exactly 7.19 for 17 s:
          // sensor stuck"): one sentence per cause keeps the card short.
          const words =
            r.reason ?? `${SIGNAL_SPECS[r.signal].label} unreliable: repeated implausible readings`;
          changed.push(this.raiseCause(r, st.technicalKey, AlarmPriority.medium, words));
        }
        break;
      }
      default:
        return assertNever(r.quality);
    }
    return changed.length === 0 ? changed : changed.map(copy);
  }

  /**
   * Takes the full current result of PlausibilityChecker.dropouts(): raises one alarm per silent
   * device, clears those of devices no longer listed (a returning reading clears one too).
   */
  onDropouts(findings: readonly DropoutFinding[]): Alarm[] {
    const changed: Alarm[] = [];
    const byDevice = new Map<string, DropoutFinding[]>();
    for (const f of findings) byDevice.set(f.deviceId, [...(byDevice.get(f.deviceId) ?? []), f]);
    for (const [deviceId, list] of byDevice) {
      const key = `dropout:${deviceId}`;
      const tooth = list[0]!.tooth;
      const words = `no ${list.map((f) => word(f.signal)).join(", ")} data: shown as a gap`;
      this.dropped.set(deviceId, new Set(list.map((f) => f.signal)));
      const cause = this.activeByKey.get(key)?.causes?.find((c) => c.key === key);
      if (cause?.words !== words) {
        changed.push(this.raiseCause({ deviceId, tooth }, key, AlarmPriority.medium, words));
      }
    }
    for (const [key, alarm] of this.activeByKey) {
      const deviceId = alarm.deviceId ?? "";
      if (key.startsWith("dropout:") && !byDevice.has(deviceId)) {
        this.dropped.delete(deviceId);
        changed.push(this.clearCause(key));
      }
    }
    return unique(changed).map(copy);
  }

  /**
   * A device sent other content under a sequence number it had used in the same boot: its
   * counter or storage is faulty, and data from it cannot be matched to time with confidence.
   * One technical alarm per device; it clears after faultClearMs without another conflict.
   */
  onSeqConflict(deviceId: string, tooth: number | null, seq: number): Alarm {
    const key = `sequence:${deviceId}`;
    this.conflictAt.set(key, this.now());
    const words = `resent batch ${seq} with different data: check the device; the second copy was not stored`;
    return copy(this.raiseCause({ deviceId, tooth }, key, AlarmPriority.medium, words));
  }

  /**
   * Clears device-fault and firmware causes whose data has been valid again for a while, and
   * escalates medium alarms left unacknowledged for escalateAfterMs.
   */
  tick(): Alarm[] {
    const now = this.now();
    const changed: Alarm[] = [];
    for (const [key, at] of this.conflictAt) {
      if (now - at < this.opts.faultClearMs) continue;
      this.conflictAt.delete(key);
      if (this.activeByKey.has(key)) changed.push(this.clearCause(key));
    }
    for (const [key, track] of this.faults) {
      if (!this.activeByKey.has(key)) continue;
      if (faultRecovered(track, now, this.opts)) {
        changed.push(this.clearCause(key));
      }
    }
    for (const alarm of this.alarms.values()) {
      if (
        alarm.priority === AlarmPriority.medium &&
        alarm.clearedAt === undefined &&
        alarm.acknowledgedAt === undefined &&
        now - alarm.raisedAt >= this.opts.escalateAfterMs
      ) {
        alarm.priority = AlarmPriority.high;
        alarm.escalatedAt = now;
        changed.push(alarm);
      }
    }
    return unique(changed).map(copy);
  }

  /** A clinician acknowledges an alarm; a cleared one then leaves the list. */
  acknowledge(alarmId: string, by: string): Result<Alarm> {
    const alarm = this.alarms.get(alarmId);
    if (alarm === undefined) return fail(ErrorCode.notFound, "That alarm is no longer listed.");
    if (alarm.acknowledgedAt === undefined) {
      alarm.acknowledgedAt = this.now();
      alarm.acknowledgedBy = by;
    }
    if (alarm.clearedAt !== undefined) this.alarms.delete(alarmId);
    return ok(copy(alarm));
  }

  /** Pauses the sound of an alarm; the visual always stays. */
  silence(alarmId: string, seconds: number): Result<Alarm> {
    const alarm = this.alarms.get(alarmId);
    if (alarm === undefined) return fail(ErrorCode.notFound, "That alarm is no longer listed.");
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > this.opts.maxSilenceSeconds) {
      return fail(ErrorCode.badPayload, `Silence for 1 to ${this.opts.maxSilenceSeconds} seconds.`);
    }
    alarm.silencedUntil = this.now() + seconds * 1000;
    return ok(copy(alarm));
  }

  /** Alarms still active or not yet acknowledged, highest priority first, newest first. */
  list(): Alarm[] {
    return [...this.alarms.values()]
      .sort((a, b) => RANK[b.priority] - RANK[a.priority] || b.raisedAt - a.raisedAt)
      .map(copy);
  }

  private physiological(r: RuledReading, baseline: number | null, st: StreamState, changed: Alarm[]): void {
    const o = this.opts;
    const v = r.value;
    switch (r.signal) {
      case Signal.ph: {
        const on = v < o.phLow;
        if (on || !this.quiet(st, r.t)) {
          this.sustain(st, r, changed, [
            {
              on,
              priority: AlarmPriority.medium,
              sustainMs: o.phLowSustainMs,
              message: () =>
                `Enamel at risk: pH ${v.toFixed(1)}, below ${o.phLow} for ${span(o.phLowSustainMs)}`,
            },
          ]);
        }
        return;
      }
      case Signal.biteForce: {
        const on = v > o.biteHighN;
        if (on || !this.quiet(st, r.t)) {
          this.sustain(st, r, changed, [
            {
              on,
              priority: AlarmPriority.low,
              sustainMs: o.biteHighSustainMs,
              message: () =>
                `Bite force ${Math.round(v)} N, above ${o.biteHighN} N for ${span(o.biteHighSustainMs)}`,
            },
          ]);
        }
        return;
      }
      case Signal.heartRate: {
        const high = v >= o.hrHighAbs || (baseline !== null && v >= baseline * (1 + o.hrHighPct / 100));
        const raised = high || (baseline !== null && v >= baseline * (1 + o.hrRisePct / 100));
        if (!raised && this.quiet(st, r.t)) return;
        const rest = baseline === null ? "" : ` (resting ${Math.round(baseline)}/min)`;
        this.sustain(st, r, changed, [
          {
            on: high,
            priority: AlarmPriority.high,
            sustainMs: o.hrHighSustainMs,
            message: () => `Heart rate ${Math.round(v)}/min${rest}: check on the patient now`,
          },
          {
            on: raised,
            priority: AlarmPriority.medium,
            sustainMs: o.hrRiseSustainMs,
            message: () =>
              `Heart rate ${Math.round(v)}/min${rest}, raised for ${span(o.hrRiseSustainMs)}: offer a check-in`,
          },
        ]);
        return;
      }
      case Signal.temperature:
      case Signal.plaque:
      case Signal.inflammation:
        return;
      default:
        assertNever(r.signal);
    }
  }

  /** Nothing pending and no alarm: an off condition changes nothing (fast path at 50 Hz). */
  private quiet(st: StreamState, t: number): boolean {
    const s = st.sustain;
    if (s !== null && (s.since.some((x) => x !== null) || this.activeByKey.has(st.physiologicalKey)))
      return false;
    if (s !== null) s.lastT = t;
    return true;
  }

  /**
   * Raises the most severe tier whose condition has held for its sustain time (escalating an
   * active alarm, never lowering it); clears once no tier has held for physiologicalClearMs.
   */
  private sustain(st: StreamState, r: RuledReading, changed: Alarm[], tiers: readonly Tier[]): void {
    const key = st.physiologicalKey;
    st.sustain ??= { since: tiers.map(() => null), clearSince: null, lastT: r.t };
    const s = st.sustain;
    // A gap in the data breaks "sustained": we do not know what happened in between.
    if (r.t - s.lastT > this.opts.sustainGapMs) s.since.fill(null);
    s.lastT = r.t;
    const since = s.since;
    tiers.forEach((tier, i) => {
      since[i] = tier.on ? (since[i] ?? r.t) : null;
    });
    const active = this.activeByKey.get(key);
    if (!tiers.some((tier) => tier.on)) {
      if (active === undefined) return;
      s.clearSince ??= r.t;
      if (r.t - s.clearSince >= this.opts.physiologicalClearMs) {
        changed.push(this.clear(key));
        s.clearSince = null;
      }
      return;
    }
    s.clearSince = null;
    const due = tiers.find((tier, i) => tier.on && r.t - since[i]! >= tier.sustainMs);
    if (due === undefined) return;
    if (active === undefined) {
      changed.push(this.raise(key, AlarmKind.physiological, due.priority, r, due.message()));
    } else if (RANK[due.priority] > RANK[active.priority]) {
      active.priority = due.priority;
      active.message = due.message();
      changed.push(active);
    }
  }

  private stream(deviceId: string, signal: Signal): StreamState {
    let byDevice = this.streams.get(deviceId);
    if (byDevice === undefined) {
      byDevice = new Map();
      this.streams.set(deviceId, byDevice);
    }
    let st = byDevice.get(signal);
    if (st === undefined) {
      const firmwareKey = `firmware:${deviceId}`;
      st = {
        technicalKey: `technical:${deviceId}:${signal}`,
        physiologicalKey: `physiological:${deviceId}:${signal}`,
        firmwareKey,
        fault: this.fault(`technical:${deviceId}:${signal}`),
        firmware: this.fault(firmwareKey),
        sustain: null,
      };
      byDevice.set(signal, st);
    }
    return st;
  }

  private fault(key: string): FaultTrack {
    let t = this.faults.get(key);
    if (t === undefined) {
      t = newFaultTrack();
      this.faults.set(key, t);
    }
    return t;
  }

  private raise(
    key: string,
    kind: AlarmKind,
    priority: AlarmPriority,
    source: { deviceId: string; tooth?: number | null },
    message: string,
  ): Alarm {
    const alarm: Alarm = {
      id: this.newId(),
      kind,
      priority,
      key,
      message,
      deviceId: source.deviceId,
      raisedAt: this.now(),
    };
    if (source.tooth !== undefined && source.tooth !== null) alarm.tooth = source.tooth;
    this.alarms.set(alarm.id, alarm);
    this.activeByKey.set(key, alarm);
    return alarm;
  }

  /**
   * Adds or rewords one cause of a device's technical alarm, raising the alarm if the device had
   * none. The alarm's priority is its most severe cause (never below an escalation); a rise in
   * priority asks for a new acknowledgement.
   */
  private raiseCause(
    source: { deviceId: string; tooth?: number | null },
    causeKey: string,
    priority: AlarmPriority,
    words: string,
  ): Alarm {
    const deviceKey = `device:${source.deviceId}`;
    let alarm = this.activeByKey.get(deviceKey);
    const cause: AlarmCause = { key: causeKey, priority, words };
    // A latched alarm of this device, cleared but not yet acknowledged, opens again in place:
    // a flapping device stays one card.
    alarm ??= [...this.alarms.values()].find((a) => a.key === deviceKey && a.acknowledgedAt === undefined);
    if (alarm === undefined) {
      alarm = this.raise(deviceKey, AlarmKind.technical, priority, source, "");
      alarm.causes = [cause];
    } else {
      if (alarm.clearedAt !== undefined) {
        delete alarm.clearedAt;
        this.activeByKey.set(deviceKey, alarm);
      }
      const causes = (alarm.causes ?? []).filter((c) => c.key !== causeKey);
      causes.push(cause);
      alarm.causes = causes;
    }
    this.activeByKey.set(causeKey, alarm);
    this.describe(alarm);
    return alarm;
  }

  /** Removes one cause; the device's alarm clears with its last cause. */
  private clearCause(causeKey: string): Alarm {
    const alarm = this.activeByKey.get(causeKey)!;
    this.activeByKey.delete(causeKey);
    alarm.causes = (alarm.causes ?? []).filter((c) => c.key !== causeKey);
    if (alarm.causes.length === 0) return this.clear(alarm.key);
    this.describe(alarm);
    return alarm;
  }

  /** Message and priority of a device alarm from its causes, most severe first. */
  private describe(alarm: Alarm): void {
    const causes = (alarm.causes ?? []).sort((a, b) => RANK[b.priority] - RANK[a.priority]);
    const top = causes[0]?.priority ?? AlarmPriority.medium;
    const priority = alarm.escalatedAt !== undefined && RANK[top] < RANK.high ? AlarmPriority.high : top;
    if (RANK[priority] > RANK[alarm.priority]) {
      delete alarm.acknowledgedAt;
      delete alarm.acknowledgedBy;
    }
    alarm.priority = priority;
    // No device id and no tooth number in the words: the alarm carries both as data, and each
    // screen names the device and the tooth in its reader's notation ("Sensor at tooth 36").
    alarm.message = causes.map((c) => c.words).join("; ");
  }

  private clear(key: string): Alarm {
    const alarm = this.activeByKey.get(key)!;
    this.activeByKey.delete(key);
    alarm.clearedAt = this.now();
    if (alarm.acknowledgedAt !== undefined) this.alarms.delete(alarm.id);
    return alarm;
  }
}

function unique(alarms: Alarm[]): Alarm[] {
  return [...new Set(alarms)];
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function copy(a: Alarm): Alarm {
  return { ...a };
}

function word(signal: Signal): string {
  const label = SIGNAL_SPECS[signal].label;
  return label.charAt(0).toLowerCase() + label.slice(1);
}

function span(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

function assertNever(x: never): never {
  throw new Error(`unexpected value ${String(x)}`);
}
