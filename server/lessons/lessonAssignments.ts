/**
 * Lessons assigned to patients, kept in the patient's record (stored records of kind
 * `lesson_assignment`, one per assignment): which lesson, who assigned it, the patient's own
 * consent to see their readings in it, and their graded answers. The patient opens the lesson from
 * a link holding a random secret; only its SHA-256 is stored (like observer invites).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { GradedAnswer } from "../../shared/lessons.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";

const gradedSchema = z.strictObject({
  questionId: z.string(),
  choice: z.number().int(),
  correct: z.boolean(),
});

export const lessonAssignmentSchema = z.strictObject({
  assignmentId: z.string(),
  patientId: z.string(),
  clinicId: z.string(),
  lessonId: z.string(),
  assignedBy: z.string(),
  assignedAt: z.number(),
  secretHash: z.string(),
  /** The patient's own choice to see their readings in lessons; null until asked. */
  personalConsent: z.boolean().nullable(),
  openedAt: z.number().nullable(),
  answers: z.array(gradedSchema),
  answeredAt: z.number().nullable(),
});
export type LessonAssignment = z.infer<typeof lessonAssignmentSchema>;

/** The assignment as staff and the patient see it: no secret hash. */
export type AssignmentView = Omit<LessonAssignment, "secretHash">;

export function viewOf(a: LessonAssignment): AssignmentView {
  const { secretHash: _hidden, ...view } = a;
  return view;
}

const hash = (secret: string) => createHash("sha256").update(secret).digest("hex");

export class LessonAssignments {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => number,
  ) {}

  /** A new assignment and the secret for its link (shown once, never stored). */
  async assignAsync(input: {
    patientId: string;
    clinicId: string;
    lessonId: string;
    assignedBy: string;
  }): Promise<{ assignment: LessonAssignment; secret: string }> {
    const secret = randomBytes(24).toString("base64url");
    const assignment: LessonAssignment = {
      assignmentId: `ls-${randomBytes(9).toString("base64url")}`,
      ...input,
      assignedAt: this.now(),
      secretHash: hash(secret),
      personalConsent: null,
      openedAt: null,
      answers: [],
      answeredAt: null,
    };
    await this.saveAsync(assignment);
    return { assignment, secret };
  }

  /** The assignment if the secret is its own; null otherwise (the caller answers "not found"). */
  async byLinkAsync(assignmentId: string, secret: string): Promise<LessonAssignment | null> {
    const a = await this.getAsync(assignmentId);
    if (!a) return null;
    const given = Buffer.from(hash(secret), "hex");
    const kept = Buffer.from(a.secretHash, "hex");
    return given.length === kept.length && timingSafeEqual(given, kept) ? a : null;
  }

  async ofPatientAsync(patientId: string, clinicId: string): Promise<LessonAssignment[]> {
    const rows = await this.storage.recordsOfPatient(RecordKind.lessonAssignment, patientId);
    return rows
      .map((r) => lessonAssignmentSchema.safeParse(JSON.parse(r.body)))
      .flatMap((p) => (p.success && p.data.clinicId === clinicId ? [p.data] : []))
      .sort((a, b) => a.assignedAt - b.assignedAt);
  }

  async openedAsync(a: LessonAssignment): Promise<LessonAssignment> {
    if (a.openedAt !== null) return a;
    return this.saveAsync({ ...a, openedAt: this.now() });
  }

  async consentAsync(a: LessonAssignment, personal: boolean): Promise<LessonAssignment> {
    return this.saveAsync({ ...a, personalConsent: personal });
  }

  /** Keeps the latest answer per question. */
  async answerAsync(a: LessonAssignment, graded: readonly GradedAnswer[]): Promise<LessonAssignment> {
    const byQuestion = new Map(a.answers.map((g) => [g.questionId, g]));
    for (const g of graded) byQuestion.set(g.questionId, g);
    return this.saveAsync({ ...a, answers: [...byQuestion.values()], answeredAt: this.now() });
  }

  private async getAsync(assignmentId: string): Promise<LessonAssignment | null> {
    const row = await this.storage.getRecord(RecordKind.lessonAssignment, assignmentId);
    if (!row) return null;
    const parsed = lessonAssignmentSchema.safeParse(JSON.parse(row.body));
    return parsed.success ? parsed.data : null;
  }

  private async saveAsync(a: LessonAssignment): Promise<LessonAssignment> {
    await this.storage.putRecords([
      {
        kind: RecordKind.lessonAssignment,
        id: a.assignmentId,
        clinicId: a.clinicId,
        body: JSON.stringify(a),
        updatedAt: this.now(),
      },
    ]);
    return a;
  }
}
