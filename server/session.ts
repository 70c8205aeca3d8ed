/**
 * One treatment session: the room plus the procedure, the patient's comfort, alarms and Otto.
 * Pure: the clock and randomness are injected and persistence goes through a sink, so the whole
 * session is tested without sockets. The Socket.IO adapters call `handle`, `onReadings` and `tick`.
 */
import { commandRefusal } from "../shared/access.ts";
import { type Alarm, AlarmKind, spokenAlarm } from "../shared/alarms.ts";
import { CheckinTrigger } from "../shared/comfort/checkinTrigger.ts";
import { PATHWAYS, scoreMdas } from "../shared/comfort/mdas.ts";
import { isSpokenStop } from "../shared/feelings.ts";
import { OttoState, type OttoUtterance, type PatientQuestion } from "../shared/otto.ts";
import { planById } from "../shared/procedure/plans.ts";
import { ProcedureMachine } from "../shared/procedure/procedureMachine.ts";
import {
  ProcedureCommand,
  ProcedureStatus,
  type ProcedureTransition,
  StepKind,
} from "../shared/procedure/types.ts";
import {
  type ComfortView,
  type DeliveredRoomEvent,
  type DeviceView,
  ErrorCode,
  Ev,
  type FirmwareAction,
  type FirmwareQuarantineOutcome,
  fail,
  ok,
  type ReadingsBatch,
  type Result,
  type RoomEvent,
  type RoomSnapshot,
} from "../shared/protocol.ts";
import { type AudienceRole, Role } from "../shared/roles.ts";
import type { ClientPayload, ClientPayloadEvent } from "../shared/schemas.ts";
import { AlarmEngine, type RuledReading } from "../shared/soe/alarmRules.ts";
import { PatientTrust } from "../shared/soe/deviceTrust.ts";
import { interlockFor, type SignalStatus } from "../shared/soe/interlock.ts";
import type { DropoutFinding } from "../shared/soe/plausibility.ts";
import { type CheckedReading, Quality } from "../shared/soe/signals.ts";
import type { Appointment } from "./clinic.ts";
import { understand } from "./otto/feelingCues.ts";
import type { OttoInput } from "./otto/ottoRules.ts";
import { OttoRules } from "./otto/ottoRules.ts";
import { type JoinOutcome, type JoinRequest, Room } from "./room.ts";
import { audienceOf, projectEvent, projectSnapshot } from "./roomProjection.ts";
import { SESSION_STATE_VERSION, type SessionState } from "./roomState.ts";
import type { QuarantineRequest } from "./soe/soeService.ts";

/** Who sent a command: identity from the token, never from the payload. */
export interface SessionActor {
  memberId: string;
  personId: string;
  role: Role;
}

/** What the session needs from the outside world (storage and clinic-wide SOE state). */
export interface SessionPorts {
  saveAlarm(alarm: Alarm): void;
  readingsSince(sinceMs: number): Promise<CheckedReading[]>;
  /** Quarantine and lift act on the clinic of this session's appointment only. */
  quarantine(request: QuarantineRequest, by: string): Promise<Result<FirmwareQuarantineOutcome>>;
  lift(firmware: string, reason: string, by: string): Promise<Result<FirmwareAction>>;
  audit(who: string, action: string, why: string): void;
  /**
   * Makes the session's current state durable; resolves once it is stored (or the failure was
   * logged). Awaited before a safety-critical command is acknowledged.
   */
  flushState(): Promise<void>;
}

/**
 * Commands whose effect is stored before their ack, so an acknowledged one still holds after a
 * crash: the patient's stop above all, every procedure change and alarm action, and the comfort
 * a person set by hand. (Otto's answers, history reads and quarantines, stored by the SOE
 * service, are not room state.) People act at human rates, so this costs a write per click.
 */
const DURABLE_BEFORE_ACK: ReadonlySet<ClientPayloadEvent> = new Set<ClientPayloadEvent>([
  Ev.procedureCommand,
  Ev.procedureSelect,
  Ev.alarmAck,
  Ev.alarmSilence,
  Ev.mdasSubmit,
  Ev.checkinSubmit,
  Ev.checkinRequest,
  Ev.breathing,
  Ev.surroundings,
  Ev.ottoTell, // A spoken "stop" is a stop: stored before its ack
]);

