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

/**
 * The smallest y span a chart shows, so sensor noise on a steady signal is not magnified into
 * waves; the axis otherwise fits the data (bite force at rest, 0-3 N, is not drawn on 0-750 N).
 */
const MIN_SPAN: Readonly<Record<Signal, number>> = {
  ph: 1,
  temperature: 2,
  biteForce: 5,
  plaque: 3,
  inflammation: 3,
  heartRate: 30,
};

/** What the axis shows before any reading arrives: the signal's normal range, padded. */
const EMPTY_RANGE: Readonly<Record<Signal, readonly [number, number]>> = {
  ph: [5, 8],
  temperature: [33, 36],
  biteForce: [0, 50],
  plaque: [0, 3],
  inflammation: [0, 3],
  heartRate: [50, 110],
};

/**
 * The y range for a chart: the data's range with a margin, at least `MIN_SPAN` wide, rounded to
 * a readable step and never beyond what the sensor can measure. Force and scores start at 0.
 */
export function displayRange(
  signal: Signal,
  dataMin: number | null,
  dataMax: number | null,
): [number, number] {
  const spec = SIGNAL_SPECS[signal];
  if (dataMin === null || dataMax === null || !Number.isFinite(dataMin) || !Number.isFinite(dataMax)) {
    return [...EMPTY_RANGE[signal]];
  }
  const lo0 = Math.max(spec.min, Math.min(dataMin, dataMax));
  const hi0 = Math.min(spec.max, Math.max(dataMin, dataMax));
  const minSpan = MIN_SPAN[signal];
  const margin = Math.max((hi0 - lo0) * 0.1, minSpan * 0.05);
  let lo = lo0 - margin;
  let hi = hi0 + margin;
  if (hi - lo < minSpan) {
    const mid = (lo + hi) / 2;
    lo = mid - minSpan / 2;
    hi = mid + minSpan / 2;
  }
  const zeroBased = spec.min === 0;
  if (zeroBased) lo = 0;
  if (zeroBased && hi < minSpan) hi = minSpan;
  const step = niceStep((hi - lo) / 4);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  // Shift back inside the sensor's range rather than cut the margin off one side only.
  if (lo < spec.min) {
    hi = Math.min(spec.max, hi + (spec.min - lo));
    lo = spec.min;
  }
  if (hi > spec.max) {
    lo = Math.max(spec.min, lo - (hi - spec.max));
    hi = spec.max;
  }
  return [round(lo), round(hi)];
}

/** 1, 2, 2.5 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** A shaded zone of clinical meaning on a chart (DOMAIN.md). */
export interface ClinicalBand {
  from: number;
  to: number;
  kind: "normal" | "risk";
  label: string;
}

/**
 * Bands drawn under the series: the normal range, and where one exists the range of clinical
 * concern (pH below 5.5: enamel at risk; heart rate above 100 at rest). Bite force has no normal
 * band (it is ~0 at rest and spikes while chewing).
 */
export function clinicalBands(signal: Signal): ClinicalBand[] {
  const spec = SIGNAL_SPECS[signal];
  const normal: ClinicalBand = {
    from: spec.normalLow,
    to: spec.normalHigh,
    kind: "normal",
    label: "normal",
  };
  switch (signal) {
    case "ph":
      return [normal, { from: spec.min, to: 5.5, kind: "risk", label: "enamel at risk < 5.5" }];
    case "heartRate":
      return [normal, { from: 100, to: spec.max, kind: "risk", label: "above resting" }];
    case "temperature":
      return [normal];
    case "plaque":
    case "inflammation":
      return [{ ...normal, label: "healthy" }];
    case "biteForce":
      return [];
  }
}

/** Reference lines worth drawing: the enamel-risk pH. */
export function thresholdLines(signal: Signal): { value: number; label: string }[] {
  return signal === "ph" ? [{ value: 5.5, label: "5.5" }] : [];
}

/** Whether to shade the normal band (bite force's "normal" is the whole scale). */
export function showsNormalBand(signal: Signal): boolean {
  return signal !== "biteForce";
}
