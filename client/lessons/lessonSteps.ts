/**
 * A lesson as steps for a world panel (issue 12): each part of the lesson file is one step, each
 * quiz question another, then the result. The same steps drive the lesson in a headset (a panel
 * and the controller's laser) and in the support group's circle, where everyone sees the host's
 * step but answers for themselves. Pure: the caller keeps the clock, the answers and the brush.
 */
import {
  brushingAt,
  brushingWalk,
  type GradedAnswer,
  type Lesson,
  type LessonSection,
  type PersonalPart,
  type QuizQuestion,
} from "../../shared/lessons.ts";
import { toothLabel } from "../../shared/teeth.ts";
import type { PanelButton, PanelSpec } from "../scene/worldPanel.ts";

export type LessonStep =
  | { kind: "section"; index: number; section: LessonSection }
  | { kind: "question"; index: number; question: QuizQuestion }
  | { kind: "done" };

/** Every step of a lesson, in order: its parts, its questions one by one, the result. */
export function lessonSteps(lesson: Lesson): LessonStep[] {
  return [
    ...lesson.sections.map((section, index) => ({ kind: "section" as const, index, section })),
    ...lesson.quiz.map((question, index) => ({ kind: "question" as const, index, question })),
    { kind: "done" as const },
  ];
}

/** The first question's step (the "reaches its quiz" point). */
export function firstQuestionStep(lesson: Lesson): number {
  return lesson.sections.length;
}

/** What the panel's buttons send back. */
export const LessonPanelValue = {
  next: "next",
  back: "back",
  brush: "brush",
  close: "close",
} as const;

const ANSWER = /^answer:([a-z0-9-]{1,40}):([0-4])$/;

export function answerValue(questionId: string, choice: number): string {
  return `answer:${questionId}:${choice}`;
}

/** A choice pressed on a question's panel, or null for any other button. */
export function parseAnswer(value: string): { questionId: string; choice: number } | null {
  const m = ANSWER.exec(value);
  return m ? { questionId: m[1]!, choice: Number(m[2]) } : null;
}

/** Where the brushing timer is, as the page's clock sees it. */
export interface BrushingNow {
  /** Seconds left on the 2-minute timer (the whole time before it starts). */
  secondsLeft: number;
  started: boolean;
  /** The tooth and surface to brush now; null before the start and after the end. */
  tooth: number | null;
  surface: "outer" | "inner" | "chewing" | null;
}

/** The brushing timer `nowMs` into a walk of `totalSeconds` started at `startedAtMs` (null: not yet). */
export function brushingNow(totalSeconds: number, startedAtMs: number | null, nowMs: number): BrushingNow {
  if (startedAtMs === null) return { secondsLeft: totalSeconds, started: false, tooth: null, surface: null };
  const seconds = Math.max(0, (nowMs - startedAtMs) / 1000);
  const at = brushingAt(brushingWalk(totalSeconds), seconds);
  return {
    secondsLeft: Math.max(0, totalSeconds - seconds),
    started: true,
    tooth: at?.tooth ?? null,
    surface: at?.surface ?? null,
  };
}

export interface StepContext {
  /** This person's graded answers so far, by question. */
  answers: ReadonlyMap<string, GradedAnswer>;
  brushing: BrushingNow | null;
  personal: PersonalPart | null;
  /** False for a participant in the circle: only the host moves the lesson on. */
  leads: boolean;
}

const SURFACE_WORDS = { outer: "outside", inner: "inside", chewing: "chewing surface" } as const;

function clock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The brushing step's line: the clock and the tooth to brush now. */
export function brushingLine(b: BrushingNow): string {
  if (!b.started) return `${clock(b.secondsLeft)} · Press start and brush along.`;
  if (b.tooth === null || b.surface === null) return "Two minutes: well done! Spit, but don't rinse.";
  return `${clock(b.secondsLeft)} · Now: the ${SURFACE_WORDS[b.surface]} of ${toothLabel(b.tooth)}`;
}