export interface SessionOptions {
  now: () => number;
  rand: () => number;
  ports: SessionPorts;
  newId?: () => string;
}

/** How many readings a chart history request may return. */
const HISTORY_LIMIT = 20_000;

export class TreatmentSession {
  readonly room: Room;
  readonly appointment: Appointment;
  private readonly now: () => number;
  private readonly ports: SessionPorts;
  private machine: ProcedureMachine | null = null;
  private alarms: AlarmEngine;
  /** What the interlock may trust of this patient's devices (the one trust module). */
  private readonly trust = new PatientTrust();
  private checkin: CheckinTrigger;
  private readonly otto: OttoRules;
  private readonly newAlarmId: () => string;
  private alarmCounter = 0;
  private lastPeriodicCheckin: number;
  private ottoChangedAt = 0;
  /**
   * When this session opened: chart history starts here, so a fresh session (the demo's next
   * loop, a reset room) never shows the readings of the one before it. A session restored after a
   * restart continues the one before and has no floor.
   */
  private openedAt: number;

  constructor(appointment: Appointment, opts: SessionOptions) {
    this.appointment = appointment;
    this.now = opts.now;
    this.ports = opts.ports;
    this.room = new Room(appointment, { now: opts.now });
    this.newAlarmId =
      opts.newId ??
      (() => `al-${appointment.appointmentId}-${opts.now().toString(36)}-${++this.alarmCounter}`);
    this.alarms = new AlarmEngine({ now: opts.now, newId: this.newAlarmId });
    this.otto = new OttoRules({ rand: opts.rand });
    this.checkin = new CheckinTrigger({ patientName: appointment.patientName });
    this.lastPeriodicCheckin = opts.now();
    this.openedAt = opts.now();
    this.selectPlanInternal(appointment.planId);
  }

  /**
   * A session continued from `toState()` after a restart. A state that does not fit this
   * appointment or contradicts itself is refused whole (the caller opens a fresh session).
   * `minSeq` is the last sequence number in the room's event log: the sequence never goes back.
   */
  static fromState(
    appointment: Appointment,
    state: SessionState,
    opts: SessionOptions,
    minSeq = 0,
  ): Result<TreatmentSession> {
    if (state.appointmentId !== appointment.appointmentId) {
      return fail(ErrorCode.badPayload, `Stored state belongs to appointment ${state.appointmentId}.`);
    }
    const session = new TreatmentSession(appointment, opts);
    const restored = session.restoreState(state, minSeq);
    return restored.ok ? ok(session) : restored;
  }

  /** Everything this session knows, as plain structured-clonable data. */
  toState(): SessionState {
    return {
      version: SESSION_STATE_VERSION,
      appointmentId: this.appointment.appointmentId,
      room: this.room.toState(),
      machine: this.machine?.toState() ?? null,
      alarms: this.alarms.toState(),
      checkin: this.checkin.toState(),
      otto: this.otto.toState(),
      alarmCounter: this.alarmCounter,
      lastPeriodicCheckin: this.lastPeriodicCheckin,
      ottoChangedAt: this.ottoChangedAt,
    };
  }

  /** Validates every part first, then swaps them in: a refused state leaves the session fresh. */
  private restoreState(state: SessionState, minSeq: number): Result<null> {
    const machine =
      state.machine === null
        ? ok(null)
        : ProcedureMachine.fromState(state.machine, {
            now: this.now,
            interlock: (step) => interlockFor(step, this.trustedStatuses()),
          });
    if (!machine.ok) return machine;
    const alarms = AlarmEngine.fromState(state.alarms, { now: this.now, newId: this.newAlarmId });
    if (!alarms.ok) return alarms;
    this.machine = machine.value;
    this.alarms = alarms.value;
    this.checkin = CheckinTrigger.fromState(state.checkin, { patientName: this.appointment.patientName });
    this.otto.restoreState(state.otto);
    this.alarmCounter = state.alarmCounter;
    this.lastPeriodicCheckin = state.lastPeriodicCheckin;
    this.ottoChangedAt = state.ottoChangedAt;
    this.openedAt = Number.NEGATIVE_INFINITY;
    this.room.restoreState(state.room, minSeq);
    return ok(null);
  }

