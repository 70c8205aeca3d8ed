import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  BrushSurface,
  brushingAt,
  brushingWalk,
  CRITICAL_PH,
  gradeQuiz,
  personalPart,
  phDips,
  stephanCurve,
} from "../../shared/lessons.ts";
import { PERMANENT_TEETH } from "../../shared/teeth.ts";
import { loadLessons } from "./lessonCatalog.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the lesson files", () => {
  const { lessons, refused } = loadLessons();

  it("all four lessons load, each with 3 to 5 questions", () => {
    expect(refused).toEqual([]);
    expect([...lessons.keys()]).toEqual(["between-teeth", "brushing", "sensors", "sugar-acid"]);
    for (const lesson of lessons.values()) {
      expect(lesson.quiz.length).toBeGreaterThanOrEqual(3);
      expect(lesson.quiz.length).toBeLessThanOrEqual(5);
      expect(new Set(lesson.quiz.map((q) => q.id)).size).toBe(lesson.quiz.length);
    }
  });

  it("brushing walks the arch for two minutes; sugar-acid has the Stephan curve and the personal part", () => {
    expect(
      lessons.get("brushing")!.sections.some((s) => s.kind === "brushing" && s.totalSeconds === 120),
    ).toBe(true);
    const kinds = lessons.get("sugar-acid")!.sections.map((s) => s.kind);
    expect(kinds).toContain("stephan");
    expect(kinds).toContain("personal_ph");
  });

  it("a broken or misnamed file is left out with a reason, the rest still load", () => {
    const dir = mkdtempSync(join(tmpdir(), "lessons-"));
    dirs.push(dir);
    const good = loadLessons().lessons.get("sensors")!;
    writeFileSync(join(dir, "sensors.json"), JSON.stringify(good));
    writeFileSync(join(dir, "broken.json"), "{ not json");
    writeFileSync(join(dir, "other.json"), JSON.stringify(good));
    writeFileSync(
      join(dir, "short.json"),
      JSON.stringify({ ...good, id: "short", quiz: good.quiz.slice(0, 2) }),
    );
    const out = loadLessons(dir);
    expect([...out.lessons.keys()]).toEqual(["sensors"]);
    expect(out.refused.map((r) => r.file)).toEqual(["broken.json", "other.json", "short.json"]);
    expect(out.refused[2]!.why).toMatch(/quiz/);
  });
});

describe("the brushing walk", () => {
  const walk = brushingWalk(120);

  it("covers the outer and inner surface of every tooth and the chewing surface of the back teeth, in 120 s", () => {
    const outer = walk.filter((s) => s.surface === BrushSurface.outer).map((s) => s.tooth);
    const inner = walk.filter((s) => s.surface === BrushSurface.inner).map((s) => s.tooth);
    expect([...outer].sort()).toEqual([...PERMANENT_TEETH].sort());
    expect([...inner].sort()).toEqual([...PERMANENT_TEETH].sort());
    expect(walk.filter((s) => s.surface === BrushSurface.chewing).every((s) => s.tooth % 10 >= 4)).toBe(true);
    expect(walk[0]!.from).toBe(0);
    expect(walk.at(-1)!.to).toBeCloseTo(120);
    for (let i = 1; i < walk.length; i++) expect(walk[i]!.from).toBeCloseTo(walk[i - 1]!.to);
  });

  it("walks tooth by tooth: neighbours follow each other along the arch", () => {
    expect(walk.slice(0, 3).map((s) => s.tooth)).toEqual([18, 17, 16]);
    expect(brushingAt(walk, 0)!.tooth).toBe(18);
    expect(brushingAt(walk, 119.9)!.surface).toBe(BrushSurface.chewing);
    expect(brushingAt(walk, 120)).toBeNull();
  });
});

describe("quiz and pH", () => {
  const lesson = loadLessons().lessons.get("brushing")!;

  it("grades answers and refuses unknown questions or choices", () => {
    const graded = gradeQuiz(lesson, { "how-long": 1, angle: 0 });
    expect(graded).toEqual({
      ok: true,
      graded: [
        { questionId: "how-long", choice: 1, correct: true },
        { questionId: "angle", choice: 0, correct: false },
      ],
    });
    expect(gradeQuiz(lesson, { nope: 0 }).ok).toBe(false);
    expect(gradeQuiz(lesson, { rinse: 3 }).ok).toBe(false);
  });

  it("the Stephan curve falls below 5.5 within minutes and recovers within the hour", () => {
    const curve = stephanCurve();
    const below = curve.filter((p) => p.ph < CRITICAL_PH);
    expect(below[0]!.minute).toBeLessThanOrEqual(10);
    expect(below.at(-1)!.minute).toBeGreaterThanOrEqual(20);
    expect(below.at(-1)!.minute).toBeLessThanOrEqual(60);
    expect(curve.at(-1)!.ph).toBeGreaterThan(6.5);
  });

  const minute = 60_000;
  const meal = [7, 6.2, 5.4, 5.1, 5.3, 5.6, 6.5].map((value, i) => ({ t: i * minute, value }));

  it("finds the patient's own dips below 5.5, and a gap ends a dip", () => {
    expect(phDips(meal)).toEqual([{ startedAt: 2 * minute, minutesBelow: 2, lowest: 5.1 }]);
    const gap = [
      { t: 0, value: 5.2 },
      { t: 20 * minute, value: 5.3 },
    ];
    expect(phDips(gap)).toHaveLength(2);
  });

  it("shows the personal part only with both consent and data", () => {
    expect(personalPart(false, meal)).toEqual({ shown: false, why: "no_consent" });
    expect(personalPart(true, [])).toEqual({ shown: false, why: "no_data" });
    expect(personalPart(true, [{ t: 0, value: 7 }])).toEqual({ shown: false, why: "no_data" });
    expect(personalPart(true, meal)).toMatchObject({ shown: true, dips: [{ lowest: 5.1 }] });
  });
});
