/**
 * Words for the firmware quarantine UI, pure: the confirmation with counts, the result line and
 * one line per quarantine or lift in the clinic's history.
 */
import type { FirmwareAction, FirmwareImpact, FirmwareQuarantineOutcome } from "../../shared/protocol.ts";
import { formatClock } from "./format.ts";

/** The shortest reason the server accepts (shared/schemas.ts firmwareReasonSchema). */
export const MIN_REASON_LENGTH = 8;

/** "2026-11-26 14:03:27" in local time: quarantines can be days old, so the date is always shown. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(ms)}`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Whether a typed reason is long enough to send. */
export function reasonReady(reason: string): boolean {
  return reason.trim().length >= MIN_REASON_LENGTH;
}

/** Asked before quarantining a version in normal use. */
export function confirmationText(impact: FirmwareImpact): string {
  return (
    `Firmware ${impact.firmware} is in normal use in this clinic. Quarantining it flags ` +
    `${count(impact.devices, "device")} of ${count(impact.patients, "patient")} and retracts ` +
    `${count(impact.readings, "reading")} taken since ${formatDateTime(impact.since)}. ` +
    "Retracted readings stay retracted even if the quarantine is lifted later."
  );
}

export function quarantineResultText(firmware: string, outcome: FirmwareQuarantineOutcome): string {
  return (
    `Firmware ${firmware}: ${count(outcome.devices, "device")} flagged, ` +
    `${count(outcome.retracted, "reading")} retracted.`
  );
}

/** One line of the history list, newest shown first by the caller. */
export function historyLine(action: FirmwareAction): string {
  const when = formatDateTime(action.at);
  switch (action.action) {
    case "quarantine":
      return (
        `${when} · Quarantined ${action.firmware} by ${action.by} ` +
        `(readings since ${formatDateTime(action.since)}, ${count(action.retracted, "reading")} retracted): ${action.reason}`
      );
    case "lift":
      return `${when} · Lifted ${action.firmware} by ${action.by}: ${action.reason}`;
  }
}
