import type { Role } from "../roles.ts";
import type { Signal } from "../soe/signals.ts";
import type { Surface } from "../teeth.ts";

/** What kind of work a procedure step is. Automated steps are gated by the SOE safety interlock. */
export const StepKind = {
  manual: "manual",
  automated: "automated",
  narration: "narration",
  checkin: "checkin",
  consent: "consent",
} as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

/** The three parts of a tell-show-do explanation, each one or two short sentences. */
export interface TellShowDo {
  /** What we are going to do, in plain words. */
  tell: string;
  /** What the patient will see, hear or feel. */
  show: string;
  /** That we are about to do it (and how to ask for a pause). */
  do: string;
}

export interface ProcedureStep {
  id: string;
  kind: StepKind;
  title: string;
  /** FDI teeth the step concerns (may be empty for whole-mouth narration). */
  teeth: number[];
  surfaces: Surface[];
  /** Patient-friendly tell-show-do explanation, read by Otto and shown in VR. */
  explanation: string;
  /** For automated steps: SOE signals that must be valid for the step to run. */
  dependsOn: Signal[];
  /** Rough duration, for "how long?" answers and the demo. */
  expectedSeconds: number;
  /** The explanation split into its tell-show-do parts, so Otto can pace them (short sentences). */
  tellShowDo?: TellShowDo;
  /** Patient-friendly answer to "what is that sound?" during this step, if it makes a sound. */
  sound?: string;
}

export interface ProcedurePlan {
  id: string;
  name: string;
  /** Patient-facing one-line summary. */
  summary: string;
  steps: ProcedureStep[];
}

/** Where the procedure stands. */
export const ProcedureStatus = {
  notStarted: "not_started",
  running: "running",
  paused: "paused",
  pausedByPatient: "paused_by_patient",
  blocked: "blocked",
  aborted: "aborted",
  completed: "completed",
} as const;
export type ProcedureStatus = (typeof ProcedureStatus)[keyof typeof ProcedureStatus];

/** Whether the procedure has ended for good (nothing, not even a stop, changes it any more). */
export function isTerminalStatus(status: ProcedureStatus): boolean {
  switch (status) {
    case ProcedureStatus.aborted:
    case ProcedureStatus.completed:
      return true;
    case ProcedureStatus.notStarted:
    case ProcedureStatus.running:
    case ProcedureStatus.paused:
    case ProcedureStatus.pausedByPatient:
    case ProcedureStatus.blocked:
      return false;
  }
}

/** Commands people (and Otto) send to the procedure. */
export const ProcedureCommand = {
  start: "start",
  pause: "pause",
  resume: "resume",
  next: "next",
  repeat: "repeat",
  abort: "abort",
  /** The patient's stop signal: always accepted from the patient, pauses at once. */
  stop: "stop",
  /** The patient says "I'm ready" after a stop. */
  ready: "ready",
  /** A clinician overrides the safety interlock with a written reason. */
  override: "override",
} as const;
export type ProcedureCommand = (typeof ProcedureCommand)[keyof typeof ProcedureCommand];
/** Every command, for tables and property tests. */
export const PROCEDURE_COMMANDS: readonly ProcedureCommand[] = Object.values(ProcedureCommand);

/** One entry of the procedure's kept history. */
export interface ProcedureTransition {
  at: number;
  command: ProcedureCommand | "interlock_block" | "interlock_clear";
  by: { memberId: string; role: Role } | { system: "interlock" };
  from: ProcedureStatus;
  to: ProcedureStatus;
  stepIndex: number;
  reason?: string;
}

/** The procedure as every client sees it. */
export interface ProcedureView {
  planId: string;
  planName: string;
  status: ProcedureStatus;
  stepIndex: number;
  stepCount: number;
  step: ProcedureStep | null;
  nextStep: ProcedureStep | null;
  /** Plain-words reason the step cannot run now (interlock), if any. */
  blockedReason: string | null;
  /** Override recorded for the current step, if any. */
  override: { by: string; reason: string; at: number } | null;
  /** At a consent step: whether the patient has given consent (pressed "I'm ready"). */
  consentGiven?: boolean;
  /** Before the start: the patient stopped ("not yet") and has not said "I'm ready" since. */
  notYet?: boolean;
  /** Expected seconds of the current and all later steps (0 once ended), for "how long?". */
  remainingSeconds?: number;
}
