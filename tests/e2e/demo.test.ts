/** The flat-screen demo plays the story through to the safe finish, with no console errors. */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness.ts";
import { canvasContrast, launchBrowser, openPage, screenshot, startE2eServer, stateOf } from "./browser.ts";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stopAsync();
});

type DemoSeen = { act: number; status: string; detail: string; actsSeen: number[] } | null;

/** Waits until the demo screen shows act `act` or later (or the story ended); returns what it shows. */
async function demoReachedAsync(page: Page, act: number): Promise<DemoSeen> {
  await page.waitForFunction(
    (a) => {
      const d = (window.__chairside?.() as { demo?: DemoSeen } | null)?.demo;
      return d != null && (d.act >= a || d.status === "finished" || d.status === "failed");
    },
    act,
    { timeout: ACT_BUDGET_MS, polling: 100 },
  );
  return (await stateOf(page)).demo as DemoSeen;
}

/** The longest one act may take on a busy machine (an act is 1-10 s at speed 4 when quiet). */
const ACT_BUDGET_MS = 90_000;

describe("the self-running demo", () => {
  it("plays Julian's story to a safe finish through the real server", async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(
      browser,
      server.origin,
      "/demo?speed=4",
      "demo",
    );
    for (const act of [3, 4, 5, 6]) {
      const shown = await demoReachedAsync(page, act);
      if (shown?.act === act && shown.status === "running") {
        expect(await screenshot(page, `demo-act-${act}`)).toBeGreaterThan(20_000);
        expect(await canvasContrast(page)).toBeGreaterThan(8);
      }
    }
    await page.waitForFunction(
      () => {
        const d = (window.__chairside?.() as { demo?: DemoSeen } | null)?.demo;
        return d?.status === "finished" || d?.status === "failed";
      },
      null,
      { timeout: ACT_BUDGET_MS, polling: 100 },
    );
    const final = (await stateOf(page)).demo as NonNullable<DemoSeen>;
    expect(final.status, final.detail).toBe("finished");
    // The screen showed every act: the story starts only once the room is drawn, so none is missed.
    expect(final.actsSeen.filter((a) => a > 0)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const history = server.sessions.forAppointment("demo").procedureHistory();
    expect(history.some((t) => t.command === "interlock_block")).toBe(true);
    expect(history.some((t) => t.command === "override")).toBe(true);
    expect(history.some((t) => t.command === "stop")).toBe(true);
    expect(history.at(-1)?.to).toBe("completed");
    await screenshot(page, "demo-finished");
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
