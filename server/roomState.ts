/**
 * What a treatment room keeps across a crash or restart, and how a stored copy is checked.
 *
 * Design: a snapshot of the whole session (room, procedure machine, alarm engine, check-in
 * trigger, Otto), written on change, not a replay of the event log. The log holds what clients
 * saw, but not what the pure parts learnt from readings that never became events (fault windows,
 * sustained-alarm counts, the heart-rate baseline's running sum, Otto's humour cooldown), so a
 * replay could not rebuild them; and a snapshot restores in constant time however long the day.
 * The log still gives the sequence number to continue from, so it never goes back.
 *
 * A stored row is parsed with a schema: a damaged one is a clear error and a fresh room, never a
 * crash and never a half-loaded state.
 */
import { z } from "zod";
import { AlarmKind, AlarmPriority } from "../shared/alarms.ts";
import type { CheckinTriggerState } from "../shared/comfort/checkinTrigger.ts";
import { OttoState, UtteranceKind } from "../shared/otto.ts";
import type { ProcedureMachineState } from "../shared/procedure/procedureMachine.ts";
import { ProcedureCommand, ProcedureStatus, StepKind } from "../shared/procedure/types.ts";
import {
  AnxietyPathway,
  ConnectionState,
  ErrorCode,
  fail,
  ok,
  type Result,
  Surroundings,
} from "../shared/protocol.ts";
import { Role } from "../shared/roles.ts";
import type { AlarmEngineState } from "../shared/soe/alarmRules.ts";
import { Signal } from "../shared/soe/signals.ts";
import { Surface } from "../shared/teeth.ts";
import type { OttoRulesState } from "./otto/ottoRules.ts";
import type { RoomState } from "./room.ts";

/** Bumped when the stored shape changes; an older row is refused (fresh room), never misread. */
export const SESSION_STATE_VERSION = 1;

/** Everything one treatment session knows, as plain structured-clonable data. */
export interface SessionState {
  version: typeof SESSION_STATE_VERSION;
  appointmentId: string;
  room: RoomState;
  machine: ProcedureMachineState | null;
  alarms: AlarmEngineState;
  checkin: CheckinTriggerState;
  otto: OttoRulesState;
  /** Alarm ids issued so far, so a restored session never issues one twice. */
  alarmCounter: number;
  lastPeriodicCheckin: number;
  ottoChangedAt: number;
}

const time = z.number().finite();
const text = z.string();
const nullableTime = time.nullable();
const roleSchema = z.enum(Object.values(Role));
const statusSchema = z.enum(Object.values(ProcedureStatus));

const stepSchema = z.object({
  id: text,
  kind: z.enum(Object.values(StepKind)),
  title: text,
  teeth: z.array(z.number().int()),
  surfaces: z.array(z.enum(Object.values(Surface))),
  explanation: text,
  dependsOn: z.array(z.enum(Object.values(Signal))),
  expectedSeconds: z.number().nonnegative(),
  tellShowDo: z.object({ tell: text, show: text, do: text }).optional(),
  sound: text.optional(),
});

const overrideSchema = z.object({ by: text, reason: text, at: time });

const transitionSchema = z.object({
  at: time,
  command: z.enum([...Object.values(ProcedureCommand), "interlock_block", "interlock_clear"]),
  by: z.union([z.object({ memberId: text, role: roleSchema }), z.object({ system: z.literal("interlock") })]),
  from: statusSchema,
  to: statusSchema,
  stepIndex: z.number().int().nonnegative(),
  reason: text.optional(),
});

const machineSchema = z.object({
  plan: z.object({ id: text, name: text, summary: text, steps: z.array(stepSchema).min(1) }),
  status: statusSchema,
  stepIndex: z.number().int().nonnegative(),
  blockedReason: text.nullable(),
  override: overrideSchema.nullable(),
  consentGiven: z.boolean(),
  returnTo: z
    .enum([
      ProcedureStatus.notStarted,
      ProcedureStatus.running,
      ProcedureStatus.paused,
      ProcedureStatus.blocked,
    ])
    .nullable(),
  history: z.array(transitionSchema),
});

const procedureViewSchema = z.object({
  planId: text,
  planName: text,
  status: statusSchema,
  stepIndex: z.number().int().nonnegative(),
  stepCount: z.number().int().nonnegative(),
  step: stepSchema.nullable(),
  nextStep: stepSchema.nullable(),
  blockedReason: text.nullable(),
  override: overrideSchema.nullable(),
  consentGiven: z.boolean().optional(),
  // A stop before the start ("not yet") is part of the view.
  notYet: z.boolean().optional(),
  remainingSeconds: z.number().nonnegative().optional(),
});

