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
}

/**
 * Whether the care team is attending to something: an active alarm above low priority. This is
 * all the patient and the observer learn of alarms (a calm cue), never their text or device.
 */
export function isTeamChecking(alarms: readonly Alarm[]): boolean {
  return alarms.some((a) => a.clearedAt === undefined && a.priority !== AlarmPriority.low);
}
