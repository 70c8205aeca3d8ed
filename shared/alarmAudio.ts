/**
 * When the alarm sound plays, after IEC 60601-1-8 and bedside-monitor practice: the highest
 * unacknowledged active priority sounds; "Audio paused" lasts at most 2 minutes with a visible
 * countdown; during a pause only an alarm of HIGHER priority than any sounding when the pause
 * began breaks through (a new one, or one that escalated). Pausing never hides the visual. Pure:
 * the clock comes in with each event.
 */
import type { Alarm, AlarmPriority } from "./alarms.ts";

/** The longest audio pause (IEC 60601-1-8 practice; monitors use 1-2 min). */
export const MAX_AUDIO_PAUSE_MS = 120_000;

export interface AudioPauseState {
  /** End of the pause, epoch ms; null when not paused. */
  pausedUntil: number | null;
  /** Highest priority sounding when the pause began; only a higher one breaks through. */
  ceiling: AlarmPriority | null;
  /** Why the last pause ended early, for the screen ("High alarm: audio back on"). */
  brokenBy: string | null;
}

export type AudioPauseEvent =
  | { type: "pause"; at: number; alarms: readonly Alarm[]; ms?: number }
  | { type: "resume" }
  | { type: "alarms"; at: number; alarms: readonly Alarm[] };

export const AUDIO_PLAYING: AudioPauseState = { pausedUntil: null, ceiling: null, brokenBy: null };

const RANK: Readonly<Record<AlarmPriority, number>> = { low: 0, medium: 1, high: 2 };

/** Alarms that call for sound: active and not yet acknowledged. */
function calling(alarms: readonly Alarm[]): Alarm[] {
  return alarms.filter((a) => a.clearedAt === undefined && a.acknowledgedAt === undefined);
}

/** The highest priority among alarms that call for sound, or null. */
export function highestCalling(alarms: readonly Alarm[]): AlarmPriority | null {
  let top: AlarmPriority | null = null;
  for (const a of calling(alarms)) if (top === null || RANK[a.priority] > RANK[top]) top = a.priority;
  return top;
}

/** The next state. A pause asks for at most MAX_AUDIO_PAUSE_MS; an expired pause ends itself. */
export function audioPauseStep(state: AudioPauseState, event: AudioPauseEvent): AudioPauseState {
  switch (event.type) {
    case "pause": {
      const ms = Math.min(Math.max(event.ms ?? MAX_AUDIO_PAUSE_MS, 0), MAX_AUDIO_PAUSE_MS);
      return { pausedUntil: event.at + ms, ceiling: highestCalling(event.alarms), brokenBy: null };
    }
    case "resume":
      return AUDIO_PLAYING;
    case "alarms": {
      if (state.pausedUntil === null) return state;
      if (event.at >= state.pausedUntil) return AUDIO_PLAYING;
      const ceiling = state.ceiling === null ? -1 : RANK[state.ceiling];
      const breaker = calling(event.alarms).find((a) => RANK[a.priority] > ceiling);
      if (breaker === undefined) return state;
      return { pausedUntil: null, ceiling: null, brokenBy: breaker.message };
    }
    default:
      return assertNever(event);
  }
}

/** What should sound now: the highest calling priority, or null (nothing, or paused). */
export function soundingPriority(
  state: AudioPauseState,
  at: number,
  alarms: readonly Alarm[],
): AlarmPriority | null {
  if (state.pausedUntil !== null && at < state.pausedUntil) return null;
  return highestCalling(alarms);
}

/** Milliseconds of pause left (0 when not paused), for the "Audio paused 1:53" countdown. */
export function pauseLeftMs(state: AudioPauseState, at: number): number {
  return state.pausedUntil === null ? 0 : Math.max(0, state.pausedUntil - at);
}

function assertNever(x: never): never {
  throw new Error(`unexpected audio pause event ${JSON.stringify(x)}`);
}
