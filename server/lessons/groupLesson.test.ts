import { describe, expect, it } from "vitest";
import { GroupLessonEv } from "../../shared/lessons.ts";
import { GroupRole } from "../../shared/supportGroup.ts";
import { GroupLessons } from "./groupLesson.ts";
import { loadLessons } from "./lessonCatalog.ts";

const catalog = loadLessons().lessons;
let clock = 1_000;
const lessons = () => new GroupLessons(catalog, () => clock);
const lead = (lessonId: string | null, step: number, brushing?: boolean) =>
  brushing === undefined ? { lessonId, step } : { lessonId, step, brushing };

describe("a lesson for the circle", () => {
  it("the host starts it and moves it on; everyone sees the same step", () => {
    const g = lessons();
    expect(g.handle("g1", "noah", GroupRole.host, GroupLessonEv.lead, lead("brushing", 0))).toEqual({
      ok: true,
    });
    expect(g.handle("g1", "noah", GroupRole.host, GroupLessonEv.lead, lead("brushing", 2))).toEqual({
      ok: true,
    });
    for (const who of ["noah", "ana", "ben"]) {
      const s = g.stateFor("g1", who, false);
      expect(s.lesson?.id).toBe("brushing");
      expect(s.step).toBe(2);
    }
    expect(g.stateFor("g2", "ana", false).lesson).toBeNull();
  });

  it("only the host leads: a participant's lead is refused with the table's words", () => {
    const g = lessons();
    expect(g.handle("g1", "ana", GroupRole.participant, GroupLessonEv.lead, lead("brushing", 0))).toEqual({
      ok: false,
      code: "forbidden",
      message: "Only the host runs a lesson for the circle.",
    });
    expect(g.stateFor("g1", "ana", false).lesson).toBeNull();
  });

  it("the brushing timer starts on the brushing part only, and a new step stops it", () => {
    const g = lessons();
    g.handle("g1", "noah", GroupRole.host, GroupLessonEv.lead, lead("brushing", 1, true));
    expect(g.stateFor("g1", "ana", false).brushStartedAt).toBeNull();
    clock = 5_000;
    g.handle("g1", "noah", GroupRole.host, GroupLessonEv.lead, lead("brushing", 2, true));
    expect(g.stateFor("g1", "ana", false).brushStartedAt).toBe(5_000);
    g.handle("g1", "noah", GroupRole.host, GroupLessonEv.lead, lead("brushing", 3));
    expect(g.stateFor("g1", "ana", false).brushStartedAt).toBeNull();
  });

  it("each person's answers are their own: graded, and never in anyone else's state", () => {
    const g = lessons();
    g.handle("g1", "noah", GroupRole.host, GroupLessonEv.lead, lead("brushing", 3));
    const a = g.handle("g1", "ana", GroupRole.participant, GroupLessonEv.answer, {
      questionId: "how-long",
      choice: 1,
    });
    expect(a).toMatchObject({ ok: true, graded: { questionId: "how-long", choice: 1, correct: true } });
    g.handle("g1", "ben", GroupRole.participant, GroupLessonEv.answer, { questionId: "how-long", choice: 0 });
    expect(g.stateFor("g1", "ana", true).yourAnswers).toEqual([
      { questionId: "how-long", choice: 1, correct: true },
    ]);
    expect(g.stateFor("g1", "ben", false).yourAnswers).toEqual([
      { questionId: "how-long", choice: 0, correct: false },
    ]);
    expect(g.stateFor("g1", "noah", false).yourAnswers).toEqual([]);
  });

  it("refuses an answer with no lesson running, an unknown question, or an unknown lesson", () => {
    const g = lessons();
    expect(
      g.handle("g1", "ana", GroupRole.participant, GroupLessonEv.answer, { questionId: "x", choice: 0 }),
    ).toMatchObject({
      ok: false,
      code: "not_found",
    });
    expect(g.handle("g1", "noah", GroupRole.host, GroupLessonEv.lead, lead("no-such", 0))).toMatchObject({
      ok: false,
      code: "not_found",
    });
    g.handle("g1", "noah", GroupRole.host, GroupLessonEv.lead, lead("brushing", 0));
    expect(
      g.handle("g1", "ana", GroupRole.participant, GroupLessonEv.answer, { questionId: "nope", choice: 0 }),
    ).toMatchObject({
      ok: false,
      code: "bad_payload",
    });
    // Ending the lesson (null) clears it for everyone.
    g.handle("g1", "noah", GroupRole.host, GroupLessonEv.lead, lead(null, 0));
    expect(g.stateFor("g1", "ana", false).lesson).toBeNull();
  });
});
