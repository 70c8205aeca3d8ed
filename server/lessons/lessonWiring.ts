/** The lesson catalog as the server starts with it: every valid lesson file, and a warning per file left out. */
import type { Lesson } from "../../shared/lessons.ts";
import { createLogger } from "../log.ts";
import { loadLessons } from "./lessonCatalog.ts";

const log = createLogger("lessons");

export function lessonCatalog(): ReadonlyMap<string, Lesson> {
  const { lessons, refused } = loadLessons();
  for (const r of refused) log.warn("lesson file left out", { file: r.file, why: r.why });
  return lessons;
}

// A lesson for the support group's circle, beside `/group`
export { attachCircleLessons } from "./groupLessonWiring.ts";
