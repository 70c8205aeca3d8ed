/**
 * Visits, derived from what is already stored: a room's procedure events say when a treatment
 * started and how it ended, so no visit table can drift from the event log. `deriveVisits` is pure
 * (tested without storage); the loaders below read through the `VisitSource` part of `Storage`, which
 * the record page, the FHIR export and the replay share.
 *
 * A visit starts at a procedure `start` transition and ends at `completed` or `aborted`. Its event
 * span runs from just after the previous visit's span to the first `member_joined` after its end
 * (the next session's people arriving), or to the next start, or to the end of the log; so the MDAS
 * intake and people joining before the start belong to the visit, and so do Otto's closing words.
 */
import { parseVisitId, type Visit, VisitOutcome, visitIdOf } from "../../shared/patientRecord.ts";
import { planById } from "../../shared/procedure/plans.ts";
import { ProcedureStatus } from "../../shared/procedure/types.ts";
import type { RoomEvent, RoomEventType } from "../../shared/protocol.ts";
import { type AppointmentRecord, AppointmentStatus, appointmentRecordSchema } from "../../shared/records.ts";
import type { Appointment } from "../clinic.ts";
import { type ReadingRange, RecordKind, type Storage, type StoredReading } from "../storage/storage.ts";

/** What a visit takes from its appointment. `open`: the appointment still admits people. */
export interface VisitAppointment {
  appointmentId: string;
  clinicId: string;
  patientId: string;
  roomId: string;
  planId: string;
  clinicianId: string;
  assistantId: string | null;
  open: boolean;
}

/** The Storage reads visits need (the record page, the FHIR export and the replay read these). */
export type VisitSource = Pick<
  Storage,
  "roomEventsBetween" | "roomEvents" | "readingsBetween" | "recordsOfPatient"
>;

/** The event types that bound visits; the visits list reads only these. */
export const VISIT_BOUNDARY_TYPES: readonly RoomEventType[] = ["procedure", "member_joined"];

export function visitAppointmentOfRecord(a: AppointmentRecord): VisitAppointment {
  return {
    appointmentId: a.appointmentId,
    clinicId: a.clinicId,
    patientId: a.patientId,
    roomId: a.roomId,
    planId: a.planId,
    clinicianId: a.clinicianId,
    assistantId: a.assistantId,
    open: a.status === AppointmentStatus.scheduled,
  };
}

/** A live appointment (the demo clinic's live only in memory) is open by definition. */
export function visitAppointmentOfLive(a: Appointment): VisitAppointment {
  return {
    appointmentId: a.appointmentId,
    clinicId: a.clinicId,
    patientId: a.patientId,
    roomId: a.roomId,
    planId: a.planId,
    clinicianId: a.staff.clinicianId,
    assistantId: a.staff.assistantId,
    open: true,
  };
}

/** The one tooth a plan works on, or null for a whole-mouth plan. */
export function toothOfPlan(planId: string): number | null {
  const plan = planById(planId);
  if (plan === null) return null;
  const teeth = new Set(plan.steps.flatMap((s) => s.teeth));
  return teeth.size === 1 ? [...teeth][0]! : null;
}

interface OpenVisit {
  startSeq: number;
  firstSeq: number;
  startedAt: number;
  plan: string;
  planName: string;
  lastStatus: ProcedureStatus;
  lastProcedureAt: number;
  ended: { at: number; outcome: VisitOutcome } | null;
  /** The first `member_joined` after the end: where the next session begins. */
  splitSeq: number | null;
}

/**
 * The visits of one appointment, oldest first, from its room's events in seq order (at least the
 * `VISIT_BOUNDARY_TYPES`). `logEnd` is the room's last event, which closes the last span.
 */
export function deriveVisits(
  appt: VisitAppointment,
  events: readonly RoomEvent[],
  logEnd: { seq: number; at: number } | null,
): Visit[] {
  const visits: Visit[] = [];
  let current: OpenVisit | null = null;
  let nextFirstSeq = 1;
  const close = (v: OpenVisit, lastSeq: number, superseded: boolean) => {
    const ended =
      v.ended ??
      (appt.open && !superseded
        ? null
        : {
            at: v.lastProcedureAt,
            outcome:
              v.lastStatus === ProcedureStatus.pausedByPatient
                ? VisitOutcome.stoppedByPatient
                : VisitOutcome.aborted,
          });
    visits.push({
      id: visitIdOf(appt.appointmentId, v.startSeq),
      appointmentId: appt.appointmentId,
      patientId: appt.patientId,
      roomId: appt.roomId,
      plan: v.plan,
      planName: v.planName,
      tooth: toothOfPlan(v.plan),
      clinicianId: appt.clinicianId,
      assistantId: appt.assistantId,
      startedAt: v.startedAt,
      endedAt: ended?.at ?? null,
      durationMs: ended === null ? null : ended.at - v.startedAt,
      outcome: ended?.outcome ?? VisitOutcome.inProgress,
      firstSeq: v.firstSeq,
      lastSeq: Math.max(lastSeq, v.startSeq),
    });
    nextFirstSeq = Math.max(lastSeq, v.startSeq) + 1;
  };
  let maxSeq = 0;
  for (const event of events) {
    const body = event.body;
    maxSeq = Math.max(maxSeq, event.seq);
    if (body.type === "member_joined") {
      if (current?.ended && current.splitSeq === null) current.splitSeq = event.seq;
      continue;
    }
    if (body.type !== "procedure" || body.transition === null) continue;
    const t = body.transition;
    if (t.command === "start") {
      if (current !== null) close(current, (current.splitSeq ?? event.seq) - 1, true);
      current = {
        startSeq: event.seq,
        firstSeq: nextFirstSeq,
        startedAt: t.at,
        plan: body.procedure?.planId ?? appt.planId,
        planName: body.procedure?.planName ?? appt.planId,
        lastStatus: t.to,
        lastProcedureAt: t.at,
        ended: null,
        splitSeq: null,
      };
      continue;
    }
    if (current === null || current.ended !== null) continue;
    current.lastStatus = t.to;
    current.lastProcedureAt = t.at;
    if (t.to === ProcedureStatus.completed) current.ended = { at: t.at, outcome: VisitOutcome.completed };
    if (t.to === ProcedureStatus.aborted) {
      // Ended while the patient's stop held: the patient stopped this visit, the team closed it.
      const byPatient = t.from === ProcedureStatus.pausedByPatient;
      current.ended = { at: t.at, outcome: byPatient ? VisitOutcome.stoppedByPatient : VisitOutcome.aborted };
    }
  }
  if (current !== null) {
    const lastSeq = current.splitSeq !== null ? current.splitSeq - 1 : Math.max(logEnd?.seq ?? 0, maxSeq);
    close(current, lastSeq, false);
  }
  return visits;
}

