/**
 * Alarm sounds after IEC 60601-1-8 Annex F, generated with Web Audio (no sound files, nothing
 * fetched): each alarm category has its melody (general C4-C4-C4, cardiac C4-E4-G4-G4-C5,
 * temperature C4-D4-E4-F4-G4, equipment failure C5-B4-A4-G4-F4); a high-priority burst plays the
 * melody twice and repeats every 5 s, a medium one plays it once every 15 s, a low one sounds
 * two notes once. The pure part (which melody, which notes when) is unit-tested; the class only
 * schedules oscillators. When to be quiet is shared/alarmAudio.ts's decision.
 */
import type { Alarm, AlarmPriority } from "../../shared/alarms.ts";

export const AlarmCategory = {
  general: "general",
  cardiac: "cardiac",
  temperature: "temperature",
  equipment: "equipment",
} as const;
export type AlarmCategory = (typeof AlarmCategory)[keyof typeof AlarmCategory];

const HZ: Readonly<Record<string, number>> = {
  C4: 261.63,
  D4: 293.66,
  E4: 329.63,
  F4: 349.23,
  G4: 392.0,
  A4: 440.0,
  B4: 493.88,
  C5: 523.25,
};

/** IEC 60601-1-8 Annex F melodies (DOMAIN.md). */
export const MELODIES: Readonly<Record<AlarmCategory, readonly string[]>> = {
  general: ["C4", "C4", "C4"],
  cardiac: ["C4", "E4", "G4", "G4", "C5"],
  temperature: ["C4", "D4", "E4", "F4", "G4"],
  equipment: ["C5", "B4", "A4", "G4", "F4"],
};

/** Seconds between repeats of a priority's burst; 0 = once. */
export const REPEAT_S: Readonly<Record<AlarmPriority, number>> = { high: 5, medium: 15, low: 0 };

/** Which melody an alarm plays: a device fault is equipment, heart rate cardiac, temperature its own. */
export function categoryOf(alarm: Alarm): AlarmCategory {
  if (alarm.kind === "technical") return AlarmCategory.equipment;
  if (alarm.key.endsWith(":heartRate")) return AlarmCategory.cardiac;
  if (alarm.key.endsWith(":temperature")) return AlarmCategory.temperature;
  return AlarmCategory.general;
}

export interface Note {
  hz: number;
  /** Seconds from the start of the burst. */
  at: number;
  seconds: number;
}

/**
 * The notes of one burst: high is the melody twice (pulses 150 ms, 100 ms apart, 0.5 s between
 * the halves), medium once with slower pulses, low the first two notes softly.
 */
export function burst(priority: AlarmPriority, category: AlarmCategory): Note[] {
  const melody = MELODIES[category];
  const spec = {
    high: { notes: [...melody, ...melody], pulse: 0.15, gap: 0.1, halfPause: 0.5 },
    medium: { notes: [...melody], pulse: 0.2, gap: 0.2, halfPause: 0 },
    low: { notes: melody.slice(0, 2), pulse: 0.25, gap: 0.25, halfPause: 0 },
  }[priority];
  const out: Note[] = [];
  let t = 0;
  spec.notes.forEach((name, i) => {
    if (i === melody.length && spec.halfPause > 0) t += spec.halfPause - spec.gap;
    out.push({ hz: HZ[name]!, at: t, seconds: spec.pulse });
    t += spec.pulse + spec.gap;
  });
  return out;
}

/** Plays bursts for the sounding priority; `set(null)` stops. Starts audio on the first gesture. */
export class AlarmSound {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private playing: string | null = null;

  /** Browsers start audio only after a user gesture: call from a click or key handler. */
  unlock(): void {
    if (typeof AudioContext === "undefined") return;
    this.context ??= new AudioContext();
    void this.context.resume();
  }

  /** The alarm whose priority and melody should sound now, or null for silence. */
  set(alarm: Alarm | null): void {
    const signature = alarm === null ? null : `${alarm.priority}/${categoryOf(alarm)}`;
    if (signature === this.playing) return;
    this.stop();
    this.playing = signature;
    if (alarm === null) return;
    const notes = burst(alarm.priority, categoryOf(alarm));
    const repeat = REPEAT_S[alarm.priority];
    const play = () => {
      this.play(notes, alarm.priority);
      if (repeat > 0) this.timer = setTimeout(play, repeat * 1000);
    };
    play();
  }

  dispose(): void {
    this.stop();
    void this.context?.close();
    this.context = null;
  }

  private stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.playing = null;
  }

  private play(notes: readonly Note[], priority: AlarmPriority): void {
    const ctx = this.context;
    if (ctx === null || ctx.state !== "running") return;
    const volume = priority === "high" ? 0.25 : priority === "medium" ? 0.18 : 0.1;
    const start = ctx.currentTime + 0.05;
    for (const n of notes) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      // A few harmonics' worth of timbre (IEC asks for >= 4 harmonics): a square-ish triangle.
      osc.type = "triangle";
      osc.frequency.value = n.hz;
      const t = start + n.at;
      gain.gain.setValueAtTime(0, t);
      gain.gain.linearRampToValueAtTime(volume, t + 0.02);
      gain.gain.setValueAtTime(volume, t + n.seconds - 0.03);
      gain.gain.linearRampToValueAtTime(0, t + n.seconds);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + n.seconds + 0.01);
    }
  }
}
