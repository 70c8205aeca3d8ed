/**
 * Lessons over HTTP (issue 12). Staff (a clinician, or Noah as assistant: `lessons.assign`) list
 * the lessons, assign one to a patient of their own clinic (the answer carries the patient's link,
 * shown once) and read the patient's progress and answers; each is audited. The patient's link
 * (`/lessons/lesson.html?a=…&k=…`) opens the lesson: its secret is checked on every call like an
 * observer's invite, and a wrong one is "not found". The personal pH part is sent only when the
 * patient agreed in the lesson AND their record holds pH dips (shared/lessons.ts `personalPart`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { StaffAction } from "../../shared/access.ts";
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import { gradeQuiz, type Lesson, lessonAnswersSchema, personalPart } from "../../shared/lessons.ts";
import { patientRecordSchema, recordIdSchema } from "../../shared/records.ts";
import { Quality, ReadingStatus, Signal } from "../../shared/soe/signals.ts";
import { apiError, apiOk, parseOr400 } from "../apiReply.ts";
import type { StaffGuard } from "../auth/httpGuard.ts";
import type { Clinic } from "../clinic.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";
import { type LessonAssignment, LessonAssignments, viewOf } from "./lessonAssignments.ts";

export interface LessonRouteDeps {
  guard: StaffGuard;
  storage: Storage;
  clinic: Clinic;
  lessons: ReadonlyMap<string, Lesson>;
  now: () => number;
}

/** How far back the personal part looks in the patient's record. */
const PERSONAL_WINDOW_MS = 30 * 24 * 3_600_000;

export const LessonAudit = { assign: "lesson.assign", read: "lesson.read" } as const;

const patientParams = z.strictObject({ id: recordIdSchema });
const assignBody = z.strictObject({ lessonId: z.string().regex(/^[a-z0-9-]{1,40}$/) });
const linkParams = z.strictObject({ assignmentId: z.string().regex(/^ls-[A-Za-z0-9_-]{6,40}$/) });
const linkQuery = z.strictObject({ k: z.string().min(16).max(100) });
const consentBody = z.strictObject({ personal: z.boolean() });

