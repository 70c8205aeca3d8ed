/**
 * The lessons on offer: every `lessons/*.json` data file, checked against `lessonSchema` at start.
 * A new lesson is a new file (no code); a broken file is left out with a logged reason a dentist
 * or developer can act on, never a crash and never a half-shown lesson.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Lesson, lessonSchema } from "../../shared/lessons.ts";
import { describeIssue } from "../../shared/schemas.ts";

/** The repository's `lessons/` folder. */
export const LESSONS_DIR = fileURLToPath(new URL("../../lessons/", import.meta.url));

export interface LessonCatalog {
  lessons: ReadonlyMap<string, Lesson>;
  /** Files left out, with why. */
  refused: { file: string; why: string }[];
}

/** Reads and checks every lesson file in `dir`; ids must match the file name and be unique. */
export function loadLessons(dir: string = LESSONS_DIR): LessonCatalog {
  const lessons = new Map<string, Lesson>();
  const refused: { file: string; why: string }[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(dir, file), "utf8"));
    } catch (error) {
      refused.push({ file, why: `not JSON: ${(error as Error).message}` });
      continue;
    }
    const parsed = lessonSchema.safeParse(raw);
    if (!parsed.success) {
      refused.push({ file, why: describeIssue(parsed.error) });
      continue;
    }
    if (`${parsed.data.id}.json` !== file) {
      refused.push({ file, why: `id "${parsed.data.id}" does not match the file name` });
      continue;
    }
    lessons.set(parsed.data.id, parsed.data);
  }
  return { lessons, refused };
}
