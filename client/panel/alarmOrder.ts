/** Which alarms are active, in what order, which belong to the log, and how each reads. Pure. */
import type { Alarm, AlarmPriority } from "../../shared/alarms.ts";

// The words themselves live in shared/ so the record, the replay and the FHIR export read the same.
export { type AlarmNaming, alarmText } from "../../shared/alarmWords.ts";

const RANK: Readonly<Record<AlarmPriority, number>> = { high: 0, medium: 1, low: 2 };

/** Not yet acknowledged: highest priority first, then newest first. Cleared alarms stay until acknowledged. */
export function activeAlarms(alarms: readonly Alarm[]): Alarm[] {
  return alarms
    .filter((a) => a.acknowledgedAt === undefined)
    .sort(
      (a, b) => RANK[a.priority] - RANK[b.priority] || b.raisedAt - a.raisedAt || a.id.localeCompare(b.id),
    );
}

/** Acknowledged alarms, most recently acknowledged first. */
export function alarmLog(alarms: readonly Alarm[]): Alarm[] {
  return alarms
    .filter((a) => a.acknowledgedAt !== undefined)
    .sort((a, b) => (b.acknowledgedAt ?? 0) - (a.acknowledgedAt ?? 0) || b.raisedAt - a.raisedAt);
}

/** High-priority alarms nobody has acknowledged yet: these drive the global banner. */
export function unacknowledgedHigh(alarms: readonly Alarm[]): Alarm[] {
  return activeAlarms(alarms).filter((a) => a.priority === "high");
}

export function isSilenced(alarm: Alarm, nowMs: number): boolean {
  return alarm.silencedUntil !== undefined && alarm.silencedUntil > nowMs;
}
