/**
 * The procedure state machine: pure, clock and interlock injected. The patient's stop always
 * wins; automated steps only run while the SOE interlock passes (or a clinician overrides it with
 * a written reason); every change is kept in an ordered history.
 */

import { Grant, grantFor, refusalMessage } from "../access.ts";
import { ErrorCode, fail, ok, type Result } from "../protocol.ts";
import { Role } from "../roles.ts";
import {
  isTerminalStatus,
  ProcedureCommand,
  type ProcedurePlan,
  ProcedureStatus,
  type ProcedureStep,
  type ProcedureTransition,
  type ProcedureView,
  StepKind,
} from "./types.ts";

/** Who sends a command; identity comes from the server's session, never from the payload. */
export interface Actor {
  memberId: string;
  role: Role;
}

/** Whether the data an automated step depends on can be trusted right now. */
export type InterlockCheck = (step: ProcedureStep) => { ok: true } | { ok: false; reason: string };

/** Longest reason kept in the history; a longer one is refused (a stop's is cut instead). */
export const MAX_REASON_CHARS = 500;

/** Statuses the patient's stop can return to. */
export type ReturnStatus =
  | typeof ProcedureStatus.notStarted
  | typeof ProcedureStatus.running
  | typeof ProcedureStatus.paused
  | typeof ProcedureStatus.blocked;

type By = ProcedureTransition["by"];
type Override = NonNullable<ProcedureView["override"]>;

/**
 * Everything a machine knows, as plain structured-clonable data, so a room survives a restart.
 * `fromState(toState())` gives a machine that answers every command exactly as the original.
 */
export interface ProcedureMachineState {
  plan: ProcedurePlan;
  status: ProcedureStatus;
  stepIndex: number;
  blockedReason: string | null;
  override: Override | null;
  consentGiven: boolean;
  /** Where the patient's `ready` returns to; non-null only while paused_by_patient. */
  returnTo: ReturnStatus | null;
  history: ProcedureTransition[];
}

const INTERLOCK: By = { system: "interlock" };

const AFTER_STOP =
  "The patient has stopped. Only the patient's 'ready', or a clinician's resume with a reason, continues.";

function illegal<T>(message: string): Result<T> {
  return fail(ErrorCode.illegalTransition, message);
}

/**
 * A step command refused in a status where it does not apply: the usual words for that status, or
 * the command's own (`own`) where it can say it better ("already paused" for a pause).
 */
function refused<T>(status: ProcedureStatus, own: Partial<Record<ProcedureStatus, string>> = {}): Result<T> {
  return illegal(own[status] ?? USUAL_REFUSAL[status]);
}

const USUAL_REFUSAL: Readonly<Record<ProcedureStatus, string>> = {
  [ProcedureStatus.notStarted]: "The procedure has not started yet: start it first.",
  [ProcedureStatus.running]: "The procedure is already running.",
  [ProcedureStatus.paused]: "The procedure is paused: resume it first.",
  [ProcedureStatus.blocked]: "A step is blocked by the safety interlock: resume, skip or override it.",
  [ProcedureStatus.pausedByPatient]: AFTER_STOP,
  [ProcedureStatus.aborted]: "The procedure has already aborted.",
  [ProcedureStatus.completed]: "The procedure has already completed.",
};

/** One procedure run on one plan. Not thread-safe by design: the room applies commands in order. */
export class ProcedureMachine {
  private readonly plan: ProcedurePlan;
  private readonly now: () => number;
  private readonly interlock: InterlockCheck;
  private status: ProcedureStatus = ProcedureStatus.notStarted;
  private stepIndex = 0;
  private blockedReason: string | null = null;
  private override: Override | null = null;
  private consentGiven = false;
  /** Where the patient's `ready` returns to; set only while paused_by_patient. */
  private returnTo: ReturnStatus | null = null;
  private readonly log: ProcedureTransition[] = [];

  constructor(plan: ProcedurePlan, opts: { now: () => number; interlock: InterlockCheck }) {
    // A private copy: later edits to the caller's plan object cannot change a running procedure.
    this.plan = deepFreeze(structuredClone(plan));
    this.now = opts.now;
    this.interlock = opts.interlock;
  }

