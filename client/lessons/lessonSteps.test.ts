import { describe, expect, it } from "vitest";
import { loadLessons } from "../../server/lessons/lessonCatalog.ts";
import type { GradedAnswer } from "../../shared/lessons.ts";
import {
  answerValue,
  brushingLine,
  brushingNow,
  firstQuestionStep,
  LessonPanelValue,
  lessonSteps,
  parseAnswer,
  type StepContext,
  stepPanel,
  stepTeeth,
} from "./lessonSteps.ts";

const brushing = loadLessons().lessons.get("brushing")!;
const none: StepContext = { answers: new Map(), brushing: null, personal: null, leads: true };

describe("a lesson as world-panel steps", () => {
  it("has one step per part, one per question, then the result", () => {
    const steps = lessonSteps(brushing);
    expect(steps.map((s) => s.kind)).toEqual([
      "section",
      "section",
      "section",
      "question",
      "question",
      "question",
      "done",
    ]);
    expect(firstQuestionStep(brushing)).toBe(3);
  });

  it("a part's panel leads on with Next; the last part goes on to the questions", () => {
    expect(stepPanel(brushing, 0, none).buttons.map((b) => b.value)).toEqual([LessonPanelValue.next]);
    const brush = stepPanel(brushing, 2, { ...none, brushing: brushingNow(120, null, 0) });
    expect(brush.buttons.map((b) => b.value)).toEqual(["back", "brush", "next"]);
    expect(brush.buttons.at(-1)!.label).toBe("On to the questions");
    expect(brush.body).toMatch(/2:00 · Press start/);
  });

  it("a participant in the circle sees the step but no buttons that move it on", () => {
    expect(stepPanel(brushing, 1, { ...none, leads: false }).buttons).toEqual([]);
  });

  it("a question offers its choices, then says whether the answer was right and why", () => {
    const q = brushing.quiz[0]!;
    const ask = stepPanel(brushing, 3, none);
    expect(ask.body).toBe(q.question);
    expect(ask.buttons.map((b) => b.value)).toEqual(q.choices.map((_, i) => answerValue(q.id, i)));
    const given: GradedAnswer = { questionId: q.id, choice: 0, correct: false };
    const told = stepPanel(brushing, 3, { ...none, answers: new Map([[q.id, given]]) });
    expect(told.body).toContain(`Not quite: ${q.choices[q.answer]}.`);
    expect(told.buttons.map((b) => b.value)).toEqual(["back", "next"]);
  });

  it("the result counts the right answers", () => {
    const answers = new Map(
      brushing.quiz.map((q, i) => [q.id, { questionId: q.id, choice: q.answer, correct: i !== 2 }]),
    );
    expect(stepPanel(brushing, 6, { ...none, answers }).body).toMatch(/^2 of 3 right/);
  });

  it("reads a pressed choice back, and nothing else", () => {
    expect(parseAnswer(answerValue("how-long", 1))).toEqual({ questionId: "how-long", choice: 1 });
    expect(parseAnswer("next")).toBeNull();
    expect(parseAnswer("answer:x:9")).toBeNull();
  });

  it("the brushing walk lights one tooth at a time, upper right back first", () => {
    const start = brushingNow(120, 1_000, 1_000);
    expect(start).toMatchObject({ started: true, tooth: 18, surface: "outer" });
    expect(stepTeeth(brushing, 2, start)).toEqual([18]);
    expect(brushingLine(start)).toMatch(/^2:00 · Now: the outside of 18/);
    const later = brushingNow(120, 0, 2_000);
    expect(later.tooth).toBe(17);
    expect(brushingLine(brushingNow(120, 0, 121_000))).toMatch(/well done/);
    expect(stepTeeth(brushing, 1, null)).toEqual([16, 15, 14]);
    expect(stepTeeth(brushing, 3, null)).toEqual([]);
  });
});