const alarmSchema = z.object({
  id: text,
  kind: z.enum(Object.values(AlarmKind)),
  priority: z.enum(Object.values(AlarmPriority)),
  key: text,
  message: text,
  deviceId: text.optional(),
  tooth: z.number().int().optional(),
  raisedAt: time,
  clearedAt: time.optional(),
  acknowledgedAt: time.optional(),
  acknowledgedBy: text.optional(),
  silencedUntil: time.optional(),
  causes: z
    .array(z.object({ key: text, priority: z.enum(Object.values(AlarmPriority)), words: text }))
    .optional(),
  escalatedAt: time.optional(),
});

const faultSchema = z.object({
  invalidAt: z.array(time),
  suspectAt: z.array(time),
  lastBadAt: nullableTime,
  lastValidAt: nullableTime,
});

const alarmEngineSchema = z.object({
  alarms: z.array(alarmSchema),
  activeByKey: z.record(text, text),
  faults: z.record(text, faultSchema),
  sustains: z.array(
    z.object({
      deviceId: text,
      signal: z.enum(Object.values(Signal)),
      since: z.array(nullableTime),
      clearSince: nullableTime,
      lastT: time,
    }),
  ),
  dropped: z.record(text, z.array(z.enum(Object.values(Signal)))),
});

const memberViewSchema = z.object({
  memberId: text,
  personId: text,
  displayName: text,
  role: roleSchema,
  connection: z.enum(Object.values(ConnectionState)),
  slot: z.number().int().min(0).max(255),
});

const utteranceSchema = z.object({
  kind: z.enum(Object.values(UtteranceKind)),
  text,
  addressee: text.optional(),
  rate: z.number().positive().optional(),
});

const comfortSchema = z.object({
  mdasScore: z.number().int().nullable(),
  pathway: z.enum(Object.values(AnxietyPathway)),
  surroundings: z.enum(Object.values(Surroundings)),
  breathingCoach: z.boolean(),
  checkinPending: z.object({ reason: text, requestedAt: time }).nullable(),
  lastCheckin: z.object({ score: z.number().int(), at: time }).nullable(),
  heartRateBaseline: z.number().nullable(),
});

const roomSchema = z.object({
  seq: z.number().int().nonnegative(),
  members: z.array(z.object({ view: memberViewSchema, droppedAt: nullableTime })),
  otto: z.object({
    state: z.enum(Object.values(OttoState)),
    lookAt: text.nullable(),
    lastUtterance: utteranceSchema.nullable(),
  }),
  procedure: procedureViewSchema.nullable(),
  comfort: comfortSchema,
  alarms: z.array(alarmSchema),
  devices: z.array(
    z.object({
      deviceId: text,
      firmware: text,
      tooth: z.number().int().nullable(),
      quarantined: z.boolean(),
      lastSeenAt: nullableTime,
    }),
  ),
});

const sessionStateSchema: z.ZodType<SessionState> = z.object({
  version: z.literal(SESSION_STATE_VERSION),
  appointmentId: text,
  room: roomSchema,
  machine: machineSchema.nullable(),
  alarms: alarmEngineSchema,
  checkin: z.object({
    firstAt: nullableTime,
    lastAt: nullableTime,
    sum: z.number().finite(),
    count: z.number().int().nonnegative(),
    baseline: z.number().positive().nullable(),
    riseSince: nullableTime,
    quietUntil: nullableTime,
  }),
  otto: z.object({ lastHumourAt: nullableTime }),
  alarmCounter: z.number().int().nonnegative(),
  lastPeriodicCheckin: time,
  ottoChangedAt: time,
});

/** One session's state as stored text. */
export function encodeSessionState(state: SessionState): string {
  return JSON.stringify(state);
}

/** Parses and checks a stored row; a damaged one is a `bad_payload` naming the first bad field. */
export function decodeSessionState(stored: string): Result<SessionState> {
  let raw: unknown;
  try {
    raw = JSON.parse(stored);
  } catch {
    return fail(ErrorCode.badPayload, "Stored room state is not JSON.");
  }
  const parsed = sessionStateSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const where = issue?.path.join(".") || "(root)";
  return fail(
    ErrorCode.badPayload,
    `Stored room state is damaged at ${where}: ${issue?.message ?? "invalid"}.`,
  );
}
