/** Colours and display ranges for the SOE charts. Pure. */
import { SIGNAL_SPECS, type Signal } from "../../shared/soe/signals.ts";

/**
 * A stable colour per tooth, so "36" is the same colour on every chart and every session:
 * one hue per quadrant, a darker one for molars and a second for the front teeth.
 */
const QUADRANT_COLOURS: Readonly<Record<number, readonly [molar: string, front: string]>> = {
  1: ["#1565c0", "#3949ab"],
  2: ["#7b1fa2", "#ad1457"],
  3: ["#00897b", "#558b2f"],
  4: ["#e65100", "#6d4c41"],
};
const WEARABLE_COLOUR = "#c2185b";
const OTHER_COLOUR = "#455a64";

export function seriesColour(tooth: number | null): string {
  if (tooth === null) return WEARABLE_COLOUR;
  const pair = QUADRANT_COLOURS[Math.floor(tooth / 10)];
  if (pair === undefined) return OTHER_COLOUR;
  return tooth % 10 >= 6 ? pair[0] : pair[1];
}

/** Y range always shown, so a flat line is read against a meaningful scale; data outside widens it. */
const DISPLAY_RANGE: Readonly<Record<Signal, readonly [number, number]>> = {
  ph: [4.5, 8],
  temperature: [31, 38],
  biteForce: [0, 900],
  plaque: [0, 3],
  inflammation: [0, 3],
  heartRate: [40, 140],
};

export function displayRange(
  signal: Signal,
  dataMin: number | null,
  dataMax: number | null,
): [number, number] {
  const [lo, hi] = DISPLAY_RANGE[signal];
  const spec = SIGNAL_SPECS[signal];
  const min = dataMin === null ? lo : Math.max(spec.min, Math.min(lo, dataMin));
  const max = dataMax === null ? hi : Math.min(spec.max, Math.max(hi, dataMax));
  return [min, max];
}

/** Reference lines worth drawing: the enamel-risk pH. */
export function thresholdLines(signal: Signal): { value: number; label: string }[] {
  return signal === "ph" ? [{ value: 5.5, label: "5.5" }] : [];
}

/** Whether to shade the normal band (bite force's "normal" is the whole scale). */
export function showsNormalBand(signal: Signal): boolean {
  return signal !== "biteForce";
}
