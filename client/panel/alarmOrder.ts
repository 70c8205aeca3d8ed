/** Which alarms are active, in what order, which belong to the log, and how each reads. Pure. */
import { type Alarm, AlarmKind, type AlarmPriority } from "../../shared/alarms.ts";

/** How the reader names teeth and devices (client/panel/toothNames.ts `ToothNames`). */
export interface AlarmNaming {
  number(fdi: number): string;
  device(tooth: number | null | undefined): string;
}

/**
 * An alarm as the panel shows it: the device (technical) or tooth (physiological) in the reader's
 * notation, then the server's words, which carry no ids and no tooth numbers.
 */
export function alarmText(alarm: Alarm, names: AlarmNaming): string {
  if (alarm.kind === AlarmKind.technical) return `${names.device(alarm.tooth)}: ${alarm.message}`;
  return alarm.tooth === undefined ? alarm.message : `Tooth ${names.number(alarm.tooth)}: ${alarm.message}`;
}

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