  /**
   * Rebuilds a machine from `toState()`. Refuses a state that contradicts itself (a step outside
   * the plan, a status its own history does not end in), so a damaged record never half-loads.
   */
  static fromState(
    state: ProcedureMachineState,
    opts: { now: () => number; interlock: InterlockCheck },
  ): Result<ProcedureMachine> {
    const bad = (why: string) => fail<ProcedureMachine>(ErrorCode.badPayload, `Stored procedure: ${why}.`);
    const steps = state.plan.steps.length;
    if (!Number.isInteger(state.stepIndex) || state.stepIndex < 0 || state.stepIndex > steps)
      return bad(`step ${state.stepIndex} is outside a plan of ${steps} steps`);
    const last = state.history.at(-1);
    if ((last?.to ?? ProcedureStatus.notStarted) !== state.status)
      return bad(`status ${state.status} is not where its history ends`);
    if (state.returnTo !== null && state.status !== ProcedureStatus.pausedByPatient)
      return bad("a return point is set although the patient has not stopped");
    const machine = new ProcedureMachine(state.plan, opts);
    machine.status = state.status;
    machine.stepIndex = state.stepIndex;
    machine.blockedReason = state.blockedReason;
    machine.override = state.override === null ? null : { ...state.override };
    machine.consentGiven = state.consentGiven;
    machine.returnTo = state.returnTo;
    machine.log.push(...structuredClone(state.history));
    return ok(machine);
  }

  /**
   * The machine as plain data, for `fromState`. Copied, except the plan: it is frozen at
   * construction, so sharing it is safe and keeps a frequent snapshot cheap.
   */
  toState(): ProcedureMachineState {
    return {
      plan: this.plan,
      status: this.status,
      stepIndex: this.stepIndex,
      blockedReason: this.blockedReason,
      override: this.override === null ? null : { ...this.override },
      consentGiven: this.consentGiven,
      returnTo: this.returnTo,
      history: [...this.history()],
    };
  }

  /**
   * Applies one command. Returns the last transition it recorded (an `interlock_block` when the
   * step it landed on is blocked); history() holds every one. Refusals are values, never throws.
   */
  command(actor: Actor, command: ProcedureCommand, reason?: string): Result<ProcedureTransition> {
    // The patient's stop comes first, before the role table, reason checks or anything else.
    if (command === ProcedureCommand.stop && actor.role === Role.patient) return this.stop(actor, reason);

    const grant = grantFor(actor.role, command);
    if (grant === Grant.no) return fail(ErrorCode.forbidden, refusalMessage(actor.role, command));
    const why = normaliseReason(reason);
    if (!why.ok) return why;
    if (isTerminalStatus(this.status)) return illegal(`The procedure has already ${this.status}.`);
    if (grant === Grant.manualStepsOnly) {
      const refusal = this.manualStepsRefusal(command);
      if (refusal !== null) return fail(ErrorCode.forbidden, refusal);
    }
    const by: By = { memberId: actor.memberId, role: actor.role };
    switch (command) {
      case ProcedureCommand.start:
        return this.start(by, why.value);
      case ProcedureCommand.pause:
        return this.pause(by, why.value);
      case ProcedureCommand.resume:
        return this.resume(by, why.value);
      case ProcedureCommand.next:
        return this.next(by, why.value);
      case ProcedureCommand.repeat:
        return this.repeat(by, why.value);
      case ProcedureCommand.abort:
        return this.abort(by, why.value);
      case ProcedureCommand.ready:
        return this.ready(by, why.value);
      case ProcedureCommand.override:
        return this.overrideInterlock(actor, why.value);
      case ProcedureCommand.stop:
        // Only the patient holds `stop`, handled above; the table refuses everyone else.
        return fail(ErrorCode.forbidden, refusalMessage(actor.role, command));
    }
  }

  /**
   * Re-runs the interlock for a running automated step (call it whenever reading quality changes).
   * A failure blocks the step. A pass never unblocks: a clinician resumes, which checks again.
   */
  reevaluateInterlock(): ProcedureTransition | null {
    if (this.status !== ProcedureStatus.running || this.override !== null) return null;
    const step = this.plan.steps[this.stepIndex];
    if (step === undefined || step.kind !== StepKind.automated) return null;
    const check = this.check(step);
    if (check.ok) return null;
    this.blockedReason = check.reason;
    return this.move(ProcedureStatus.blocked, "interlock_block", INTERLOCK, check.reason);
  }

