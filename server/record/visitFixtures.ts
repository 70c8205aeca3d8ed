/**
 * Room events as a treatment session writes them, for the record's tests: people join, the
 * procedure starts, the patient stops and resumes, and it ends. Built from the shared types, so a
 * change to the event shapes breaks these fixtures at compile time, not silently.
 */
import { planById } from "../../shared/procedure/plans.ts";
import { ProcedureStatus, type ProcedureTransition } from "../../shared/procedure/types.ts";
import type { MemberView, RoomEvent, RoomEventBody } from "../../shared/protocol.ts";
import type { VisitAppointment } from "./visits.ts";

export const FIXTURE_APPOINTMENT: VisitAppointment = {
  appointmentId: "a-julian-1",
  clinicId: "main",
  patientId: "julian",
  roomId: "room-a-julian-1",
  planId: "filling-36-MO",
  clinicianId: "dr-lee",
  assistantId: "sam",
  open: true,
};

/** Writes events with consecutive seqs from `seq`, one second apart from `at`. */
export class EventLog {
  readonly events: RoomEvent[] = [];
  constructor(
    public seq = 1,
    public at = Date.UTC(2026, 10, 2, 9, 0, 0),
  ) {}

  push(body: RoomEventBody, stepMs = 1000): RoomEvent {
    const event = { seq: this.seq++, at: this.at, body };
    this.at += stepMs;
    this.events.push(event);
    return event;
  }

  join(personId: string, role: MemberView["role"] = "patient"): RoomEvent {
    return this.push({
      type: "member_joined",
      member: {
        memberId: `m-${personId}`,
        personId,
        displayName: personId,
        role,
        connection: "connected",
        slot: 1,
      },
    });
  }

  procedure(
    command: ProcedureTransition["command"],
    from: ProcedureStatus,
    to: ProcedureStatus,
    extra: { reason?: string; stepIndex?: number; planId?: string; role?: MemberView["role"] } = {},
  ): RoomEvent {
    const planId = extra.planId ?? "filling-36-MO";
    return this.push({
      type: "procedure",
      procedure: {
        planId,
        planName: planById(planId)?.name ?? planId,
        status: to,
        stepIndex: extra.stepIndex ?? 0,
        stepCount: 5,
        step: null,
        nextStep: null,
        blockedReason: null,
        override: null,
      },
      transition: {
        at: this.at,
        command,
        by:
          command === "interlock_block" || command === "interlock_clear"
            ? { system: "interlock" }
            : { memberId: "m-x", role: extra.role ?? "clinician" },
        from,
        to,
        stepIndex: extra.stepIndex ?? 0,
        ...(extra.reason === undefined ? {} : { reason: extra.reason }),
      },
    });
  }

  /** A whole session: join, start, a patient stop and resume, then `end` (or nothing: left open). */
  session(end: "complete" | "abort" | "abort_after_stop" | "none"): void {
    const S = ProcedureStatus;
    this.join("julian");
    this.join("dr-lee", "clinician");
    this.procedure("start", S.notStarted, S.running);
    this.procedure("stop", S.running, S.pausedByPatient, { role: "patient" });
    if (end === "abort_after_stop") {
      this.procedure("abort", S.pausedByPatient, S.aborted, {
        reason: "Patient asked to finish another day",
      });
      return;
    }
    this.procedure("ready", S.pausedByPatient, S.running, { role: "patient" });
    this.procedure("next", S.running, S.running, { stepIndex: 1 });
    if (end === "complete") this.procedure("next", S.running, S.completed, { stepIndex: 2 });
    if (end === "abort") this.procedure("abort", S.running, S.aborted, { reason: "Equipment fault" });
  }
}
