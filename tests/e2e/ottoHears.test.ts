/**
 * Otto hears the patient, in headless Chromium (issue 12): with a mocked speech recognizer (an
 * on-device one, as the page requires), "stop please" said by the patient pauses the procedure and
 * the clinician sees why; words typed to Otto reach the care team ("Julian says it hurts").
 * Screenshots at 1280×800 and 1920×1080 go to test-results/; assertions check page state.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ProcedureTransition } from "../../shared/procedure/types.ts";
import { Ev } from "../../shared/protocol.ts";
import { passAuth, TestClient, waitFor } from "../harness.ts";
import { screenshot, stateOf } from "./browser.ts";
import { e2eRoom, linkIs } from "./roomPages.ts";

const room = e2eRoom();

/** A stand-in for the browser's on-device recognizer: `window.__say(text)` is a final phrase. */
const MOCK_RECOGNIZER = `
  class MockRecognition extends EventTarget {
    constructor() { super(); this.lang = ""; this.continuous = false; this.interimResults = false; this.onresult = null; this.onerror = null; this.onend = null; }
    start() { window.__recognizer = this; }
    stop() { if (window.__recognizer === this) window.__recognizer = null; }
  }
  MockRecognition.prototype.processLocally = false;
  window.SpeechRecognition = MockRecognition;
  window.__say = (text) => {
    const r = window.__recognizer;
    if (!r || !r.onresult) return false;
    const result = [{ transcript: text }];
    result.isFinal = true;
    r.onresult({ resultIndex: 0, results: [result] });
    return true;
  };
`;

async function tellState(page: Page): Promise<{ listening: boolean; canListen: boolean } | null> {
  return (
    ((await stateOf(page)) as { patient?: { tell?: { listening: boolean; canListen: boolean } } })?.patient
      ?.tell ?? null
  );
}

describe("Otto hears the patient in the browser", () => {
  it("'stop please' said with recognition on pauses the procedure; typed pain reaches the team", async () => {
    const ray = new TestClient(room.server.origin, passAuth(room.server, "julian", "clinician"));
    await ray.welcomedAsync("clinician");
    const context = await room.browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(MOCK_RECOGNIZER);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await page.goto(`${room.server.origin}/join/julian/patient?quality=low`, { timeout: 60_000 });
      await linkIs(page, "connected");
      expect((await ray.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);
      await waitFor(() => ray.view?.procedure?.status === "running", "running", 30_000);

      // Typed words: Otto answers the patient and tells the care team in the patient's words.
      await page.fill('[data-testid="tell-otto-input"]', "Ouch, it hurts on the left");
      await page.click('[data-testid="tell-otto-send"]');
      await waitFor(
        () =>
          ray.events.some(
            (e) =>
              e.body.type === "otto" && /Julian says it hurts/.test(e.body.otto.lastUtterance?.text ?? ""),
          ),
        "the care team told",
        30_000,
      );
      expect(await page.inputValue('[data-testid="tell-otto-input"]')).toBe("");
      await screenshot(page, "patient-tell-otto-1280");

      // Listening on: the mocked recognizer hears "stop please".
      expect((await tellState(page))?.canListen).toBe(true);
      await page.click('[data-testid="tell-otto-mic"]');
      await expect.poll(async () => (await tellState(page))?.listening, { timeout: 30_000 }).toBe(true);
      expect(await page.textContent('[data-testid="tell-otto-mic"]')).toMatch(/Listening/);
      expect(
        await page.evaluate(() => (window as unknown as { __say(t: string): boolean }).__say("stop please")),
      ).toBe(true);
      await waitFor(
        () => ray.view?.procedure?.status === "paused_by_patient",
        "paused by the patient",
        30_000,
      );
      const stop = ray.events
        .flatMap((e) =>
          e.body.type === "procedure" && e.body.transition ? [e.body.transition as ProcedureTransition] : [],
        )
        .at(-1);
      expect(stop).toMatchObject({ command: "stop", reason: "patient said stop (speech)" });
      await page.waitForSelector('[data-testid="ready-button"]', { state: "visible", timeout: 30_000 });
      expect(await page.textContent('[data-testid="tell-otto-status"]')).toContain("stop please");
      await screenshot(page, "patient-said-stop-1280");
      await page.setViewportSize({ width: 1920, height: 1080 });
      await screenshot(page, "patient-said-stop-1920");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      ray.close();
    }
  });
});
