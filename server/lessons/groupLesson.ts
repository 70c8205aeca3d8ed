/**
 * A lesson run for a support group's circle, as pure state (issue 12): which lesson the host
 * started, the step everyone sees, when the brushing timer started, and each member's own quiz
 * answers (graded, never shown to anyone else). No sockets, no storage: the clock is injected and
 * the gateway decides what is kept in a patient's record.
 */
import { groupLessonRefusal } from "../../shared/access.ts";
import {
  type GradedAnswer,
  type GroupLessonCommand,
  GroupLessonEv,
  type GroupLessonPayload,
  type GroupLessonState,
  gradeQuiz,
  type Lesson,
} from "../../shared/lessons.ts";
import type { GroupRole } from "../../shared/supportGroup.ts";

export type GroupLessonResult =
  | { ok: true; graded?: GradedAnswer; lesson?: Lesson }
  | { ok: false; code: "forbidden" | "not_found" | "bad_payload"; message: string };

interface Run {
  lesson: Lesson;
  step: number;
  brushStartedAt: number | null;
  /** Answers by member, then by question. */
  answers: Map<string, Map<string, GradedAnswer>>;
}

/** Steps in a lesson for the circle: its parts, its questions, the result (client/lessons/lessonSteps.ts). */
function stepCount(lesson: Lesson): number {
  return lesson.sections.length + lesson.quiz.length + 1;
}

export class GroupLessons {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly lessons: ReadonlyMap<string, Lesson>,
    private readonly now: () => number,
  ) {}

  /** Applies one member's command to their group's lesson. */
  handle<E extends GroupLessonCommand>(
    groupId: string,
    memberId: string,
    role: GroupRole,
    command: E,
    payload: GroupLessonPayload<E>,
  ): GroupLessonResult {
    const refused = groupLessonRefusal(role, command);
    if (refused) return { ok: false, code: "forbidden", message: refused };
    if (command === GroupLessonEv.lead) {
      const p = payload as GroupLessonPayload<typeof GroupLessonEv.lead>;
      if (p.lessonId === null) {
        this.runs.delete(groupId);
        return { ok: true };
      }
      const lesson = this.lessons.get(p.lessonId);
      if (!lesson) return { ok: false, code: "not_found", message: `There is no lesson "${p.lessonId}".` };
      let run = this.runs.get(groupId);
      if (!run || run.lesson.id !== lesson.id) {
        run = { lesson, step: 0, brushStartedAt: null, answers: new Map() };
        this.runs.set(groupId, run);
      }
      const step = Math.min(p.step, stepCount(lesson) - 1);
      if (step !== run.step) run.brushStartedAt = null;
      run.step = step;
      const section = lesson.sections[step];
      if (p.brushing && section?.kind === "brushing") run.brushStartedAt = this.now();
      return { ok: true };
    }
    const p = payload as GroupLessonPayload<typeof GroupLessonEv.answer>;
    const run = this.runs.get(groupId);
    if (!run) return { ok: false, code: "not_found", message: "No lesson is running in the circle." };
    const graded = gradeQuiz(run.lesson, { [p.questionId]: p.choice });
    if (!graded.ok) return { ok: false, code: "bad_payload", message: graded.message };
    const mine = run.answers.get(memberId) ?? new Map<string, GradedAnswer>();
    const answer = graded.graded[0]!;
    mine.set(answer.questionId, answer);
    run.answers.set(memberId, mine);
    return { ok: true, graded: answer, lesson: run.lesson };
  }

  /** The lesson as `memberId` sees it: the shared step, and only their own answers. */
  stateFor(groupId: string, memberId: string, keptInRecord: boolean): GroupLessonState {
    const run = this.runs.get(groupId);
    return {
      lesson: run?.lesson ?? null,
      step: run?.step ?? 0,
      brushStartedAt: run?.brushStartedAt ?? null,
      yourAnswers: [...(run?.answers.get(memberId)?.values() ?? [])],
      keptInRecord,
      serverTime: this.now(),
    };
  }

  /** The group ended: its lesson goes with it. */
  end(groupId: string): void {
    this.runs.delete(groupId);
  }
}
