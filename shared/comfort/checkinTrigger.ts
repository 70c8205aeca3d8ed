/**
 * Physiology prompts a check-in; it never labels the patient. The trigger learns the patient's
 * own resting heart rate from their first minute of readings, then asks for a 0-10 check-in when
 * the heart rate stays clearly above it, with a cooldown so the patient is not pestered. Heart
 * rate also rises with speech and movement, so the prompt's reason states only the measurement.
 */

/** The check-in's self-rating scale: 0 = very uncomfortable, 10 = very comfortable. */
export const CHECKIN_SCALE = {
  min: 0,
  max: 10,
  /** A score at or below this is low comfort: Otto offers the breathing coach, the team is told. */
  lowAtOrBelow: 4,
  question: "On a scale from 0 to 10, where 10 is very comfortable, how comfortable are you right now?",
} as const;

/** Whether a check-in answer is a whole number on the 0-10 scale. */
export function isValidCheckinScore(score: number): boolean {
  return Number.isInteger(score) && score >= CHECKIN_SCALE.min && score <= CHECKIN_SCALE.max;
}

/** Whether a valid check-in score means low comfort (10 is very comfortable, so low is bad). */
export function isLowComfort(score: number): boolean {
  return isValidCheckinScore(score) && score <= CHECKIN_SCALE.lowAtOrBelow;
}

/** Tuning of the trigger; defaults in CHECKIN_TRIGGER_DEFAULTS. */
export interface CheckinTriggerOptions {
  /** How long the resting baseline is measured from the first reading, ms. */
  baselineMs: number;
  /** Rise above baseline, in percent, that counts. */
  risePercent: number;
  /** How long the rise must last without a break, ms. */
  sustainMs: number;
  /** Quiet time after a prompt, ms. */
  cooldownMs: number;
  /** Readings further apart than this break a sustained rise (a gap is not a rise), ms. */
  maxGapMs: number;
  /** Fewest readings a baseline is built from; with gaps it waits for more. */
  minBaselineReadings: number;
  /** Patient's first name for the reason, e.g. "Julian"; without it "the patient". */
  patientName: string;
}

/** Defaults: 1-minute baseline, +20% held for 15 s, then 2 minutes' quiet. */
export const CHECKIN_TRIGGER_DEFAULTS: Readonly<CheckinTriggerOptions> = {
  baselineMs: 60_000,
  risePercent: 20,
  sustainMs: 15_000,
  cooldownMs: 120_000,
  maxGapMs: 5_000,
  minBaselineReadings: 20,
  patientName: "",
};

/** A prompt to ask the patient for a check-in: a neutral, factual reason and the rise. */
export interface CheckinPrompt {
  reason: string;
  risePercent: number;
}

/** What one heart-rate reading changed. */
export interface CheckinTriggerUpdate {
  baseline: number | null;
  prompt: CheckinPrompt | null;
}

/** What the trigger has learnt, as plain data (a time that never happened is null). */
export interface CheckinTriggerState {
  firstAt: number | null;
  lastAt: number | null;
  sum: number;
  count: number;
  baseline: number | null;
  riseSince: number | null;
  quietUntil: number | null;
}

/** Turns a stream of valid heart-rate readings into occasional check-in prompts. */
export class CheckinTrigger {
  private readonly opts: CheckinTriggerOptions;
  private firstAt: number | null = null;
  private lastAt: number | null = null;
  private sum = 0;
  private count = 0;
  private baseline: number | null = null;
  private riseSince: number | null = null;
  private quietUntil = Number.NEGATIVE_INFINITY;

  constructor(opts?: Partial<CheckinTriggerOptions>) {
    this.opts = { ...CHECKIN_TRIGGER_DEFAULTS, ...opts };
  }

  /** The trigger's learnt state as plain data, so a restart keeps the baseline and the cooldown. */
  toState(): CheckinTriggerState {
    return {
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      sum: this.sum,
      count: this.count,
      baseline: this.baseline,
      riseSince: this.riseSince,
      quietUntil: Number.isFinite(this.quietUntil) ? this.quietUntil : null,
    };
  }

  /** A trigger that continues from `toState()`, with these options. */
  static fromState(state: CheckinTriggerState, opts?: Partial<CheckinTriggerOptions>): CheckinTrigger {
    const trigger = new CheckinTrigger(opts);
    trigger.firstAt = state.firstAt;
    trigger.lastAt = state.lastAt;
    trigger.sum = state.sum;
    trigger.count = state.count;
    trigger.baseline = state.baseline;
    trigger.riseSince = state.riseSince;
    trigger.quietUntil = state.quietUntil ?? Number.NEGATIVE_INFINITY;
    return trigger;
  }

  /** Resting mean once known, else null. */
  get restingBaseline(): number | null {
    return this.baseline;
  }

  /**
   * Feeds one valid reading (t in ms, bpm). Readings older than the last one, or not finite,
   * are ignored: plausibility is checked upstream, but the trigger never goes back in time.
   */
  onHeartRate(t: number, bpm: number): CheckinTriggerUpdate {
    if (!Number.isFinite(t) || !Number.isFinite(bpm) || bpm <= 0) return this.update(null);
    if (this.lastAt !== null && t < this.lastAt) return this.update(null);
    const gap = this.lastAt === null ? 0 : t - this.lastAt;
    this.lastAt = t;
    this.firstAt ??= t;

    if (this.baseline === null) {
      const windowOver = t - this.firstAt >= this.opts.baselineMs;
      if (!windowOver || this.count < this.opts.minBaselineReadings) {
        this.sum += bpm;
        this.count += 1;
        return this.update(null);
      }
      this.baseline = this.sum / this.count;
    }

    const rise = ((bpm - this.baseline) / this.baseline) * 100;
    if (rise < this.opts.risePercent || gap > this.opts.maxGapMs) {
      // Below the line, or after a gap in the data: a sustained rise starts over.
      this.riseSince = rise < this.opts.risePercent ? null : t;
      return this.update(null);
    }
    this.riseSince ??= t;
    if (t - this.riseSince < this.opts.sustainMs || t < this.quietUntil) return this.update(null);

    this.riseSince = null;
    this.quietUntil = t + this.opts.cooldownMs;
    const percent = Math.round(rise);
    return this.update({ reason: this.reason(percent), risePercent: percent });
  }

  private reason(percent: number): string {
    const whose = this.opts.patientName.trim() === "" ? "the patient's" : `${this.opts.patientName.trim()}'s`;
    return `Heart rate ${percent}% above ${whose} resting level`;
  }

  private update(prompt: CheckinPrompt | null): CheckinTriggerUpdate {
    return { baseline: this.baseline === null ? null : Math.round(this.baseline * 10) / 10, prompt };
  }
}