  join(req: JoinRequest): JoinOutcome {
    const outcome = this.room.join(req);
    if (outcome.ok && !outcome.rejoined)
      this.ottoReact({ type: "member_joined", role: req.role, name: req.displayName });
    return outcome;
  }

  drop(memberId: string): void {
    this.room.drop(memberId);
  }

  leave(memberId: string, reason: string): void {
    this.room.leave(memberId, reason);
  }

  /** The room as this member's role may see it (shared/access.ts). */
  snapshotFor(memberId: string): RoomSnapshot {
    const member = this.room.member(memberId);
    if (member) this.ports.audit(member.personId, "read_snapshot", "joined treatment room");
    // An unknown member gets the least any person gets.
    const role = member ? audienceOf(member.role) : Role.observer;
    return projectSnapshot(this.room.snapshot(memberId), role, this.room);
  }

  /** A room event as `role` may see it: the fan-out sends each role its own form. */
  eventFor(role: AudienceRole, event: RoomEvent): DeliveredRoomEvent {
    return projectEvent(event, role, this.room);
  }

  /**
   * Executes one validated command. Expected refusals come back as values. A safety-critical
   * change is stored before this resolves, so the caller's ack promises a durable state.
   */
  async handle<E extends ClientPayloadEvent>(
    actor: SessionActor,
    event: E,
    payload: ClientPayload<E>,
  ): Promise<Result<unknown>> {
    const result = await this.dispatch(actor, event, payload);
    if (result.ok && DURABLE_BEFORE_ACK.has(event)) await this.ports.flushState();
    return result;
  }

  private async dispatch<E extends ClientPayloadEvent>(
    actor: SessionActor,
    event: E,
    payload: ClientPayload<E>,
  ): Promise<Result<unknown>> {
    // The union of payloads is narrowed per case; TypeScript cannot correlate E with payload here.
    const p = payload as ClientPayload<ClientPayloadEvent> & Record<string, unknown>;
    // Who may send what is one table (shared/access.ts). Procedure commands are decided per
    // command inside the machine, which takes the patient's stop before it reads any rule.
    if (event !== Ev.procedureCommand) {
      const refusal = commandRefusal(actor.role, event);
      if (refusal !== null) return fail(ErrorCode.forbidden, refusal);
    }
    switch (event) {
      case Ev.procedureSelect:
        return this.selectPlan(p.planId as string);
      case Ev.procedureCommand:
        return this.procedureCommand(actor, p.command as ProcedureCommand, p.reason as string | undefined);
      case Ev.mdasSubmit:
        return this.submitMdas(p.answers as number[]);
      case Ev.checkinSubmit:
        return this.submitCheckin(actor, p.score as number);
      case Ev.checkinRequest:
        return this.requestCheckin((p.reason as string | undefined) ?? "Asked by the care team");
      case Ev.breathing:
        return this.setBreathing(p.on as boolean);
      case Ev.surroundings:
        return this.setComfort({ surroundings: p.surroundings as ComfortView["surroundings"] });
      case Ev.ottoAsk:
        return this.askOtto(actor, p.question as PatientQuestion);
      case Ev.alarmAck:
        return this.alarmAction(() => this.alarms.acknowledge(p.alarmId as string, actor.personId));
      case Ev.alarmSilence:
        return this.alarmAction(() => this.alarms.silence(p.alarmId as string, p.seconds as number));
      case Ev.firmwareQuarantine:
        return this.ports.quarantine(
          {
            firmware: p.firmware as string,
            since: p.since as number,
            reason: p.reason as string,
            confirm: (p.confirm as boolean | undefined) ?? false,
          },
          actor.personId,
        );
      case Ev.firmwareLift:
        return this.ports.lift(p.firmware as string, p.reason as string, actor.personId);
      case Ev.soeHistory:
        return this.history(actor, p.sinceMs as number);
      case Ev.ottoTell:
        return this.hearPatient(actor, p.text as string, p.spoken as boolean);
      default:
        return fail(ErrorCode.unknownEvent, `Unknown command ${String(event)}.`);
    }
  }

  // -- procedure -----------------------------------------------------------------------------

