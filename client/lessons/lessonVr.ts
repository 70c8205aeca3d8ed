/**
 * Plays a lesson on a 3D stage (issue 12): the lesson's steps (lessonSteps.ts) on the stage's world
 * panel, the teeth they name lit on the 3D dentition, the 2-minute brushing walk lighting one tooth
 * after another, and each quiz answer stored the moment it is given (the same call as the flat
 * quiz's). The flat page and the stage show the same part: a step here moves the page, and the
 * page's Next moves the stage.
 */
import type { GradedAnswer, Lesson, PersonalPart } from "../../shared/lessons.ts";
import type { LessonStage } from "./lessonStage.ts";
import {
  type BrushingNow,
  brushingNow,
  LessonPanelValue,
  lessonSteps,
  parseAnswer,
  stepPanel,
  stepTeeth,
} from "./lessonSteps.ts";

export interface LessonVrDeps {
  lesson: Lesson;
  personal: () => PersonalPart | null;
  /** Stores answers (the lesson link's `/answers`); resolves with them graded. */
  answerAsync(answers: Record<string, number>): Promise<GradedAnswer[]>;
  /** The stage moved to this step: the flat page follows. */
  onStep(step: number): void;
  /** The panel's Start: the flat page's timer starts too. */
  onBrushingStarted(atMs: number): void;
}

export class LessonVr {
  private step = 0;
  private readonly answers = new Map<string, GradedAnswer>();
  private brushStartedAt: number | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private error: string | null = null;

  constructor(
    private readonly stage: LessonStage,
    private readonly deps: LessonVrDeps,
  ) {
    stage.onPanelChoiceObservable.add((c) => {
      void this.chooseAsync(c.value);
    });
    // The brushing timer's clock and tooth move on their own.
    this.timer = setInterval(() => this.render(), 500);
    this.render();
  }

  get currentStep(): number {
    return this.step;
  }

  /** Follows the flat page (its Next and Back). */
  goTo(step: number): void {
    const last = lessonSteps(this.deps.lesson).length - 1;
    const to = Math.max(0, Math.min(step, last));
    if (to === this.step) return;
    this.step = to;
    this.brushStartedAt = null;
    this.render();
  }

  /** The flat page's Start pressed at `atMs` (performance.now()): the 3D walk keeps the same time. */
  startBrushing(atMs: number): void {
    this.brushStartedAt = atMs;
    this.render();
  }

  testState(): { step: number; answers: string[]; error: string | null } {
    return { step: this.step, answers: [...this.answers.keys()], error: this.error };
  }

  private brushing(): BrushingNow | null {
    const step = lessonSteps(this.deps.lesson)[this.step];
    if (step?.kind !== "section" || step.section.kind !== "brushing") return null;
    return brushingNow(step.section.totalSeconds, this.brushStartedAt, performance.now());
  }

  private render(): void {
    const brushing = this.brushing();
    this.stage.showPanel(
      stepPanel(this.deps.lesson, this.step, {
        answers: this.answers,
        brushing,
        personal: this.deps.personal(),
        leads: true,
      }),
    );
    this.stage.lightTeeth(stepTeeth(this.deps.lesson, this.step, brushing));
  }

  private move(to: number): void {
    this.goTo(to);
    this.deps.onStep(this.step);
  }

  private async chooseAsync(value: string): Promise<void> {
    switch (value) {
      case LessonPanelValue.next:
        return this.move(this.step + 1);
      case LessonPanelValue.back:
        return this.move(this.step - 1);
      case LessonPanelValue.brush:
        this.startBrushing(performance.now());
        return this.deps.onBrushingStarted(performance.now());
      case LessonPanelValue.close:
        await this.stage.exitXRAsync();
        return this.move(0);
    }
    const answer = parseAnswer(value);
    if (!answer) return;
    try {
      const graded = await this.deps.answerAsync({ [answer.questionId]: answer.choice });
      for (const g of graded) this.answers.set(g.questionId, g);
      this.error = null;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.render();
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
