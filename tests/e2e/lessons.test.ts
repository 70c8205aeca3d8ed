/**
 * The lesson player in headless Chromium (issue 12): Noah assigns the brushing lesson, the
 * patient's link opens it on a flat screen, the 2-minute timer walks the arch tooth by tooth, the
 * lesson runs to its quiz, and the answers are stored in the patient's record. Screenshots at
 * 1280×800 and 1920×1080 go to test-results/; assertions check page state, not pixels.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { GradedAnswer } from "../../shared/lessons.ts";
import type { PatientRecord } from "../../shared/records.ts";
import { staffApi } from "../recordSeed.ts";
import { signedInStaff } from "../staffAccount.ts";
import { isLinkNoise, screenshot } from "./browser.ts";
import { e2eRoom } from "./roomPages.ts";

const room = e2eRoom();

type LessonState = {
  index: number;
  stage: {
    xrState: string;
    panel: { id: string; title: string; body: string; buttons: string[] } | null;
    panelButtons: Record<string, { rig: { x: number; y: number; z: number } | null }>;
    litTeeth: number[];
    frames: number;
    chart: { x: number; y: number; z: number; hidesPanel: boolean };
    lastPress: { hit: string | null; delivered: boolean } | null;
  } | null;
  vr: { step: number; answers: string[]; error: string | null } | null;
};
const lessonState = (page: Page) =>
  page.evaluate(() => window.__chairsideLesson?.() ?? null) as Promise<LessonState | null>;

/** The emulated headset renders in software: on a busy machine each of its frames is slow. */
const XR_WAIT_MS = 120_000;

async function lessonUntil(
  page: Page,
  what: string,
  test: (s: LessonState) => boolean,
): Promise<LessonState> {
  let last: LessonState | null = null;
  try {
    await expect
      .poll(
        async () => {
          last = await lessonState(page);
          return last !== null && test(last);
        },
        { timeout: XR_WAIT_MS, interval: 200 },
      )
      .toBe(true);
  } catch (error) {
    throw new Error(`the lesson never reached "${what}": ${JSON.stringify(last)}`, { cause: error });
  }
  return last!;
}

type XrDevice = {
  position: { x: number; y: number; z: number };
  controllers: {
    right: {
      position: { set(x: number, y: number, z: number): void };
      quaternion: { set(x: number, y: number, z: number, w: number): void };
      updateButtonValue(id: string, v: number): void;
    };
  };
};

/**
 * Presses a panel button with the emulated controller: aims its laser at the button (the
 * button's point in the XR rig's frame, z flipped to WebXR's right-handed axes), pulls the
 * trigger until the panel changes, and lets go once a frame has seen the release.
 */