  private selectPlanInternal(planId: string): boolean {
    const plan = planById(planId);
    if (!plan) return false;
    this.machine = new ProcedureMachine(plan, {
      now: this.now,
      interlock: (step) => interlockFor(step, this.trustedStatuses()),
    });
    this.room.setProcedure(this.machine.view(), null);
    return true;
  }

  private selectPlan(planId: string): Result<unknown> {
    const status = this.machine?.view().status;
    if (
      status &&
      status !== ProcedureStatus.notStarted &&
      status !== ProcedureStatus.completed &&
      status !== ProcedureStatus.aborted
    ) {
      return fail(
        ErrorCode.illegalTransition,
        "Finish or abort the current procedure before choosing another.",
      );
    }
    if (!this.selectPlanInternal(planId)) return fail(ErrorCode.notFound, `No procedure plan "${planId}".`);
    return ok(this.machine!.view());
  }

  private procedureCommand(actor: SessionActor, command: ProcedureCommand, reason?: string): Result<unknown> {
    if (!this.machine) return fail(ErrorCode.illegalTransition, "No procedure is selected.");
    const before = this.machine.view();
    const mark = this.machine.history().length;
    const result = this.machine.command({ memberId: actor.memberId, role: actor.role }, command, reason);
    if (!result.ok) return result;
    // An interlock override is a change made on the clinician's word: who, why
    if (command === ProcedureCommand.override) {
      this.ports.audit(actor.personId, "procedure.override", `step ${before.stepIndex + 1}: ${reason ?? ""}`);
    }
    this.publishSince(mark, before.stepIndex, before.status);
    return ok(this.machine.view());
  }

  /**
   * Publishes every transition since `mark` (a command may be followed by the interlock's own
   * block) and lets Otto react to what changed.
   */
  private publishSince(mark: number, prevIndex: number, prevStatus: ProcedureStatus): void {
    const machine = this.machine!;
    const view = machine.view();
    const transitions = machine.history().slice(mark);
    const last = transitions.at(-1);
    if (!last) return;
    for (const t of transitions) this.room.setProcedure(view, t);
    switch (last.command) {
      case ProcedureCommand.stop:
        this.ottoReact({ type: "patient_stop" });
        return;
      case ProcedureCommand.ready:
        this.ottoReact({ type: "patient_ready" });
        break;
      case "interlock_block":
        this.ottoReact({ type: "interlock_blocked", reason: view.blockedReason ?? "sensor data not valid" });
        return;
      default:
        break;
    }
    if (view.status === ProcedureStatus.completed && prevStatus !== ProcedureStatus.completed) {
      this.ottoReact({ type: "procedure_completed" });
      return;
    }
    const entered =
      view.status === ProcedureStatus.running &&
      (view.stepIndex !== prevIndex ||
        prevStatus === ProcedureStatus.notStarted ||
        last.command === ProcedureCommand.repeat);
    if (entered && view.step) {
      this.ottoReact({ type: "step_started", step: view.step, index: view.stepIndex, count: view.stepCount });
      if (view.step.kind === StepKind.checkin) this.setCheckinPending("Comfort check-in in the plan");
    }
  }

  // -- comfort -------------------------------------------------------------------------------

  private setComfort(patch: Partial<ComfortView>): Result<ComfortView> {
    const comfort = { ...this.room.getComfort(), ...patch };
    this.room.setComfort(comfort);
    return ok(comfort);
  }

  private submitMdas(answers: number[]): Result<ComfortView> {
    const scored = scoreMdas(answers);
    if (!scored.ok) return scored;
    const pathway = PATHWAYS[scored.value.pathway];
    return this.setComfort({
      mdasScore: scored.value.total,
      pathway: scored.value.pathway,
      surroundings: pathway.surroundings,
    });
  }

  private submitCheckin(actor: SessionActor, score: number): Result<ComfortView> {
    const result = this.setComfort({
      lastCheckin: { score, at: this.now() },
      checkinPending: null,
    });
    this.room.recordCheckin(score, actor.memberId);
    this.ottoReact({ type: "checkin", score });
    return result;
  }

  private requestCheckin(reason: string): Result<ComfortView> {
    this.setCheckinPending(reason);
    return ok(this.room.getComfort());
  }

