/**
 * The patient's record over HTTP (issue 9): the record (patient and visits), one visit's timeline,
 * SOE trends and anxiety across visits. Every route is guarded by `records.read`, answers only for
 * patients of the signed-in person's own clinic (another clinic's patient is "not found", so the
 * answer does not even say the patient exists), parses params and query with the schemas of
 * `shared/patientRecord.ts` (400 lists the problems by field) and writes one audit entry per read.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { StaffAction } from "../../shared/access.ts";
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import {
  type PatientAnxiety,
  type PatientRecordView,
  type PatientTrends,
  type RecordPatient,
  timelineQuerySchema,
  trendsQuerySchema,
  type VisitTimeline,
  visitIdSchema,
} from "../../shared/patientRecord.ts";
import { patientRecordSchema, recordIdSchema, type StaffRecord } from "../../shared/records.ts";
import { apiError, apiOk, parseOr400 } from "../apiReply.ts";
import type { StaffGuard } from "../auth/httpGuard.ts";
import type { Clinic } from "../clinic.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";
import { ANXIETY_EVENT_TYPES, patientAnxiety } from "./anxiety.ts";
import { visitTimeline } from "./timeline.ts";
import { patientTrendsAsync } from "./trends.ts";
import {
  findVisitAsync,
  patientAppointmentsAsync,
  visitAppointmentAsync,
  visitEventsAsync,
  visitReadingsAsync,
  visitsOfAppointmentsAsync,
} from "./visits.ts";

export interface RecordRouteDeps {
  guard: StaffGuard;
  storage: Storage;
  /** The live directory: the demo clinic's patients and appointments live only here. */
  clinic: Clinic;
  now: () => number;
}

/** The audit actions of the record's reads (the Contracts every slice shares). */
export const RecordAudit = {
  read: "record.read",
  timeline: "record.timeline",
  trends: "record.trends",
  anxiety: "record.read",
} as const;

const patientParamsSchema = z.strictObject({ id: recordIdSchema });
const visitParamsSchema = z.strictObject({ id: visitIdSchema });
const noQuerySchema = z.strictObject({});
function who(request: FastifyRequest): StaffRecord {
  const live = request.staff;
  if (!live) throw new Error("record route without the staff guard");
  return live.staff;
}

function notFound(reply: FastifyReply, what: string): FastifyReply {
  return apiError(reply, 404, ApiErrorCode.notFound, `There is no such ${what} in your clinic.`);
}

