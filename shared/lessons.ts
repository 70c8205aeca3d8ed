/**
 * Health education lessons (issue 12): each lesson is a plain data file in `lessons/*.json`,
 * reviewable by a dentist, checked by `lessonSchema`; ONE player shows any of them, so a new lesson
 * needs no code. Pure helpers here: the 2-minute Bass brushing walk over the arch, quiz grading,
 * and the patient's own pH dips (shown only with their consent and their data).
 */
import { z } from "zod";
import { isPermanentTooth } from "./teeth.ts";

const text = z.string().trim().min(1).max(1_200);
const tooth = z.number().int().refine(isPermanentTooth, { message: "an FDI permanent tooth (11-48)" });

/** One part of a lesson; `kind` picks how the player shows it. */
export const lessonSectionSchema = z.discriminatedUnion("kind", [
  /** Words, optionally with the teeth to light up on the dentition. */
  z.strictObject({
    kind: z.literal("text"),
    title: text,
    body: text,
    teeth: z.array(tooth).max(32).optional(),
  }),
  /** The brushing timer that walks the arch, tooth by tooth (brushingWalk). */
  z.strictObject({
    kind: z.literal("brushing"),
    title: text,
    body: text,
    totalSeconds: z.number().int().min(30).max(300),
  }),
  /** The Stephan curve: plaque pH after sugar, falling below 5.5 and recovering (stephanCurve). */
  z.strictObject({ kind: z.literal("stephan"), title: text, body: text }),
  /** The patient's own pH dips from their record; shown only with consent and data (personalPart). */
  z.strictObject({ kind: z.literal("personal_ph"), title: text, body: text, noData: text }),
]);
export type LessonSection = z.infer<typeof lessonSectionSchema>;

export const quizQuestionSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]{1,40}$/),
    question: text,
    choices: z.array(z.string().trim().min(1).max(200)).min(2).max(5),
    /** Index of the right choice. */
    answer: z.number().int().min(0),
    /** Why, shown after the answer. */
    explain: text,
  })
  .refine((q) => q.answer < q.choices.length, { message: "answer must index one of the choices" });
export type QuizQuestion = z.infer<typeof quizQuestionSchema>;

export const lessonSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/),
  title: z.string().trim().min(1).max(120),
  summary: text,
  /** Minutes a patient needs, for the assignment list. */
  minutes: z.number().int().min(1).max(60),
  /** Where the facts come from (DOMAIN.md's education content), for the reviewing dentist. */
  sources: z.array(z.string().min(1).max(300)).min(1),
  sections: z.array(lessonSectionSchema).min(1).max(12),
  /** Each lesson ends with 3 to 5 questions. */
  quiz: z.array(quizQuestionSchema).min(3).max(5),
});
export type Lesson = z.infer<typeof lessonSchema>;

/** The patient's answers: one choice per question id. */
export const lessonAnswersSchema = z.strictObject({
  answers: z.record(z.string().regex(/^[a-z0-9-]{1,40}$/), z.number().int().min(0).max(4)),
});
export type LessonAnswers = z.infer<typeof lessonAnswersSchema>;

export interface GradedAnswer {
  questionId: string;
  choice: number;
  correct: boolean;
}

/** Grades the answers given; an unknown question id or an out-of-range choice is refused. */
export function gradeQuiz(
  lesson: Lesson,
  answers: Readonly<Record<string, number>>,
): { ok: true; graded: GradedAnswer[] } | { ok: false; message: string } {
  const graded: GradedAnswer[] = [];
  for (const [questionId, choice] of Object.entries(answers)) {
    const q = lesson.quiz.find((x) => x.id === questionId);
    if (!q) return { ok: false, message: `No question "${questionId}" in this lesson.` };
    if (choice >= q.choices.length)
      return { ok: false, message: `Question "${questionId}" has no choice ${choice}.` };
    graded.push({ questionId, choice, correct: choice === q.answer });
  }
  return { ok: true, graded };
}

// -- brushing -----------------------------------------------------------------------------------

/** The surfaces the Bass technique brushes on every tooth, in order. */
export const BrushSurface = { outer: "outer", inner: "inner", chewing: "chewing" } as const;
export type BrushSurface = (typeof BrushSurface)[keyof typeof BrushSurface];

export interface BrushingStop {
  /** Seconds from the start of the timer. */
  from: number;
  to: number;
  tooth: number;
  surface: BrushSurface;
}

/** Upper right back to upper left back, then lower left back to lower right back: the whole arch. */
const ARCH_ORDER: readonly number[] = [
  18, 17, 16, 15, 14, 13, 12, 11, 21, 22, 23, 24, 25, 26, 27, 28, 38, 37, 36, 35, 34, 33, 32, 31, 41, 42, 43,
  44, 45, 46, 47, 48,
];

/**
 * The 2-minute walk over the arch: the outer surfaces of every tooth, then the inner, then the
 * chewing surfaces of the back teeth, each tooth an equal share of the time. Pure.
 */
export function brushingWalk(totalSeconds: number): BrushingStop[] {
  const back = (t: number) => t % 10 >= 4;
  const plan: { tooth: number; surface: BrushSurface }[] = [
    ...ARCH_ORDER.map((t) => ({ tooth: t, surface: BrushSurface.outer })),
    ...ARCH_ORDER.map((t) => ({ tooth: t, surface: BrushSurface.inner })),
    ...ARCH_ORDER.filter(back).map((t) => ({ tooth: t, surface: BrushSurface.chewing })),
  ];
  const each = totalSeconds / plan.length;
  return plan.map((p, i) => ({ ...p, from: i * each, to: (i + 1) * each }));
}