  private setCheckinPending(reason: string): void {
    this.room.setComfort({ ...this.room.getComfort(), checkinPending: { reason, requestedAt: this.now() } });
  }

  private setBreathing(on: boolean): Result<ComfortView> {
    const result = this.setComfort({ breathingCoach: on });
    if (result.ok && on) this.ottoReact({ type: "breathing_started" });
    return result;
  }

  // -- Otto ----------------------------------------------------------------------------------

  private askOtto(actor: SessionActor, question: PatientQuestion): Result<OttoUtterance> {
    const reaction = this.ottoReact({ type: "patient_question", question }, actor.memberId);
    if (!reaction) return fail(ErrorCode.notFound, "Otto has no answer to that yet.");
    return ok(reaction);
  }

  // The patient's own words: kept in the history, heard, answered; a spoken
  // "stop" is the stop signal (an extra path beside the controller, the key and the button).
  private hearPatient(actor: SessionActor, text: string, spoken: boolean): Result<OttoUtterance | null> {
    // Typed or spoken, "stop" alone stops: pausing is the safe direction.
    const stop = isSpokenStop(text);
    const { cues, question } = understand(text);
    this.room.recordHeard({ by: actor.memberId, text, spoken, cues, stop });
    if (!stop) return ok(this.ottoReact({ type: "patient_said", text, cues, question }, actor.memberId));
    const stopped = this.procedureCommand(actor, ProcedureCommand.stop, "patient said stop (speech)");
    if (!stopped.ok && stopped.error.code !== ErrorCode.illegalTransition) return stopped;
    return ok(this.room.getOtto().lastUtterance);
  }

  private anxiety(): "calm" | "rising" | "high" {
    const comfort = this.room.getComfort();
    const recentLow =
      comfort.lastCheckin &&
      comfort.lastCheckin.score <= 3 &&
      this.now() - comfort.lastCheckin.at < 5 * 60_000;
    if (recentLow) return "high";
    if (comfort.checkinPending) return "rising";
    return "calm";
  }

  private ottoReact(input: OttoInput, askedBy?: string): OttoUtterance | null {
    const people = this.room.people();
    const patient = people.find((m) => m.role === Role.patient);
    const clinician = people.find((m) => m.role === Role.clinician);
    const procedure = this.room.getProcedure();
    const reaction = this.otto.react(input, {
      now: this.now(),
      procedure,
      alarmActive: this.alarms.list().some((a) => a.clearedAt === undefined && a.priority !== "low"),
      stoppedByPatient: procedure?.status === ProcedureStatus.pausedByPatient,
      anxiety: this.anxiety(),
      pathway: this.room.getComfort().pathway,
      patient: patient ? { memberId: patient.memberId, name: patient.displayName } : null,
      clinician: clinician ? { memberId: clinician.memberId, name: clinician.displayName } : null,
    });
    if (!reaction) return null;
    this.ottoChangedAt = this.now();
    const utterance = reaction.utterance
      ? { ...reaction.utterance, addressee: reaction.utterance.addressee ?? askedBy }
      : null;
    this.room.setOtto({
      state: reaction.state,
      lookAt: reaction.lookAt,
      lastUtterance: utterance ?? this.room.getOtto().lastUtterance,
    });
    // Words for the care team come last, so their panel keeps them on screen
    if (reaction.careTeam) {
      this.room.setOtto({
        state: reaction.state,
        lookAt: reaction.careTeam.addressee ?? null,
        lastUtterance: reaction.careTeam,
      });
    }
    if (reaction.suggestBreathing && !this.room.getComfort().breathingCoach) {
      this.room.setComfort({ ...this.room.getComfort(), breathingCoach: true });
    }
    return utterance;
  }

  // -- telemetry and alarms ------------------------------------------------------------------

