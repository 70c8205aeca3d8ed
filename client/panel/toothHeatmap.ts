/**
 * Per-tooth state for the heat map and the 3D view. Pure. Only a valid, fresh, non-quarantined
 * reading gets a colour on the scale; anything else is "unknown" (grey) with the reason, and a
 * tooth without a sensor is "no sensor": never shown as healthy.
 */
import { type Alarm, AlarmKind, type ToothAlarm, toothAlarms } from "../../shared/alarms.ts";
import type { DeviceView } from "../../shared/protocol.ts";
import type { Signal } from "../../shared/soe/signals.ts";
import { formatValue } from "./format.ts";
import type { LatestEntry } from "./latestReadings.ts";

export const HEATMAP_SIGNALS = [
  "ph",
  "inflammation",
  "plaque",
  "temperature",
] as const satisfies readonly Signal[];
export type HeatmapSignal = (typeof HEATMAP_SIGNALS)[number];

/** A reading older than this (server receive time) no longer colours a tooth. */
export const STALE_MS = 10_000;

export const UNKNOWN_COLOUR = "#8d99a6";
export const NO_SENSOR_COLOUR = "#d5dbe1";

export type ToothStatus = "valid" | "unknown" | "no-sensor";
export type ToothLevel = "good" | "fair" | "watch" | "poor" | "bad" | "cool";

export interface ToothState {
  fdi: number;
  status: ToothStatus;
  colour: string;
  /** One line for a tooltip or the 3D label: "pH 6.82 · slightly low", "Unknown: …", "No sensor". */
  label: string;
  /** Why the tooth is unknown, in plain words; null when valid. */
  reason: string | null;
  level: ToothLevel | null;
  value: number | null;
  /** The tooth's most severe active alarm (shared/alarms.ts `toothAlarms`), or null. */
  alarm: ToothAlarm | null;
}

interface Band {
  /** Lower bound (inclusive) of the band. */
  from: number;
  level: ToothLevel;
  colour: string;
  words: string;
}

const GREEN = "#2e7d32";
const LIME = "#7cb342";
const AMBER = "#f9a825";
const ORANGE = "#ef6c00";
const RED = "#c62828";
const BLUE = "#1e88e5";

/** Bands from the highest lower bound down; the first band whose `from` <= value applies. */
const BANDS: Readonly<Record<HeatmapSignal, readonly Band[]>> = {
  ph: [
    { from: 7, level: "good", colour: GREEN, words: "neutral" },
    { from: 6.5, level: "fair", colour: LIME, words: "slightly low" },
    { from: 6, level: "watch", colour: AMBER, words: "low" },
    { from: 5.5, level: "poor", colour: ORANGE, words: "very low" },
    { from: Number.NEGATIVE_INFINITY, level: "bad", colour: RED, words: "enamel at risk" },
  ],
  inflammation: scoreBands("no inflammation"),
  plaque: scoreBands("no plaque"),
  temperature: [
    { from: 37, level: "bad", colour: RED, words: "hot" },
    { from: 35.2, level: "watch", colour: AMBER, words: "warm" },
    { from: 33.8, level: "good", colour: GREEN, words: "normal" },
    { from: Number.NEGATIVE_INFINITY, level: "cool", colour: BLUE, words: "cool" },
  ],
};

function scoreBands(zero: string): Band[] {
  return [
    { from: 2.5, level: "bad", colour: RED, words: "severe" },
    { from: 1.5, level: "poor", colour: ORANGE, words: "moderate" },
    { from: 0.5, level: "watch", colour: AMBER, words: "mild" },
    { from: Number.NEGATIVE_INFINITY, level: "good", colour: GREEN, words: zero },
  ];
}

export function bandFor(signal: HeatmapSignal, value: number): Band {
  const bands = BANDS[signal];
  return bands.find((b) => value >= b.from) ?? bands[bands.length - 1]!;
}

/** Legend entries, from good to bad, with the range in words. */
export function legendFor(signal: HeatmapSignal): { colour: string; text: string }[] {
  const bands = BANDS[signal];
  const out = bands.map((b, i) => {
    const upper = i === 0 ? null : bands[i - 1]!.from;
    const lower = Number.isFinite(b.from) ? b.from : null;
    const range = lower === null ? `< ${upper}` : upper === null ? `≥ ${lower}` : `${lower}–${upper}`;
    return { colour: b.colour, text: `${range} ${b.words}` };
  });
  // pH reads best from healthy (high) to unhealthy (low); the others from low to high.
  return signal === "ph" ? out : out.reverse();
}