/** Where the brush is `seconds` into the walk; null once it is done. */
export function brushingAt(walk: readonly BrushingStop[], seconds: number): BrushingStop | null {
  if (seconds < 0) return walk[0] ?? null;
  return walk.find((s) => seconds >= s.from && seconds < s.to) ?? null;
}

// -- sugar and acid -----------------------------------------------------------------------------

/** Enamel is at risk below this plaque pH (DOMAIN.md). */
export const CRITICAL_PH = 5.5;

/**
 * A textbook Stephan curve for the lesson's chart: resting pH about 7, a fall below 5.5 within
 * minutes of sugar, recovery over 30-60 minutes (DOMAIN.md). One point a minute for an hour.
 */
export function stephanCurve(): { minute: number; ph: number }[] {
  const points: { minute: number; ph: number }[] = [];
  for (let m = 0; m <= 60; m++) {
    // Rest at 7, a fall to 4.8 by minute 8, back above 5.5 after about 20 minutes, near rest by 45.
    const ph =
      m < 2
        ? 7
        : m <= 8
          ? 7 - (m - 2) * (2.2 / 6)
          : m <= 45
            ? 4.8 + (m - 8) * (2 / 37)
            : 6.8 + (m - 45) * (0.2 / 15);
    points.push({ minute: m, ph: Math.round(ph * 100) / 100 });
  }
  return points;
}

export interface PhReading {
  t: number;
  value: number;
}

/** One time the patient's own pH fell below 5.5, from their record. */
export interface PhDip {
  startedAt: number;
  /** Minutes below 5.5. */
  minutesBelow: number;
  lowest: number;
}

/**
 * The patient's own dips below pH 5.5 from valid readings sorted by time: a dip ends when the pH
 * is back at or above 5.5, or at a gap of more than 5 minutes (gaps are shown as gaps, never
 * filled in). Pure.
 */
export function phDips(readings: readonly PhReading[]): PhDip[] {
  const dips: PhDip[] = [];
  let open: { startedAt: number; lastAt: number; lowest: number } | null = null;
  const close = () => {
    if (open)
      dips.push({
        startedAt: open.startedAt,
        minutesBelow: Math.max(1, Math.round((open.lastAt - open.startedAt) / 60_000)),
        lowest: open.lowest,
      });
    open = null;
  };
  for (const r of readings) {
    if (open && r.t - open.lastAt > 5 * 60_000) close();
    if (r.value < CRITICAL_PH) {
      if (open) {
        open.lastAt = r.t;
        open.lowest = Math.min(open.lowest, r.value);
      } else open = { startedAt: r.t, lastAt: r.t, lowest: r.value };
    } else close();
  }
  close();
  return dips;
}

/** The personal part as the player receives it: why it is not shown, or the patient's own dips. */
export type PersonalPart = { shown: false; why: "no_consent" | "no_data" } | { shown: true; dips: PhDip[] };

/** Nothing is shown without both the patient's consent and their own data. Pure. */
export function personalPart(consented: boolean, readings: readonly PhReading[]): PersonalPart {
  if (!consented) return { shown: false, why: "no_consent" };
  const dips = phDips(readings);
  return dips.length === 0 ? { shown: false, why: "no_data" } : { shown: true, dips };
}

// -- a lesson for the support group's circle ----------------------------------------------------

/**
 * The host runs a lesson for the whole circle on its own namespace beside `/group`, over the same
 * connection: everyone sees the host's step; each person answers the quiz for themselves, and only
 * a patient whose invitation names them has their answers kept in their record.
 */
export const GROUP_LESSON_NAMESPACE = "/group-lesson";

/** Group lesson event names, once. */
export const GroupLessonEv = {
  lead: "lesson:lead",
  answer: "lesson:answer",
  state: "lesson:state",
} as const;
export type GroupLessonCommand = typeof GroupLessonEv.lead | typeof GroupLessonEv.answer;

/** What a lesson connection sends in its handshake: the page's own `/group` socket on the same link. */
export const groupLessonAuthSchema = z.strictObject({
  protocolVersion: z.number().int(),
  groupSocketId: z.string().min(1).max(64),
});

const lessonId = z.string().regex(/^[a-z0-9-]{1,40}$/);

/** Schemas of the group lesson's commands, keyed by event name. */
export const groupLessonPayloadSchemas = {
  /** The host starts a lesson (or null: ends it), shows step `step`, and may start the brushing timer. */
  [GroupLessonEv.lead]: z.strictObject({
    lessonId: lessonId.nullable(),
    step: z.number().int().min(0).max(40),
    brushing: z.boolean().optional(),
  }),
  /** One person's own answer to one question of the running lesson. */
  [GroupLessonEv.answer]: z.strictObject({
    questionId: z.string().regex(/^[a-z0-9-]{1,40}$/),
    choice: z.number().int().min(0).max(4),
  }),
} as const satisfies Record<GroupLessonCommand, z.ZodType>;
export type GroupLessonPayload<E extends GroupLessonCommand> = z.infer<(typeof groupLessonPayloadSchemas)[E]>;

/** The circle's lesson as one member receives it. */
export interface GroupLessonState {
  /** The running lesson, or null when none runs. */
  lesson: Lesson | null;
  step: number;
  /** Server time the brushing timer started at (null: not started on this step). */
  brushStartedAt: number | null;
  /** This member's own answers (nobody else's). */
  yourAnswers: GradedAnswer[];
  /** Whether this member's answers are kept in their record (a patient invited by name). */
  keptInRecord: boolean;
  serverTime: number;
}