export function registerRecordRoutes(fastify: FastifyInstance, deps: RecordRouteDeps): void {
  const { storage, clinic, now } = deps;
  const guard = deps.guard(StaffAction.recordsRead);

  /** The patient, if they belong to this clinic: a stored record, or a person of a live appointment (demo). */
  const patientOf = async (clinicId: string, patientId: string): Promise<RecordPatient | null> => {
    const row = await storage.getRecord(RecordKind.patient, patientId);
    if (row) {
      const parsed = patientRecordSchema.safeParse(JSON.parse(row.body));
      if (!parsed.success || parsed.data.clinicId !== clinicId) return null;
      const p = parsed.data;
      return { patientId: p.patientId, displayName: p.displayName, dateOfBirth: p.dateOfBirth, clinicId };
    }
    const live = [...clinic.appointments.values()].some(
      (a) => a.patientId === patientId && a.clinicId === clinicId,
    );
    const person = clinic.people.get(patientId);
    if (!live || !person) return null;
    return { patientId, displayName: person.displayName, dateOfBirth: null, clinicId };
  };

  /**
   * What a `/api/patients/:id/...` read needs: the id and the query checked (400 with problems),
   * the caller, and the patient in the caller's clinic (404 otherwise). Null: the reply is sent.
   */
  const patientReadAsync = async <Q extends z.ZodType>(
    req: FastifyRequest,
    reply: FastifyReply,
    querySchema: Q,
  ) => {
    const params = parseOr400(patientParamsSchema, req.params, reply);
    if (!params) return null;
    const query = parseOr400(querySchema, req.query, reply);
    if (!query) return null;
    const staff = who(req);
    const patient = await patientOf(staff.clinicId, params.id);
    if (!patient) {
      notFound(reply, "patient");
      return null;
    }
    return { staff, patient, query };
  };

  const appointmentsOf = (patientId: string) =>
    patientAppointmentsAsync(storage, clinic.appointments.values(), patientId);

  const visitAppointmentOf = (visitId: string, clinicId: string) =>
    visitAppointmentAsync(storage, clinic.appointments, visitId, clinicId);

  const audit = (staff: StaffRecord, action: string, subject: string, patientId: string, roomId?: string) =>
    storage.audit({
      at: now(),
      who: staff.staffId,
      action,
      subject,
      why: "",
      patientId,
      ...(roomId === undefined ? {} : { roomId }),
    });

  fastify.get("/api/patients/:id/record", { preHandler: guard }, async (req, reply) => {
    const read = await patientReadAsync(req, reply, noQuerySchema);
    if (!read) return reply;
    const { staff, patient } = read;
    const visits = await visitsOfAppointmentsAsync(storage, await appointmentsOf(patient.patientId));
    const staffNames: Record<string, string> = {};
    for (const v of visits) {
      for (const id of [v.clinicianId, v.assistantId]) {
        const name = id === null ? undefined : clinic.people.get(id)?.displayName;
        if (id !== null && name !== undefined) staffNames[id] = name;
      }
    }
    await audit(staff, RecordAudit.read, `record of ${patient.patientId}`, patient.patientId);
    return apiOk(reply, { patient, visits, staffNames } satisfies PatientRecordView);
  });

  fastify.get("/api/visits/:id/timeline", { preHandler: guard }, async (req, reply) => {
    const params = parseOr400(visitParamsSchema, req.params, reply);
    if (!params) return reply;
    const query = parseOr400(timelineQuerySchema, req.query, reply);
    if (!query) return reply;
    const staff = who(req);
    const appt = await visitAppointmentOf(params.id, staff.clinicId);
    const visit = appt ? await findVisitAsync(storage, appt, params.id) : null;
    if (!appt || !visit) return notFound(reply, "visit");
    const entries = visitTimeline(await visitEventsAsync(storage, visit), query.kinds, query.notation);
    await audit(staff, RecordAudit.timeline, `visit ${visit.id}`, visit.patientId, visit.roomId);
    return apiOk(reply, { visit, entries } satisfies VisitTimeline);
  });

  fastify.get("/api/patients/:id/trends", { preHandler: guard }, async (req, reply) => {
    const read = await patientReadAsync(req, reply, trendsQuerySchema);
    if (!read) return reply;
    const { staff, patient, query } = read;
    // Bounded reads (trends.ts): raw where it is small, per-minute aggregates elsewhere.
    const trends: PatientTrends = await patientTrendsAsync(storage, patient.patientId, {
      signal: query.signal,
      ...(query.tooth === undefined ? {} : { tooth: query.tooth }),
      from: query.from ?? 0,
      to: query.to ?? now(),
    });
    await audit(
      staff,
      RecordAudit.trends,
      `${query.signal} trends of ${patient.patientId}${query.tooth === undefined ? "" : ` tooth ${query.tooth}`}`,
      patient.patientId,
    );
    return apiOk(reply, trends);
  });

  fastify.get("/api/patients/:id/anxiety", { preHandler: guard }, async (req, reply) => {
    const read = await patientReadAsync(req, reply, noQuerySchema);
    if (!read) return reply;
    const { staff, patient } = read;
    const visits = await visitsOfAppointmentsAsync(storage, await appointmentsOf(patient.patientId));
    const at = now();
    const inputs = await Promise.all(
      visits.map(async (visit) => ({
        visit,
        events: await storage.roomEventsBetween(visit.roomId, {
          fromSeq: visit.firstSeq,
          toSeq: visit.lastSeq,
          types: ANXIETY_EVENT_TYPES,
        }),
        heartRate: await visitReadingsAsync(storage, visit, at, { signal: "heartRate" }),
      })),
    );
    await audit(
      staff,
      RecordAudit.anxiety,
      `anxiety across visits of ${patient.patientId}`,
      patient.patientId,
    );
    return apiOk(reply, patientAnxiety(inputs) satisfies PatientAnxiety);
  });
}