  /** Checked readings for this session's patient, after they were stored. */
  onReadings(readings: readonly RuledReading[]): void {
    let changed = this.trust.observe({ readings });
    for (const r of readings) {
      if (r.signal === "heartRate" && r.quality === Quality.valid && r.status === "final") {
        const { baseline, prompt } = this.checkin.onHeartRate(r.t, r.value);
        const comfort = this.room.getComfort();
        if (baseline !== null && comfort.heartRateBaseline === null) {
          this.room.setComfort({ ...comfort, heartRateBaseline: Math.round(baseline) });
        }
        if (prompt && !this.room.getComfort().checkinPending) {
          this.setCheckinPending(prompt.reason);
          this.ottoReact({ type: "anxiety_rising", reason: prompt.reason });
        }
      }
      const baseline = this.room.getComfort().heartRateBaseline;
      if (this.publishAlarms(this.alarms.onReading(r, { heartRateBaseline: baseline }))) changed = true;
    }
    if (changed) this.reevaluateInterlock();
  }

  /** A device reused a sequence number of its boot for other content: a technical alarm. */
  onSeqConflict(deviceId: string, tooth: number | null, seq: number): void {
    if (this.publishAlarms([this.alarms.onSeqConflict(deviceId, tooth, seq)])) this.reevaluateInterlock();
  }

  /** Devices that stopped sending. */
  onDropouts(findings: readonly DropoutFinding[]): void {
    const boardChanged = this.trust.observe({ dropouts: findings });
    const alarmsChanged = this.publishAlarms(this.alarms.onDropouts([...findings]));
    if (boardChanged || alarmsChanged) this.reevaluateInterlock();
  }

  /** Sensor status as the interlock must see it: the trust module's answer, given the alarms. */
  private trustedStatuses(): SignalStatus[] {
    return this.trust.statuses(this.alarms.list());
  }

  private reevaluateInterlock(): void {
    if (!this.machine) return;
    const before = this.machine.view();
    const mark = this.machine.history().length;
    if (this.machine.reevaluateInterlock()) this.publishSince(mark, before.stepIndex, before.status);
  }

  /** Publishes changed alarms; true when a technical alarm changed (the interlock must look again). */
  private publishAlarms(changed: readonly Alarm[]): boolean {
    for (const alarm of changed) {
      const isNew = !this.room.activeAlarms().some((a) => a.id === alarm.id);
      this.room.upsertAlarm(alarm);
      if (alarm.priority !== "low") this.ports.saveAlarm(alarm);
      if (isNew && alarm.priority !== "low")
        this.ottoReact({ type: "alarm_raised", message: spokenAlarm(alarm) });
    }
    return changed.some((a) => a.kind === AlarmKind.technical);
  }

  private alarmAction(action: () => Result<Alarm>): Result<Alarm> {
    const result = action();
    if (result.ok) {
      this.room.upsertAlarm(result.value);
      this.ports.saveAlarm(result.value);
    }
    return result;
  }

  private async history(actor: SessionActor, sinceMs: number): Promise<Result<ReadingsBatch>> {
    this.ports.audit(
      actor.personId,
      "soe.history", // the contract's name for the SOE history read
      `chart history for appointment ${this.appointment.appointmentId}`,
    );
    const readings = await this.ports.readingsSince(
      Math.max(sinceMs, this.now() - 30 * 60_000, this.openedAt),
    );
    return ok({ readings: readings.slice(-HISTORY_LIMIT) });
  }

  upsertDevice(device: DeviceView): void {
    this.room.upsertDevice(device);
  }

  /** Once a second: rejoin windows, alarm clearing, periodic check-ins, Otto's idle life. */
  tick(): void {
    this.room.expireDropped();
    if (this.publishAlarms(this.alarms.tick())) this.reevaluateInterlock();
    const comfort = this.room.getComfort();
    const interval = PATHWAYS[comfort.pathway].checkinIntervalMs;
    const running = this.machine?.view().status === ProcedureStatus.running;
    if (
      interval !== null &&
      running &&
      !comfort.checkinPending &&
      this.now() - this.lastPeriodicCheckin >= interval
    ) {
      this.lastPeriodicCheckin = this.now();
      this.setCheckinPending("Regular check-in");
    }
    const otto = this.room.getOtto();
    // Otto goes back to idle once it has finished speaking (about 8 s per utterance).
    if (otto.state === OttoState.talking && this.now() - this.ottoChangedAt > 8_000) {
      this.room.setOtto({ ...otto, state: OttoState.idle });
    }
  }

  /** Test and demo access to the procedure history. */
  procedureHistory(): readonly ProcedureTransition[] {
    return this.machine?.history() ?? [];
  }
}
