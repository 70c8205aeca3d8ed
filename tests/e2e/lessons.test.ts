/**
 * The lesson player in headless Chromium (issue 12): Noah assigns the brushing lesson, the
 * patient's link opens it on a flat screen, the 2-minute timer walks the arch tooth by tooth, the
 * lesson runs to its quiz, and the answers are stored in the patient's record. Screenshots at
 * 1280×800 and 1920×1080 go to test-results/; assertions check page state, not pixels.
 */
import { describe, expect, it } from "vitest";
import type { GradedAnswer } from "../../shared/lessons.ts";
import type { PatientRecord } from "../../shared/records.ts";
import { staffApi } from "../recordSeed.ts";
import { signedInStaff } from "../staffAccount.ts";
import { screenshot } from "./browser.ts";
import { e2eRoom } from "./roomPages.ts";

const room = e2eRoom();

describe("the lesson player", () => {
  it("runs the brushing lesson to its quiz in the flat view, and stores the answers", async () => {
    const noah = await signedInStaff(room.server, {
      staffId: "noah",
      role: "assistant",
      displayName: "Noah",
    });
    const made = await staffApi<PatientRecord>(room.server, "POST", "/api/patients", noah, {
      displayName: "Julian Test",
      dateOfBirth: "1990-01-01",
      anxietyNotes: "",
      preferences: "",
    });
    expect(made.status).toBe(201);
    const assigned = await staffApi<{ link: string }>(
      room.server,
      "POST",
      `/api/patients/${made.body.patientId}/lessons`,
      noah,
      {
        lessonId: "brushing",
      },
    );
    expect(assigned.status).toBe(201);

    const w = await room.open(assigned.body.link, "lesson-brushing");
    const page = w.page;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForSelector('[data-testid="lesson-section"][data-kind="text"]', { timeout: 60_000 });
    expect(await page.textContent("h1")).toBe("Brushing, tooth by tooth");
    expect(await page.textContent('[data-testid="lesson-progress"]')).toBe("Part 1 of 3");
    await page.click('[data-testid="lesson-next"]');
    // The Bass technique part lights the teeth it names.
    expect(await page.getAttribute(".ls-arch", "data-lit")).toBe("16,15,14");
    await page.click('[data-testid="lesson-next"]');

    // The 2-minute timer walks the arch: upper right back first, then along, tooth by tooth.
    await page.waitForSelector('[data-testid="lesson-section"][data-kind="brushing"]');
    expect(await page.textContent('[data-testid="brushing-clock"]')).toBe("2:00");
    await page.click('[data-testid="brushing-start"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="brushing-now"]')?.getAttribute("data-tooth") === "18",
    );
    expect(await page.textContent('[data-testid="brushing-now"]')).toMatch(
      /^Now: the outside of 18 · upper right third molar/,
    );
    await page.waitForFunction(
      () => document.querySelector('[data-testid="brushing-now"]')?.getAttribute("data-tooth") === "17",
      undefined,
      { timeout: 30_000 },
    );
    expect(await page.getAttribute(".ls-arch", "data-lit")).toBe("17");
    expect(await page.textContent('[data-testid="brushing-clock"]')).toMatch(/^1:5\d$/);
    await screenshot(page, "lesson-brushing-1280");
    await page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(page, "lesson-brushing-1920");

    // On to the quiz.
    await page.click('[data-testid="lesson-next"]');
    await page.waitForSelector('[data-testid="lesson-quiz"]');
    expect(await page.textContent('[data-testid="lesson-progress"]')).toBe("Questions");
    expect(await page.locator("fieldset").count()).toBe(3);
    await page.check('fieldset[data-question="how-long"] input[value="1"]');
    await page.check('fieldset[data-question="angle"] input[value="1"]');
    await page.check('fieldset[data-question="rinse"] input[value="0"]');
    await page.click('[data-testid="quiz-submit"]');
    await page.waitForSelector('[data-testid="quiz-status"][data-saved="true"]');
    expect(await page.textContent('[data-testid="quiz-status"]')).toMatch(/^2 of 3 right/);
    expect(await page.getAttribute('[data-testid="explain-rinse"]', "data-correct")).toBe("false");
    await screenshot(page, "lesson-quiz-1920");
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, "lesson-quiz-1280");

    // Stored in the patient's record, where the care team reads them.
    const progress = await staffApi<{ assignments: { answers: GradedAnswer[] }[] }>(
      room.server,
      "GET",
      `/api/patients/${made.body.patientId}/lessons`,
      noah,
    );
    expect(progress.body.assignments[0]!.answers).toEqual([
      { questionId: "how-long", choice: 1, correct: true },
      { questionId: "angle", choice: 1, correct: true },
      { questionId: "rinse", choice: 0, correct: false },
    ]);
    expect(w.consoleErrors).toEqual([]);
    expect(w.foreignRequests).toEqual([]);

    // Noah follows it on the patient's record page, and can assign the next lesson there.
    const record = await room.open(
      `/record.html?patient=${made.body.patientId}`,
      "record-lessons",
      noah.cookie,
    );
    await record.page.setViewportSize({ width: 1280, height: 800 });
    await record.page.waitForSelector('[data-testid="lesson-list"] li[data-lesson="brushing"]', {
      timeout: 60_000,
    });
    expect(await record.page.textContent('li[data-lesson="brushing"]')).toMatch(/3 of 3 answered, 2 right/);
    await record.page.selectOption('[data-testid="lesson-pick"]', "sugar-acid");
    await record.page.click('[data-testid="lesson-assign"]');
    await record.page.waitForSelector('li[data-lesson="sugar-acid"]');
    expect(await record.page.getAttribute('[data-testid="lesson-url"]', "href")).toMatch(
      /\/lessons\/lesson\.html\?a=ls-/,
    );
    await record.page.locator('[data-testid="record-lessons"]').scrollIntoViewIfNeeded();
    await screenshot(record.page, "record-lessons-1280");
    expect(record.consoleErrors).toEqual([]);
  });
});
