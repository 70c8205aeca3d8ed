/** How the panel writes times, values and qualities in words. Pure. */
import type { AlarmKind, AlarmPriority } from "../../shared/alarms.ts";
import type { ProcedureStatus } from "../../shared/procedure/types.ts";
import type { Role } from "../../shared/roles.ts";
import { SIGNAL_SPECS, type Signal } from "../../shared/soe/signals.ts";

/** Decimals shown per signal: pH to the sensor's 0.01 display, scores to one decimal. */
const DECIMALS: Readonly<Record<Signal, number>> = {
  ph: 2,
  temperature: 1,
  biteForce: 0,
  plaque: 1,
  inflammation: 1,
  heartRate: 0,
};

/** Units as clinicians read them (UCUM codes are for machines). */
const UNIT_TEXT: Readonly<Record<Signal, string>> = {
  ph: "",
  temperature: "°C",
  biteForce: "N",
  plaque: "",
  inflammation: "",
  heartRate: "bpm",
};

/** Short labels for chart headers and tooth cards. */
export const SIGNAL_SHORT: Readonly<Record<Signal, string>> = {
  ph: "pH",
  temperature: "Temp",
  biteForce: "Bite force",
  plaque: "Plaque",
  inflammation: "Gingival",
  heartRate: "Heart rate",
};

export function signalLabel(signal: Signal): string {
  return SIGNAL_SPECS[signal].label;
}

export function unitText(signal: Signal): string {
  return UNIT_TEXT[signal];
}

/** "6.82", "34.6 °C", "412 N", "1.2", "88 bpm". */
export function formatValue(signal: Signal, value: number, withUnit = true): string {
  const text = value.toFixed(DECIMALS[signal]);
  const unit = UNIT_TEXT[signal];
  return withUnit && unit ? `${text} ${unit}` : text;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "14:03" in local time: what the panel shows for a time; clinicians read hours and minutes. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** "14:03:27" in local time, only where the second matters (a quarantine's retraction boundary). */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${formatTime(ms)}:${pad2(d.getSeconds())}`;
}

/** "just now", "12 s ago", "3 min ago", "2 h ago". */
export function formatAgo(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 2) return "just now";
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  return `${Math.floor(min / 60)} h ago`;
}

/** "1:53" for a countdown. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${pad2(s % 60)}`;
}

export function statusText(status: ProcedureStatus): string {
  switch (status) {
    case "not_started":
      return "Ready to start";
    case "running":
      return "Running";
    case "paused":
      return "Paused";
    case "paused_by_patient":
      return "Paused by patient";
    case "blocked":
      return "Held by safety interlock";
    case "aborted":
      return "Aborted";
    case "completed":
      return "Completed";
  }
}

export function roleText(role: Role): string {
  switch (role) {
    case "patient":
      return "Patient";
    case "clinician":
      return "Clinician";
    case "assistant":
      return "Assistant";
    case "observer":
      return "Observer";
    case "presenter":
      return "Presenter";
    case "otto":
      return "AI assistant";
  }
}

export function priorityText(priority: AlarmPriority): string {
  switch (priority) {
    case "high":
      return "HIGH";
    case "medium":
      return "MEDIUM";
    case "low":
      return "LOW";
  }
}

export function kindText(kind: AlarmKind): string {
  switch (kind) {
    case "technical":
      return "Technical · device";
    case "physiological":
      return "Physiological · patient";
  }
}

/** Initials for an avatar: "Dr. Ray" -> "DR", "Noah" -> "NO". */
export function initials(name: string): string {
  const words = name
    .replace(/[^\p{L}\s]/gu, " ")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return "?";
  if (words.length === 1) return words[0]!.slice(0, 2).toUpperCase();
  return (words[0]![0]! + words[words.length - 1]![0]!).toUpperCase();
}
