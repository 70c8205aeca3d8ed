/** The flat-screen demo plays the story through to the safe finish, with no console errors. */
import type { Browser } from "playwright-core";
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

describe("the self-running demo", () => {
  it("plays Julian's story to a safe finish through the real server", async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(
      browser,
      server.origin,
      "/demo?speed=4",
      "demo",
    );
    const shots: Record<number, boolean> = {};
    const seenActs = new Set<number>();
    const until = Date.now() + 150_000;
    for (;;) {
      const s = await stateOf(page);
      const demo = s?.demo;
      if (demo) {
        seenActs.add(demo.act);
        if ([3, 4, 5, 6].includes(demo.act) && !shots[demo.act]) {
          shots[demo.act] = true;
          expect(await screenshot(page, `demo-act-${demo.act}`)).toBeGreaterThan(20_000);
          expect(await canvasContrast(page)).toBeGreaterThan(8);
        }
        if (demo.status === "finished" || demo.status === "failed") break;
      }
      if (Date.now() > until) throw new Error(`demo did not finish: ${JSON.stringify(demo)}`);
      await page.waitForTimeout(250);
    }
    const final = await stateOf(page);
    expect(final.demo.status, final.demo.detail).toBe("finished");
    expect([...seenActs].filter((a) => a > 0).sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
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