function sectionBody(s: LessonSection, ctx: StepContext): string {
  switch (s.kind) {
    case "text":
      return s.body;
    case "brushing":
      return ctx.brushing ? `${s.body}\n${brushingLine(ctx.brushing)}` : s.body;
    case "stephan":
      return `${s.body}\nAfter sugar, plaque pH falls below 5.5 within minutes and climbs back over 30 to 60 minutes.`;
    case "personal_ph": {
      const p = ctx.personal;
      if (!p?.shown) return `${s.body}\n${s.noData}`;
      const dips = p.dips
        .slice(-3)
        .map((d) => `below 5.5 for about ${d.minutesBelow} min (lowest ${d.lowest.toFixed(1)})`);
      return `${s.body}\nYour recent dips: ${dips.join("; ")}.`;
    }
  }
}

/** The world panel for step `at` of `lesson`. */
export function stepPanel(lesson: Lesson, at: number, ctx: StepContext): PanelSpec {
  const steps = lessonSteps(lesson);
  const step = steps[Math.max(0, Math.min(at, steps.length - 1))]!;
  const nav: PanelButton[] = [];
  if (ctx.leads && at > 0 && step.kind !== "done") nav.push({ label: "Back", value: LessonPanelValue.back });
  switch (step.kind) {
    case "section": {
      const s = step.section;
      const buttons: PanelButton[] = [...nav];
      if (s.kind === "brushing" && ctx.leads && !ctx.brushing?.started)
        buttons.push({ label: "Start the 2-minute timer", value: LessonPanelValue.brush, tone: "primary" });
      if (ctx.leads)
        buttons.push({
          label: step.index === lesson.sections.length - 1 ? "On to the questions" : "Next",
          value: LessonPanelValue.next,
          tone: s.kind === "brushing" && !ctx.brushing?.started ? "normal" : "primary",
        });
      return {
        id: `lesson:${at}`,
        title: `${s.title} (${step.index + 1} of ${lesson.sections.length})`,
        body: sectionBody(s, ctx),
        buttons,
        columns: Math.max(1, buttons.length),
      };
    }
    case "question": {
      const q = step.question;
      const given = ctx.answers.get(q.id);
      const title = `Question ${step.index + 1} of ${lesson.quiz.length}`;
      if (!given)
        return {
          id: `lesson:${at}`,
          title,
          body: q.question,
          buttons: q.choices.map((label, i) => ({ label, value: answerValue(q.id, i) })),
          columns: 1,
        };
      const verdict = given.correct ? "Right." : `Not quite: ${q.choices[q.answer]}.`;
      const buttons: PanelButton[] = ctx.leads
        ? [
            ...nav,
            {
              label: step.index === lesson.quiz.length - 1 ? "See how I did" : "Next question",
              value: LessonPanelValue.next,
              tone: "primary",
            },
          ]
        : [];
      return {
        id: `lesson:${at}`,
        title,
        body: `${q.question}\n${verdict} ${q.explain}`,
        buttons,
        columns: Math.max(1, buttons.length),
      };
    }
    case "done": {
      const answered = lesson.quiz.filter((q) => ctx.answers.has(q.id)).length;
      const right = lesson.quiz.filter((q) => ctx.answers.get(q.id)?.correct).length;
      return {
        id: `lesson:${at}`,
        title: lesson.title,
        body:
          answered === 0
            ? "That is the lesson. Thank you for taking part."
            : `${right} of ${answered} right. Well done for taking the time.`,
        buttons: ctx.leads
          ? [{ label: "Close the lesson", value: LessonPanelValue.close, tone: "primary" }]
          : [],
        columns: 1,
      };
    }
  }
}

/** The teeth a step lights on the dentition: a part's named teeth, or the tooth to brush now. */
export function stepTeeth(lesson: Lesson, at: number, brushing: BrushingNow | null): number[] {
  const step = lessonSteps(lesson)[at];
  if (step?.kind !== "section") return [];
  const s = step.section;
  if (s.kind === "text") return s.teeth ?? [];
  if (s.kind === "brushing") return brushing?.tooth != null ? [brushing.tooth] : [];
  return [];
}
