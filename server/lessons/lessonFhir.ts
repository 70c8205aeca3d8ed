/**
 * Lesson answers in the record's FHIR export (issue 12): one QuestionnaireResponse per assigned
 * lesson, "completed" once every question has an answer, else "in-progress". The questionnaire is
 * the lesson file's own id under Chairside's base; each item is a question with the chosen answer
 * and whether it was right. Loaded from the stored records, so the export needs nothing else.
 */
import type { QuestionnaireResponse } from "@medplum/fhirtypes";
import type { Lesson } from "../../shared/lessons.ts";
import { CHAIRSIDE_FHIR_BASE } from "../fhir/fhirCodes.ts";
import { fhirId, instant, ref } from "../fhir/fhirIds.ts";
import type { Storage } from "../storage/storage.ts";
import { type LessonAssignment, LessonAssignments } from "./lessonAssignments.ts";
import { lessonCatalog } from "./lessonWiring.ts";

let catalog: ReadonlyMap<string, Lesson> | null = null;

/** One QuestionnaireResponse for an assignment. Pure. */
export function lessonResponse(a: LessonAssignment, lesson: Lesson | undefined): QuestionnaireResponse {
  const quiz = lesson?.quiz ?? [];
  const answered = new Map(a.answers.map((g) => [g.questionId, g]));
  const complete = quiz.length > 0 && quiz.every((q) => answered.has(q.id));
  return {
    resourceType: "QuestionnaireResponse",
    id: fhirId("lesson", a.assignmentId),
    questionnaire: `${CHAIRSIDE_FHIR_BASE}/Questionnaire/lesson-${a.lessonId}`,
    status: complete ? "completed" : "in-progress",
    subject: ref("Patient", a.patientId),
    authored: instant(a.answeredAt ?? a.assignedAt),
    item: a.answers.map((g) => {
      const q = quiz.find((x) => x.id === g.questionId);
      return {
        linkId: g.questionId,
        ...(q ? { text: q.question } : {}),
        answer: [{ valueString: q?.choices[g.choice] ?? String(g.choice) }],
        item: [{ linkId: `${g.questionId}.correct`, answer: [{ valueBoolean: g.correct }] }],
      };
    }),
  };
}

/** The patient's lesson responses for the export, oldest assignment first. */
export async function lessonResponsesAsync(
  storage: Storage,
  patientId: string,
  clinicId: string,
): Promise<QuestionnaireResponse[]> {
  catalog ??= lessonCatalog();
  const list = await new LessonAssignments(storage, Date.now).ofPatientAsync(patientId, clinicId);
  return list.map((a) => lessonResponse(a, catalog!.get(a.lessonId)));
}
