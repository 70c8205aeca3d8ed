import { ProcedureStatus, type ProcedureView } from "./procedure/types.ts";

/** IEC 60601-1-8: technical alarms (device faults) are distinct from physiological ones. */
export const AlarmKind = { technical: "technical", physiological: "physiological" } as const;
export type AlarmKind = (typeof AlarmKind)[keyof typeof AlarmKind];

export const AlarmPriority = { high: "high", medium: "medium", low: "low" } as const;
export type AlarmPriority = (typeof AlarmPriority)[keyof typeof AlarmPriority];

/** Visual conventions per priority: colour and flash rate (Hz, 0 = steady). */
export const ALARM_VISUALS: Readonly<Record<AlarmPriority, { colour: string; flashHz: number }>> = {
  high: { colour: "#d32f2f", flashHz: 2 },
  medium: { colour: "#f9a825", flashHz: 0.6 },
  low: { colour: "#00acc1", flashHz: 0 },
};

/**
 * One cause of a device's technical alarm: a failing measurement, a dropout, quarantined firmware
 * or a resend conflict. A device's causes are listed in ONE alarm (IEC 60601-1-8 practice).
 */
export interface AlarmCause {
  /** Condition key, e.g. "technical:soe-julian-36:ph", "dropout:soe-julian-36". */
  key: string;
  priority: AlarmPriority;
  /** Plain words, e.g. "pH unreliable (stuck at one value)". */
  words: string;
}

export interface Alarm {
  id: string;
  kind: AlarmKind;
  priority: AlarmPriority;
  /** Stable key of the condition, e.g. "technical:soe-julian-36:ph"; one active alarm per key. */
  key: string;
  message: string;
  deviceId?: string;
  tooth?: number;
  raisedAt: number;
  /** When the condition cleared; the alarm stays listed until acknowledged. */
  clearedAt?: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  /** Sound silenced until this time; the visual always stays. */
  silencedUntil?: number;
  /** Technical alarms: the device's current causes, most severe first. */
  causes?: AlarmCause[];
  /** When a medium alarm left unacknowledged was raised to high. */
  escalatedAt?: number;
}

/**
 * Whether the care team is attending to something the patient would notice: after Start, the
 * treatment is held (blocked by the interlock or paused by the team, not the patient's own stop)
 * while an alarm that can hold it is active. A low pH or a bite-force reading on a tooth never holds
 * the treatment, and before Start or after the end there is nothing to explain, so neither worries
 * the patient. This is all the patient and the observer learn of alarms (a calm cue), never their
 * text or device.
 */
export function isTeamChecking(
  alarms: readonly Alarm[],
  procedure: Pick<ProcedureView, "status"> | null,
): boolean {
  const held = procedure?.status === ProcedureStatus.blocked || procedure?.status === ProcedureStatus.paused;
  return held && alarms.some((a) => a.clearedAt === undefined && holdsProcedure(a));
}

/**
 * An alarm that can hold the treatment: a device fault (the interlock stops automated steps on its
 * data) or the patient's own condition (heart rate); not a tooth's physiological reading.
 */
export function holdsProcedure(alarm: Alarm): boolean {
  if (alarm.priority === AlarmPriority.low) return false;
  switch (alarm.kind) {
    case AlarmKind.technical:
      return true;
    case AlarmKind.physiological:
      return alarm.tooth === undefined;
  }
}

/**
 * What the 3D teeth, the tooth grid and the device table show of one tooth's alarms: the most
 * severe active alarm on it (its priority and words) and how many are active. The panel puts it
 * on each tooth state (`ToothState.alarm` in client/panel/toothHeatmap.ts), which reaches the
 * scene through `ClinicianPanel.onToothStatesChanged`; the scene colours an outline by
 * `ALARM_VISUALS[alarm.priority]` and flashes it at its rate.
 */
export interface ToothAlarm {
  priority: AlarmPriority;
  kind: AlarmKind;
  /** Active alarms on the tooth. */
  count: number;
  /** The most severe one's message. */
  message: string;
  /** Whether every active alarm on the tooth has been acknowledged (a steady outline then). */
  acknowledged: boolean;
}

const PRIORITY_RANK: Readonly<Record<AlarmPriority, number>> = { low: 0, medium: 1, high: 2 };

/** Active alarms per tooth, the most severe first (ties: technical, then newest). Pure. */
export function toothAlarms(alarms: readonly Alarm[]): Map<number, ToothAlarm> {
  const out = new Map<number, ToothAlarm>();
  const worst = new Map<number, Alarm>();
  for (const a of alarms) {
    if (a.tooth === undefined || a.clearedAt !== undefined) continue;
    const prev = out.get(a.tooth);
    const top = worst.get(a.tooth);
    if (top === undefined || moreSevere(a, top)) worst.set(a.tooth, a);
    const best = worst.get(a.tooth)!;
    out.set(a.tooth, {
      priority: best.priority,
      kind: best.kind,
      count: (prev?.count ?? 0) + 1,
      message: best.message,
      acknowledged: (prev?.acknowledged ?? true) && a.acknowledgedAt !== undefined,
    });
  }
  return out;
}

function moreSevere(a: Alarm, b: Alarm): boolean {
  const d = PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority];
  if (d !== 0) return d > 0;
  if (a.kind !== b.kind) return a.kind === AlarmKind.technical;
  return a.raisedAt > b.raisedAt;
}

/**
 * An alarm as Otto says it aloud to the care team: what is wrong and on what kind of device, but
 * no tooth number (the listener's notation is unknown to the server; the panel names the tooth).
 */
export function spokenAlarm(alarm: Alarm): string {
  if (alarm.kind !== AlarmKind.technical) return alarm.message;
  return `${alarm.tooth === undefined ? "the heart-rate wearable" : "a tooth sensor"}: ${alarm.message}`;
}
