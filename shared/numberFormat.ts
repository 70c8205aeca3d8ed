/**
 * Numbers a person can read, wherever a sensor value reaches a screen or a sentence: alarm texts,
 * chart legends, the device table. A broken sensor can send 4.6e+155; a clinician must read "out
 * of sensor range (3–9)", never an exponent or a 21-digit integer. Pure.
 */
import { SIGNAL_SPECS, type Signal } from "./soe/signals.ts";

/** Decimals shown per signal: pH to 0.01 as the sensor displays it, scores to one decimal. */
export const SIGNAL_DECIMALS: Readonly<Record<Signal, number>> = {
  ph: 2,
  temperature: 1,
  biteForce: 0,
  plaque: 1,
  inflammation: 1,
  heartRate: 0,
};

/** Units as clinicians read them (UCUM codes are for machines). */
export const SIGNAL_UNIT_TEXT: Readonly<Record<Signal, string>> = {
  ph: "",
  temperature: "°C",
  biteForce: "N",
  plaque: "",
  inflammation: "",
  heartRate: "bpm",
};

/** "3–9", "25–42 °C": the range a working sensor of this signal can report. */
export function sensorRange(signal: Signal): string {
  const spec = SIGNAL_SPECS[signal];
  const unit = SIGNAL_UNIT_TEXT[signal];
  return `${spec.min}–${spec.max}${unit ? ` ${unit}` : ""}`;
}

/** Whether a working sensor could have reported this value at all. */
export function inSensorRange(signal: Signal, value: number): boolean {
  const spec = SIGNAL_SPECS[signal];
  return Number.isFinite(value) && value >= spec.min && value <= spec.max;
}

/** "6.82", "34.6 °C", "412 N"; a value no sensor could report: "out of sensor range (3–9)". */
export function formatReading(signal: Signal, value: number, withUnit = true): string {
  if (!inSensorRange(signal, value)) return `out of sensor range (${sensorRange(signal)})`;
  const text = value.toFixed(SIGNAL_DECIMALS[signal]);
  const unit = SIGNAL_UNIT_TEXT[signal];
  return withUnit && unit ? `${text} ${unit}` : text;
}

/**
 * A change between two readings: "0.41", or "more than the whole sensor range (3–9)" when the
 * jump alone shows a value was impossible.
 */
export function formatChange(signal: Signal, change: number): string {
  const spec = SIGNAL_SPECS[signal];
  const size = Math.abs(change);
  if (!Number.isFinite(size) || size > spec.max - spec.min)
    return `more than the whole sensor range (${sensorRange(signal)})`;
  return readableNumber(size);
}

/**
 * Any number in words a person reads at a glance: three significant digits, whole numbers from
 * 1,000, "over a million" beyond that, words for the broken ones. Never an exponent.
 */
export function readableNumber(v: number): string {
  if (Number.isNaN(v)) return "not a number";
  if (!Number.isFinite(v)) return v > 0 ? "infinity" : "minus infinity";
  const size = Math.abs(v);
  if (size >= 1_000_000) return v > 0 ? "over a million" : "below minus a million";
  if (size >= 1000) return Math.round(v).toLocaleString("en-GB");
  if (size !== 0 && size < 0.001) return v > 0 ? "almost 0" : "almost 0";
  return String(Number(v.toPrecision(3)));
}