async function pressInHeadset(
  page: Page,
  value: string,
  changed: (s: LessonState) => boolean,
): Promise<void> {
  const ready = await lessonUntil(page, `"${value}" on the panel`, (s) =>
    Boolean(s.stage?.panelButtons[value]?.rig),
  );
  await page.evaluate((target) => {
    const d = (window as unknown as { __xrDevice: XrDevice }).__xrDevice;
    const from = { x: d.position.x + 0.15, y: d.position.y - 0.3, z: d.position.z - 0.2 };
    const to = { x: target.x, y: target.y, z: -target.z };
    const dir = { x: to.x - from.x, y: to.y - from.y, z: to.z - from.z };
    const len = Math.hypot(dir.x, dir.y, dir.z);
    const n = { x: dir.x / len, y: dir.y / len, z: dir.z / len };
    // Shortest rotation taking the ray's rest direction (0,0,-1) onto n.
    const axis = { x: n.y, y: -n.x, z: 0 };
    const w = 1 - n.z;
    const ql = Math.hypot(axis.x, axis.y, axis.z, w);
    d.controllers.right.position.set(from.x, from.y, from.z);
    d.controllers.right.quaternion.set(axis.x / ql, axis.y / ql, axis.z / ql, w / ql);
  }, ready.stage!.panelButtons[value]!.rig!);
  const trigger = (v: number) =>
    page.evaluate((v) => {
      (window as unknown as { __xrDevice: XrDevice }).__xrDevice.controllers.right.updateButtonValue(
        "trigger",
        v,
      );
    }, v);
  // The laser must rest on the button for a frame before the pull counts as a press on it.
  const aimedAt = (await lessonState(page))!.stage!.frames;
  await lessonUntil(page, "a frame with the laser on the button", (s) => s.stage!.frames >= aimedAt + 2);
  await trigger(1);
  await lessonUntil(page, `the panel after "${value}"`, changed);
  // The pull landed on the panel itself, and nothing in front of it kept the press.
  expect((await lessonState(page))!.stage!.lastPress).toEqual({ hit: "panel-lesson", delivered: true });
  await trigger(0);
  const released = (await lessonState(page))!.stage!.frames;
  await lessonUntil(page, "a frame with the trigger released", (s) => s.stage!.frames >= released + 2);
}

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

  it(
    "in a headset (IWER): the controller walks the brushing lesson on the 3D dentition to its quiz, and the answer is stored",
    {
      timeout: 600_000,
    },
    async () => {
      const noah = await signedInStaff(room.server, {
        staffId: "noah-vr",
        role: "assistant",
        displayName: "Noah",
      });
      const made = await staffApi<PatientRecord>(room.server, "POST", "/api/patients", noah, {
        displayName: "Julian Headset",
        dateOfBirth: "1990-01-01",
        anxietyNotes: "",
        preferences: "",
      });
      const assigned = await staffApi<{ link: string }>(
        room.server,
        "POST",
        `/api/patients/${made.body.patientId}/lessons`,
        noah,
        { lessonId: "brushing" },
      );
      expect(assigned.status).toBe(201);
      const w = await room.open(`${assigned.body.link}&xr=emulate`, "lesson-headset");
      const page = w.page;
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.waitForSelector('[data-testid="lesson-enter-vr"]:visible', { timeout: 90_000 });
      // Before the headset: the first part on the stage's panel too, and the 3D stage screenshotted.
      const first = await lessonUntil(
        page,
        "the first part on the panel",
        (s) => s.stage?.panel?.id === "lesson:0",
      );
      // The chart stands beside the panel: no button is behind it.
      expect(first.stage!.chart.hidesPanel).toBe(false);
      await screenshot(page, "lesson-stage-1280");
      await page.setViewportSize({ width: 1920, height: 1080 });
      await screenshot(page, "lesson-stage-1920");

      await page.click('[data-testid="lesson-enter-vr"]');
      await lessonUntil(page, "in VR", (s) => s.stage?.xrState === "in_xr");
      await pressInHeadset(page, "next", (s) => s.vr?.step === 1);
      // The Bass technique part lights the teeth it names, on the 3D dentition.
      await lessonUntil(page, "the named teeth lit in 3D", (s) => s.stage!.litTeeth.join(",") === "16,15,14");
      expect((await lessonState(page))!.index).toBe(1);
      await pressInHeadset(page, "next", (s) => s.vr?.step === 2);
      await pressInHeadset(page, "brush", (s) => s.stage?.panel?.buttons.includes("brush") === false);
      // The 2-minute walk lights the upper right back tooth first, then walks on.
      await lessonUntil(page, "the walk on 18 or past it", (s) => s.stage!.litTeeth.length === 1);
      const walking = (await lessonState(page))!;
      const lit = walking.stage!.litTeeth[0]!;
      expect(walking.stage!.panel!.body).toMatch(new RegExp(`Now: the outside of ${lit} · `));
      await pressInHeadset(page, "next", (s) => s.vr?.step === 3);
      // The quiz: the flat page follows, and the first question's choices are on the panel.
      const quiz = await lessonUntil(
        page,
        "the quiz",
        (s) => s.index === 3 && s.stage!.panel!.title === "Question 1 of 3",
      );
      expect(quiz.stage!.panel!.buttons).toEqual([
        "answer:how-long:0",
        "answer:how-long:1",
        "answer:how-long:2",
      ]);
      await pressInHeadset(page, "answer:how-long:1", (s) => s.vr?.answers.includes("how-long") === true);
      expect((await lessonState(page))!.stage!.panel!.body).toMatch(/Right\./);
      // What the headset shows (IWER draws both eyes on the page's canvas).
      await screenshot(page, "lesson-headset-answer-1920");
      // In the headset too, the chart still stands where the flat view had it, beside the panel.
      const end = (await lessonState(page))!.stage!.chart;
      expect(end).toEqual(first.stage!.chart);

      const progress = await staffApi<{ assignments: { answers: GradedAnswer[] }[] }>(
        room.server,
        "GET",
        `/api/patients/${made.body.patientId}/lessons`,
        noah,
      );
      expect(progress.body.assignments[0]!.answers).toEqual([
        { questionId: "how-long", choice: 1, correct: true },
      ]);
      expect(w.consoleErrors.filter((e) => !isLinkNoise(e))).toEqual([]);
      expect(w.foreignRequests).toEqual([]);
    },
  );
});