  /** The procedure as every client sees it (fresh objects, safe to send or keep). */
  view(): ProcedureView {
    const steps = this.plan.steps;
    const terminal = isTerminalStatus(this.status);
    const started = this.status !== ProcedureStatus.notStarted && !terminal;
    const step = started ? (steps[this.stepIndex] ?? null) : null;
    let nextStep: ProcedureStep | null = null;
    if (this.status === ProcedureStatus.notStarted) nextStep = steps[0] ?? null;
    else if (!terminal) nextStep = steps[this.stepIndex + 1] ?? null;
    return {
      planId: this.plan.id,
      planName: this.plan.name,
      status: this.status,
      stepIndex: this.stepIndex,
      stepCount: steps.length,
      step: step === null ? null : structuredClone(step),
      nextStep: nextStep === null ? null : structuredClone(nextStep),
      blockedReason: this.blockedReason,
      override: this.override === null ? null : { ...this.override },
      consentGiven: step?.kind === StepKind.consent ? this.consentGiven : false,
      notYet: this.notYet(),
      remainingSeconds: terminal
        ? 0
        : steps.slice(this.stepIndex).reduce((sum, s) => sum + s.expectedSeconds, 0),
    };
  }

  /** Every transition so far, oldest first. */
  history(): readonly ProcedureTransition[] {
    return this.log.map((t) => ({ ...t, by: { ...t.by } }));
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  private stop(actor: Actor, reason: string | undefined): Result<ProcedureTransition> {
    const status = this.status;
    switch (status) {
      case ProcedureStatus.aborted:
      case ProcedureStatus.completed:
        return illegal(`The procedure has already ${status}: there is nothing left to stop.`);
      case ProcedureStatus.pausedByPatient:
        // A second stop is accepted too, and keeps the status the first one will return to.
        break;
      case ProcedureStatus.notStarted:
        // Before the start a stop is a "not yet": nothing is paused, no step is entered. It is
        // recorded (the team is told) and holds the start until the patient is ready.
        return ok(this.move(ProcedureStatus.notStarted, ProcedureCommand.stop, by(actor), cut(reason)));
      case ProcedureStatus.running:
      case ProcedureStatus.paused:
      case ProcedureStatus.blocked:
        this.returnTo = status;
        break;
    }
    // Stopping at a consent step withdraws the consent given there: ask again after the stop.
    this.consentGiven = false;
    return ok(this.move(ProcedureStatus.pausedByPatient, ProcedureCommand.stop, by(actor), cut(reason)));
  }

  /**
   * Whether the patient said "not yet" before the start and has not said "I'm ready" since. Read
   * from the history (the last transition is their stop), so it survives a restart unchanged.
   */
  private notYet(): boolean {
    const last = this.log.at(-1);
    return this.status === ProcedureStatus.notStarted && last?.command === ProcedureCommand.stop;
  }

  private start(by: By, reason: string | undefined): Result<ProcedureTransition> {
    if (this.status !== ProcedureStatus.notStarted) return illegal("The procedure has already started.");
    if (this.notYet() && reason === undefined) {
      return illegal(
        "The patient said 'not yet'. Wait for their 'I'm ready', or start with a reason, e.g. 'spoke with the patient'.",
      );
    }
    return ok(this.land(0, ProcedureCommand.start, by, reason));
  }

  private pause(by: By, reason: string | undefined): Result<ProcedureTransition> {
    switch (this.status) {
      case ProcedureStatus.running:
      case ProcedureStatus.blocked:
        return ok(this.move(ProcedureStatus.paused, ProcedureCommand.pause, by, reason));
      case ProcedureStatus.paused:
      case ProcedureStatus.pausedByPatient:
      case ProcedureStatus.notStarted:
      case ProcedureStatus.aborted:
      case ProcedureStatus.completed:
        return refused(this.status, {
          [ProcedureStatus.paused]: "The procedure is already paused.",
          [ProcedureStatus.pausedByPatient]: "The patient has stopped: the procedure is already paused.",
          [ProcedureStatus.notStarted]: "The procedure has not started yet.",
        });
    }
  }

  private resume(by: By, reason: string | undefined): Result<ProcedureTransition> {
    switch (this.status) {
      case ProcedureStatus.paused:
        return ok(this.land(this.stepIndex, ProcedureCommand.resume, by, reason));
      case ProcedureStatus.blocked: {
        const check = this.check(this.currentStep());
        if (!check.ok) {
          return illegal(
            `Still blocked: ${check.reason}. Use your clinical judgement: skip the step, or override with a reason.`,
          );
        }
        return ok(this.resumeChecked(check, by, reason));
      }
      case ProcedureStatus.pausedByPatient:
        return this.resumeAfterStop(by, reason);
      case ProcedureStatus.running:
      case ProcedureStatus.notStarted:
      case ProcedureStatus.aborted:
      case ProcedureStatus.completed:
        return refused(this.status, {
          [ProcedureStatus.notStarted]: "The procedure has not started yet: start it instead.",
        });
    }
  }

  /**
   * A clinician lifts the patient's stop; a written reason is required (it goes in the record).
   * Resuming means "carry on": a stop made during a clinician's pause lands on running, a stop
   * over a block re-checks the interlock, a stop before the start goes back to not started.
   */
  private resumeAfterStop(by: By, reason: string | undefined): Result<ProcedureTransition> {
    if (reason === undefined) {
      return illegal("Resuming after the patient's stop needs a reason, e.g. 'spoke with the patient'.");
    }
    const target = this.takeReturnStatus();
    switch (target) {
      case ProcedureStatus.notStarted:
        return ok(this.move(ProcedureStatus.notStarted, ProcedureCommand.resume, by, reason));
      case ProcedureStatus.running:
      case ProcedureStatus.paused:
        return ok(this.land(this.stepIndex, ProcedureCommand.resume, by, reason));
      case ProcedureStatus.blocked:
        return ok(this.resumeChecked(this.check(this.currentStep()), by, reason));
    }
  }

  /** A resume over a block, after the interlock was asked again: running if it passed, else still blocked. */
  private resumeChecked(
    check: { ok: true } | { ok: false; reason: string },
    by: By,
    reason: string | undefined,
  ): ProcedureTransition {
    this.blockedReason = check.ok ? null : check.reason;
    const status = check.ok ? ProcedureStatus.running : ProcedureStatus.blocked;
    return this.move(status, ProcedureCommand.resume, by, reason);
  }

  private ready(by: By, reason: string | undefined): Result<ProcedureTransition> {
    if (this.notYet()) return ok(this.move(ProcedureStatus.notStarted, ProcedureCommand.ready, by, reason));
    if (this.status === ProcedureStatus.pausedByPatient) {
      const target = this.takeReturnStatus();
      switch (target) {
        case ProcedureStatus.running:
          return ok(this.land(this.stepIndex, ProcedureCommand.ready, by, reason));
        case ProcedureStatus.notStarted:
        case ProcedureStatus.paused:
        case ProcedureStatus.blocked:
          // The patient lifts only their own stop: a clinician's pause or a block stays in place.
          return ok(this.move(target, ProcedureCommand.ready, by, reason));
      }
    }
    if (this.status === ProcedureStatus.running && this.currentStep().kind === StepKind.consent) {
      this.consentGiven = true;
      return ok(this.move(ProcedureStatus.running, ProcedureCommand.ready, by, reason));
    }
    return illegal("Nothing is waiting for the patient's 'ready' right now.");
  }

  private next(by: By, reason: string | undefined): Result<ProcedureTransition> {
    switch (this.status) {
      case ProcedureStatus.running:
      case ProcedureStatus.blocked: {
        if (this.currentStep().kind === StepKind.consent && !this.consentGiven) {
          return illegal("Waiting for the patient's consent: they press 'I'm ready' when they agree.");
        }
        return ok(this.land(this.stepIndex + 1, ProcedureCommand.next, by, reason));
      }
      case ProcedureStatus.paused:
      case ProcedureStatus.pausedByPatient:
      case ProcedureStatus.notStarted:
      case ProcedureStatus.aborted:
      case ProcedureStatus.completed:
        return refused(this.status);
    }
  }

  private repeat(by: By, reason: string | undefined): Result<ProcedureTransition> {
    switch (this.status) {
      case ProcedureStatus.running:
      case ProcedureStatus.paused:
      case ProcedureStatus.blocked:
        // A repeat is a fresh run of the step: its override and consent do not carry over.
        this.override = null;
        this.consentGiven = false;
        return ok(this.land(this.stepIndex, ProcedureCommand.repeat, by, reason));
      case ProcedureStatus.pausedByPatient:
      case ProcedureStatus.notStarted:
      case ProcedureStatus.aborted:
      case ProcedureStatus.completed:
        return refused(this.status);
    }
  }

  private abort(by: By, reason: string | undefined): Result<ProcedureTransition> {
    this.returnTo = null;
    this.blockedReason = null;
    return ok(this.move(ProcedureStatus.aborted, ProcedureCommand.abort, by, reason));
  }

  private overrideInterlock(actor: Actor, reason: string | undefined): Result<ProcedureTransition> {
    if (this.status !== ProcedureStatus.blocked) {
      return illegal("Override is only possible while a step is blocked by the safety interlock.");
    }
    if (reason === undefined) return illegal("An override needs a written reason.");
    this.blockedReason = null;
    const by: By = { memberId: actor.memberId, role: actor.role };
    const transition = this.move(ProcedureStatus.running, ProcedureCommand.override, by, reason);
    this.override = { by: actor.memberId, reason, at: transition.at };
    return ok(transition);
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  /** Why a manual-steps-only grant (the assistant's) does not cover this command now, if so. */
  private manualStepsRefusal(command: ProcedureCommand): string | null {
    if (this.status === ProcedureStatus.pausedByPatient) {
      return "Only the patient or a clinician (with a reason) can continue after the patient's stop.";
    }
    if (this.status === ProcedureStatus.notStarted) return null;
    const current = this.currentStep();
    const target = command === ProcedureCommand.next ? this.plan.steps[this.stepIndex + 1] : current;
    if (current.kind === StepKind.automated || target?.kind === StepKind.automated) {
      return "Automated steps are run by a clinician.";
    }
    return null;
  }

  /** Moves onto a step (or past the last one) and runs the interlock if it is automated. */
  private land(index: number, command: ProcedureCommand, by: By, reason: string | undefined) {
    if (index !== this.stepIndex) {
      this.override = null;
      this.consentGiven = false;
    }
    this.stepIndex = index;
    this.blockedReason = null;
    const step = this.plan.steps[index];
    if (step === undefined) {
      this.stepIndex = this.plan.steps.length;
      return this.move(ProcedureStatus.completed, command, by, reason);
    }
    // The interlock is asked before moving, so the history never claims an automated step ran
    // on data it could not trust, not even for an instant.
    const check =
      step.kind === StepKind.automated && this.override === null ? this.check(step) : { ok: true as const };
    if (check.ok) return this.move(ProcedureStatus.running, command, by, reason);
    this.move(ProcedureStatus.blocked, command, by, reason);
    this.blockedReason = check.reason;
    return this.move(ProcedureStatus.blocked, "interlock_block", INTERLOCK, check.reason);
  }

  /** The interlock, fail-safe: if the check itself throws, the step is blocked. */
  private check(step: ProcedureStep): { ok: true } | { ok: false; reason: string } {
    try {
      return this.interlock(step);
    } catch {
      return { ok: false, reason: "The safety check could not run: use clinical judgement" };
    }
  }

  private currentStep(): ProcedureStep {
    // Callers only ask while started and not terminal, so the index is inside the plan.
    return this.plan.steps[this.stepIndex]!;
  }

  private takeReturnStatus(): ReturnStatus {
    const target = this.returnTo ?? ProcedureStatus.paused;
    this.returnTo = null;
    return target;
  }

  /** The clock, never going backwards in the history even if the injected clock does. */
  private stamp(): number {
    const last = this.log.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
    return Math.max(this.now(), last);
  }

  private move(
    to: ProcedureStatus,
    command: ProcedureTransition["command"],
    by: By,
    reason: string | undefined,
  ): ProcedureTransition {
    const transition: ProcedureTransition = {
      at: this.stamp(),
      command,
      by,
      from: this.status,
      to,
      stepIndex: this.stepIndex,
      ...(reason === undefined ? {} : { reason }),
    };
    this.status = to;
    this.log.push(transition);
    return transition;
  }
}

function by(actor: Actor): By {
  return { memberId: actor.memberId, role: actor.role };
}

/** A stop is never refused for its reason: an over-long one is cut, not rejected. */
function cut(reason: string | undefined): string | undefined {
  return typeof reason === "string" ? reason.trim().slice(0, MAX_REASON_CHARS) || undefined : undefined;
}

/** Freezes an object and everything in it (the plan never changes once a machine runs it). */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Trims a reason; blank becomes undefined; an over-long one is a bad payload. */
function normaliseReason(reason: string | undefined): Result<string | undefined> {
  if (reason === undefined) return ok(undefined);
  if (typeof reason !== "string") return fail(ErrorCode.badPayload, "The reason must be text.");
  const trimmed = reason.trim();
  if (trimmed.length > MAX_REASON_CHARS) {
    return fail(ErrorCode.badPayload, `The reason is too long (at most ${MAX_REASON_CHARS} characters).`);
  }
  return ok(trimmed === "" ? undefined : trimmed);
}