export interface HeatmapInput {
  signal: HeatmapSignal;
  teeth: readonly number[];
  devices: readonly DeviceView[];
  quarantinedFirmware: readonly string[];
  latest: (signal: Signal, tooth: number) => LatestEntry | undefined;
  /** Teeth that sent readings even if no device lists them. */
  teethWithReadings: ReadonlySet<number>;
  nowMs: number;
  /** The room's alarms; a tooth with an active technical alarm reads "unknown". */
  alarms?: readonly Alarm[];
}

const SIGNAL_WORD: Readonly<Record<HeatmapSignal, string>> = {
  ph: "pH",
  inflammation: "inflammation",
  plaque: "plaque",
  temperature: "temperature",
};

function unknown(fdi: number, reason: string): ToothState {
  return {
    fdi,
    status: "unknown",
    colour: UNKNOWN_COLOUR,
    label: `Unknown: ${reason}`,
    reason,
    level: null,
    value: null,
    alarm: null,
  };
}

/** State of one tooth for the chosen signal. */
export function toothState(fdi: number, input: HeatmapInput): ToothState {
  const { signal, nowMs } = input;
  const device = input.devices.find((d) => d.tooth === fdi);
  if (device === undefined && !input.teethWithReadings.has(fdi)) {
    return {
      fdi,
      status: "no-sensor",
      colour: NO_SENSOR_COLOUR,
      label: "No sensor",
      reason: "no sensor on this tooth",
      level: null,
      value: null,
      alarm: null,
    };
  }
  if (device !== undefined && (device.quarantined || input.quarantinedFirmware.includes(device.firmware))) {
    return unknown(fdi, `sensor quarantined (firmware ${device.firmware})`);
  }
  const word = SIGNAL_WORD[signal];
  const entry = input.latest(signal, fdi);
  if (entry === undefined) return unknown(fdi, `no ${word} reading yet`);
  const r = entry.latest;
  // Reasons stay free of running clocks, so the state changes only when the situation does.
  if (r.status === "entered-in-error") return unknown(fdi, `latest ${word} reading retracted`);
  if (r.quality !== "valid")
    return unknown(fdi, `${word} reading ${r.quality}: ${r.reason ?? "no reason given"}`);
  if (nowMs - r.receivedAt > STALE_MS)
    return unknown(fdi, `no valid ${word} reading for over ${STALE_MS / 1000} s`);
  const band = bandFor(signal, r.value);
  const label = `${signal === "ph" ? "pH" : word[0]!.toUpperCase() + word.slice(1)} ${formatValue(signal, r.value)} · ${band.words}`;
  return {
    fdi,
    status: "valid",
    colour: band.colour,
    label,
    reason: null,
    level: band.level,
    value: r.value,
    alarm: null,
  };
}

/**
 * Every tooth's state with its alarm: a technical alarm (the device's data went bad) makes the
 * tooth "unknown" whatever its last reading said, so the grid, the 3D teeth and the device table
 * agree; a physiological alarm keeps the colour and adds the alarm.
 */
export function computeToothStates(input: HeatmapInput): Map<number, ToothState> {
  const alarms = toothAlarms(input.alarms ?? []);
  const out = new Map<number, ToothState>();
  for (const fdi of input.teeth) {
    const alarm = alarms.get(fdi) ?? null;
    let state = toothState(fdi, input);
    if (alarm !== null && alarm.kind === AlarmKind.technical && state.status === "valid") {
      state = unknown(fdi, alarm.message);
    }
    out.set(fdi, alarm === null ? state : { ...state, alarm, label: `${alarmWord(alarm)} · ${state.label}` });
  }
  return out;
}

function alarmWord(alarm: ToothAlarm): string {
  const more = alarm.count > 1 ? ` (+${alarm.count - 1})` : "";
  return `${alarm.priority.toUpperCase()} alarm${more}`;
}

/** Cheap equality so listeners hear only real changes. */
export function sameStates(a: ReadonlyMap<number, ToothState>, b: ReadonlyMap<number, ToothState>): boolean {
  if (a.size !== b.size) return false;
  for (const [fdi, s] of a) {
    const o = b.get(fdi);
    if (o === undefined || o.status !== s.status || o.colour !== s.colour || o.label !== s.label)
      return false;
    if (o.alarm?.priority !== s.alarm?.priority || o.alarm?.acknowledged !== s.alarm?.acknowledged)
      return false;
  }
  return true;
}