// -- reads through Storage ----------------------------------------------------------------------

/** One appointment's visits, oldest first: reads only the boundary events and the last event. */
export async function appointmentVisitsAsync(source: VisitSource, appt: VisitAppointment): Promise<Visit[]> {
  const [events, last] = await Promise.all([
    source.roomEventsBetween(appt.roomId, { types: VISIT_BOUNDARY_TYPES }),
    source.roomEvents(appt.roomId, 1),
  ]);
  const end = last.at(-1);
  return deriveVisits(appt, events, end ? { seq: end.seq, at: end.at } : null);
}

/** Several appointments' visits, newest first. */
export async function visitsOfAppointmentsAsync(
  source: VisitSource,
  appts: readonly VisitAppointment[],
): Promise<Visit[]> {
  const all = (await Promise.all(appts.map((a) => appointmentVisitsAsync(source, a)))).flat();
  return all.sort((a, b) => b.startedAt - a.startedAt || b.id.localeCompare(a.id));
}

/**
 * A patient's appointments: the stored records (finished and cancelled ones included) and the live
 * ones only in memory (the demo clinic), one entry per appointment id.
 */
export async function patientAppointmentsAsync(
  source: VisitSource,
  live: Iterable<Appointment>,
  patientId: string,
): Promise<VisitAppointment[]> {
  const byId = new Map<string, VisitAppointment>();
  for (const row of await source.recordsOfPatient(RecordKind.appointment, patientId)) {
    const record = appointmentRecordSchema.safeParse(JSON.parse(row.body));
    if (record.success && record.data.patientId === patientId)
      byId.set(record.data.appointmentId, visitAppointmentOfRecord(record.data));
  }
  for (const a of live) {
    if (a.patientId === patientId && !byId.has(a.appointmentId))
      byId.set(a.appointmentId, visitAppointmentOfLive(a));
  }
  return [...byId.values()];
}

/**
 * The appointment a visit id names, if it is one of `clinicId`'s: the stored record, else the live
 * one (the demo clinic lives only in memory). The record, replay and export routes all ask this.
 */
export async function visitAppointmentAsync(
  storage: Pick<Storage, "getRecord">,
  live: ReadonlyMap<string, Appointment>,
  visitId: string,
  clinicId: string,
): Promise<VisitAppointment | null> {
  const named = parseVisitId(visitId);
  if (!named) return null;
  const row = await storage.getRecord(RecordKind.appointment, named.appointmentId);
  const stored = row ? appointmentRecordSchema.safeParse(JSON.parse(row.body)) : null;
  const liveOne = live.get(named.appointmentId);
  const appt = stored?.success
    ? visitAppointmentOfRecord(stored.data)
    : liveOne
      ? visitAppointmentOfLive(liveOne)
      : null;
  return appt !== null && appt.clinicId === clinicId ? appt : null;
}

/** One visit by id among an appointment's visits, or null. */
export async function findVisitAsync(
  source: VisitSource,
  appt: VisitAppointment,
  visitId: string,
): Promise<Visit | null> {
  return (await appointmentVisitsAsync(source, appt)).find((v) => v.id === visitId) ?? null;
}

/** Every stored event of a visit's span, oldest first (the timeline and the replay read these). */
export function visitEventsAsync(source: VisitSource, visit: Visit): Promise<RoomEvent[]> {
  return source.roomEventsBetween(visit.roomId, { fromSeq: visit.firstSeq, toSeq: visit.lastSeq });
}

/**
 * The patient's readings while a visit ran (device time from its start to its end, or to `now` while
 * in progress), oldest first, retracted and invalid ones included.
 */
export function visitReadingsAsync(
  source: VisitSource,
  visit: Visit,
  now: number,
  filter: Omit<ReadingRange, "from" | "to"> = {},
): Promise<StoredReading[]> {
  return source.readingsBetween(visit.patientId, {
    ...filter,
    from: visit.startedAt,
    to: visit.endedAt ?? now,
  });
}
