/** The flat-screen demo plays the story through to the safe finish, act by act, with no console errors. */
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
/**
 * Waits until the demo has played act `act` to its end: step by step it then holds for "Next act",
 * so the test looks at each act while it lasts, however slow the machine is.
 */
async function actPlayedAsync(page: Page, act: number): Promise<DemoSeen> {
  await page.waitForFunction(
    (a) => {
      const d = (window.__chairside?.() as { demo?: DemoSeen } | null)?.demo;
      if (d == null) return false;
      return (
        (d.act === a && d.status === "waiting_for_next") || d.status === "finished" || d.status === "failed"
      );
    },
    act,
    { timeout: ACT_BUDGET_MS, polling: 100 },
  );
  return (await stateOf(page)).demo as DemoSeen;
}

/** The longest one act may take on a busy machine (an act is 1-10 s at speed 4 when quiet). */
const ACT_BUDGET_MS = 90_000;

/** What the demo screen's panel shows of the story's safety acts (the presenter's care-team cards). */
interface PanelSeen {
  alarmCardShown: boolean;
  alarmMessages: number;
  blockedReason: string;
  devicesCardShown: boolean;
  deviceRows: number;
  enabledControls: string[];
  viewOnlyNote: boolean;
}

function panelSeen(): PanelSeen {
  const shown = (el: Element | null) => el instanceof HTMLElement && !el.hidden && el.offsetParent !== null;
  const alarms = document.querySelector('[data-testid="alarms"]');
  const devices = document.querySelector('[data-testid="devices"]');
  const panel = document.querySelector(".cp-panel") ?? document.body;
  return {
    alarmCardShown: shown(alarms),
    alarmMessages: alarms
      ? [...alarms.querySelectorAll('[data-testid="alarm-message"]')].filter(shown).length
      : 0,
    blockedReason:
      document.querySelector('[data-testid="procedure-blocked-reason"]')?.textContent?.trim() ?? "",
    devicesCardShown: shown(devices),
    deviceRows: devices ? devices.querySelectorAll('[data-testid="device-row"]').length : 0,
    // Controls that send a command (the view's own switches, like "View alarm", may stay enabled).
    enabledControls: [...panel.querySelectorAll("button, input, select, textarea")]
      .filter((el) => shown(el) && !(el as HTMLButtonElement).disabled)
      .map((el) => el.getAttribute("data-testid") ?? "")
      .filter((id) =>
        /^(procedure-|plan-select|alarm-ack|alarm-silence|quarantine-|lift-|comfort-|surroundings-)/.test(id),
      ),
    viewOnlyNote: shown(document.querySelector(".cp-view-only")),
  };
}

/**
 * Waits until the demo screen's panel shows at least one alarm in the alarm card (and, while the
 * interlock holds, its reason), then returns what it shows. Never a fixed wait.
 */
async function alarmShownAsync(page: Page, withBlockedReason: boolean): Promise<PanelSeen> {
  try {
    await page.waitForFunction(
      (withReason) => {
        const shown = (el: Element | null) =>
          el instanceof HTMLElement && !el.hidden && el.offsetParent !== null;
        const alarms = document.querySelector('[data-testid="alarms"]');
        const messages = alarms
          ? [...alarms.querySelectorAll('[data-testid="alarm-message"]')].filter(shown).length
          : 0;
        const reason =
          document.querySelector('[data-testid="procedure-blocked-reason"]')?.textContent?.trim() ?? "";
        return shown(alarms) && messages > 0 && (!withReason || reason !== "");
      },
      withBlockedReason,
      { timeout: ACT_BUDGET_MS, polling: 100 },
    );
  } catch {
    throw new Error(`the demo screen showed no alarm: ${JSON.stringify(await page.evaluate(panelSeen))}`);
  }
  return page.evaluate(panelSeen);
}

describe("the demo", () => {
  it("plays Julian's story to a safe finish through the real server", async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(
      browser,
      server.origin,
      "/demo?speed=4&step=1",
      "demo",
    );
    let interlockSeen: PanelSeen | null = null;
    for (let act = 1; act <= 6; act++) {
      const shown = await actPlayedAsync(page, act);
      expect(shown?.status, shown?.detail).toBe("waiting_for_next");
      // The interlock act: the presenter sees the alarm, the devices and the interlock's reason.
      if (act === 4) interlockSeen = await alarmShownAsync(page, true);
      if (act >= 3) {
        expect(await screenshot(page, `demo-act-${act}`)).toBeGreaterThan(20_000);
        expect(await canvasContrast(page)).toBeGreaterThan(8);
      }
      await page.click('[data-testid="demo-next"]');
    }
    // The story's safety acts are visible on the demo screen, and it can press nothing.
    expect(interlockSeen, "the demo screen never showed act 4").not.toBeNull();
    expect(interlockSeen!.alarmMessages).toBeGreaterThan(0);
    expect(interlockSeen!.blockedReason).not.toBe("");
    expect(interlockSeen!.devicesCardShown).toBe(true);
    expect(interlockSeen!.deviceRows).toBeGreaterThan(0);
    expect(interlockSeen!.viewOnlyNote).toBe(true);
    expect(interlockSeen!.enabledControls).toEqual([]);
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