export function registerLessonRoutes(fastify: FastifyInstance, deps: LessonRouteDeps): void {
  const { storage, clinic, lessons, now } = deps;
  const assignments = new LessonAssignments(storage, now);
  const assign = deps.guard(StaffAction.lessonsAssign);

  const staffOf = (req: FastifyRequest) => {
    const live = req.staff;
    if (!live) throw new Error("lesson route without the staff guard");
    return live.staff;
  };

  /** Whether the patient belongs to this clinic: a stored record, or a person of a live appointment (demo). */
  const inClinicAsync = async (clinicId: string, patientId: string): Promise<boolean> => {
    const row = await storage.getRecord(RecordKind.patient, patientId);
    if (row) {
      const parsed = patientRecordSchema.safeParse(JSON.parse(row.body));
      return parsed.success && parsed.data.clinicId === clinicId;
    }
    return [...clinic.appointments.values()].some(
      (a) => a.patientId === patientId && a.clinicId === clinicId,
    );
  };

  fastify.get("/api/lessons", { preHandler: assign }, async (_req, reply) =>
    apiOk(reply, {
      lessons: [...lessons.values()].map((l) => ({
        id: l.id,
        title: l.title,
        summary: l.summary,
        minutes: l.minutes,
      })),
    }),
  );

  fastify.post("/api/patients/:id/lessons", { preHandler: assign }, async (req, reply) => {
    const params = parseOr400(patientParams, req.params, reply);
    if (!params) return reply;
    const body = parseOr400(assignBody, req.body, reply);
    if (!body) return reply;
    const staff = staffOf(req);
    if (!(await inClinicAsync(staff.clinicId, params.id)))
      return apiError(reply, 404, ApiErrorCode.notFound, "There is no such patient in your clinic.");
    if (!lessons.has(body.lessonId))
      return apiError(reply, 404, ApiErrorCode.notFound, `There is no lesson "${body.lessonId}".`);
    const { assignment, secret } = await assignments.assignAsync({
      patientId: params.id,
      clinicId: staff.clinicId,
      lessonId: body.lessonId,
      assignedBy: staff.staffId,
    });
    await storage.audit({
      at: now(),
      who: staff.staffId,
      action: LessonAudit.assign,
      subject: assignment.assignmentId,
      why: `lesson ${body.lessonId}`,
      patientId: params.id,
    });
    const link = `/lessons/lesson.html?a=${encodeURIComponent(assignment.assignmentId)}&k=${encodeURIComponent(secret)}`;
    return apiOk(reply, { assignment: viewOf(assignment), link }, 201);
  });

  fastify.get("/api/patients/:id/lessons", { preHandler: assign }, async (req, reply) => {
    const params = parseOr400(patientParams, req.params, reply);
    if (!params) return reply;
    const staff = staffOf(req);
    if (!(await inClinicAsync(staff.clinicId, params.id)))
      return apiError(reply, 404, ApiErrorCode.notFound, "There is no such patient in your clinic.");
    await storage.audit({
      at: now(),
      who: staff.staffId,
      action: LessonAudit.read,
      subject: params.id,
      why: "lesson progress",
      patientId: params.id,
    });
    const list = await assignments.ofPatientAsync(params.id, staff.clinicId);
    return apiOk(reply, {
      assignments: list.map((a) => ({
        ...viewOf(a),
        title: lessons.get(a.lessonId)?.title ?? a.lessonId,
        questions: lessons.get(a.lessonId)?.quiz.length ?? 0,
      })),
    });
  });

  /** The assignment behind a patient's link, or null with the reply sent. */
  const linkAsync = async (req: FastifyRequest, reply: FastifyReply): Promise<LessonAssignment | null> => {
    const params = parseOr400(linkParams, req.params, reply);
    const query = params && parseOr400(linkQuery, req.query, reply);
    if (!params || !query) return null;
    const a = await assignments.byLinkAsync(params.assignmentId, query.k);
    if (!a || !lessons.has(a.lessonId)) {
      apiError(
        reply,
        404,
        ApiErrorCode.notFound,
        "This lesson link does not open a lesson. Ask the clinic for a new one.",
      );
      return null;
    }
    return a;
  };

  /** The player's view: the lesson, the assignment, and the personal part (only with consent and data). */
  const playerViewAsync = async (a: LessonAssignment) => {
    const lesson = lessons.get(a.lessonId)!;
    const wantsPersonal = lesson.sections.some((s) => s.kind === "personal_ph");
    const readings =
      wantsPersonal && a.personalConsent === true
        ? (
            await storage.readingsBetween(a.patientId, {
              from: now() - PERSONAL_WINDOW_MS,
              to: now(),
              signal: Signal.ph,
            })
          )
            .filter((r) => r.quality === Quality.valid && r.status === ReadingStatus.final)
            .map((r) => ({ t: r.t, value: r.value }))
        : [];
    return {
      lesson,
      assignment: viewOf(a),
      personal: wantsPersonal ? personalPart(a.personalConsent === true, readings) : null,
    };
  };

  fastify.get("/api/lesson-links/:assignmentId", async (req, reply) => {
    const a = await linkAsync(req, reply);
    if (!a) return reply;
    return apiOk(reply, await playerViewAsync(await assignments.openedAsync(a)));
  });

  fastify.post("/api/lesson-links/:assignmentId/consent", async (req, reply) => {
    const a = await linkAsync(req, reply);
    if (!a) return reply;
    const body = parseOr400(consentBody, req.body, reply);
    if (!body) return reply;
    return apiOk(reply, await playerViewAsync(await assignments.consentAsync(a, body.personal)));
  });

  fastify.post("/api/lesson-links/:assignmentId/answers", async (req, reply) => {
    const a = await linkAsync(req, reply);
    if (!a) return reply;
    const body = parseOr400(lessonAnswersSchema, req.body, reply);
    if (!body) return reply;
    const graded = gradeQuiz(lessons.get(a.lessonId)!, body.answers);
    if (!graded.ok) return apiError(reply, 400, ApiErrorCode.invalid, graded.message);
    const saved = await assignments.answerAsync(a, graded.graded);
    return apiOk(reply, { assignment: viewOf(saved), graded: graded.graded });
  });
}
