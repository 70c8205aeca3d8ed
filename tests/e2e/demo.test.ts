/**
 * The flat-screen demo tells Julian's story act by act, twice in a row, through the real server:
 * screenshots at each act (1280×800 on the first run, 1920×1080 on the second), each checked by
 * page state: the act's caption, the card the act talks about in view, the alarms and interlock
 * when they happen, a clean start on the second run, and a calm finish with nothing left to press.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness.ts";
import { canvasContrast, launchBrowser, openPage, screenshot, startE2eServer, stateOf } from "./browser.ts";

let server: TestServer;
let browser: Browser;
let page: Page;
let consoleErrors: string[] = [];
let foreignRequests: string[] = [];

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stopAsync();
});

type DemoSeen = {
  loop: number;
  act: number;
  status: string;
  title: string;
  detail: string;
  actsSeen: number[];
} | null;

/** The longest one act may take on a busy machine (an act is 1-10 s at speed 4 when quiet). */
const ACT_BUDGET_MS = 90_000;
/** The card each act brings into view (client/room/demoView.ts). */
const ACT_FOCUS = ["procedure", "procedure", "soe-charts", "procedure", "devices", "comfort", "procedure"];
/** Ids the audience must never read: members, devices, the demo patient's record id. */
const INTERNAL_ID = /\bm-[a-z]|soe-|julian-demo/i;

/**
 * Waits until the demo has played act `act` to its end: step by step it then holds for "Next act",
 * so the test looks at each act while it lasts, however slow the machine is.
 */
async function actPlayedAsync(act: number): Promise<DemoSeen> {
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

/** What the demo screen shows besides the room: the story strip, the panel's cards and alarms. */
interface ScreenSeen {
  heading: string;
  detail: string;
  nextShown: boolean;
  focus: string | null;
  focusInView: boolean;
  captionMeta: string;
  alarmCardShown: boolean;
  alarmMessages: number;
  bannerShown: boolean;
  blockedReason: string;
  devicesCardShown: boolean;
  deviceRows: number;
  enabledControls: string[];
  viewOnlyNote: boolean;
}

function screenSeen(): ScreenSeen {
  const shown = (el: Element | null) => el instanceof HTMLElement && !el.hidden && el.offsetParent !== null;
  const alarms = document.querySelector('[data-testid="alarms"]');
  const devices = document.querySelector('[data-testid="devices"]');
  const panel = document.querySelector(".cp-panel") ?? document.body;
  const story = document.querySelector('[data-testid="demo-story"]');
  const focus = document.querySelector<HTMLElement>("[data-demo-focus]");
  const box = focus?.getBoundingClientRect();
  return {
    heading: story?.querySelector("h2")?.textContent ?? "",
    detail: story?.querySelector("p")?.textContent ?? "",
    nextShown: shown(document.querySelector('[data-testid="demo-next"]')),
    focus: focus?.dataset.testid ?? null,
    // The card's top is on screen (it may be taller than the screen).
    focusInView: box !== undefined && box.top >= 0 && box.top < window.innerHeight - 40,
    captionMeta: document.querySelector(".cp-caption-meta")?.textContent ?? "",
    alarmCardShown: shown(alarms),
    alarmMessages: alarms
      ? [...alarms.querySelectorAll('[data-testid="alarm-message"]')].filter(shown).length
      : 0,
    bannerShown: shown(document.querySelector('[data-testid="alarm-banner"]')),
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

/** Waits until the panel shows an alarm and the interlock's reason (never a fixed wait). */
async function interlockShownAsync(): Promise<ScreenSeen> {
  try {
    await page.waitForFunction(
      () => {
        const alarms = document.querySelector('[data-testid="alarms"]');
        const messages = alarms ? alarms.querySelectorAll('[data-testid="alarm-message"]').length : 0;
        const reason =
          document.querySelector('[data-testid="procedure-blocked-reason"]')?.textContent?.trim() ?? "";
        return messages > 0 && reason !== "";
      },
      null,
      { timeout: ACT_BUDGET_MS, polling: 100 },
    );
  } catch {
    throw new Error(
      `the demo screen showed no interlock: ${JSON.stringify(await page.evaluate(screenSeen))}`,
    );
  }
  return page.evaluate(screenSeen);
}

/** The room as the demo screen holds it: alarms not yet acknowledged, quarantined firmware. */
async function roomSeenAsync(): Promise<{ unacked: number; quarantined: string[]; procedure: string }> {
  const view = (await stateOf(page)).view as {
    alarms: { acknowledgedAt?: number; key: string }[];
    quarantinedFirmware: string[];
    procedure: { status: string } | null;
  };
  return {
    unacked: view.alarms.filter((a) => a.acknowledgedAt === undefined && !a.key.startsWith("dropout:"))
      .length,
    quarantined: view.quarantinedFirmware,
    procedure: view.procedure?.status ?? "none",
  };
}

/** Plays one whole run step by step, screenshotting and checking each act; returns act 4's screen. */
async function playRunAsync(label: string, startsClean: boolean): Promise<ScreenSeen> {
  let interlock: ScreenSeen | null = null;
  for (let act = 1; act <= 6; act++) {
    const shown = await actPlayedAsync(act);
    expect(shown?.status, shown?.detail).toBe("waiting_for_next");
    if (act === 4) interlock = await interlockShownAsync();
    const seen = await page.evaluate(screenSeen);
    expect(seen.heading).toContain(`${act} / 7`);
    expect(seen.nextShown, `act ${act}: Next offered`).toBe(true);
    expect(seen.focus).toBe(ACT_FOCUS[act - 1]);
    expect(`${seen.heading} ${seen.detail} ${seen.captionMeta}`).not.toMatch(INTERNAL_ID);
    if (act <= 2 && startsClean) {
      // Before the fault: no alarm, no banner, no quarantine left over from the run before.
      const room = await roomSeenAsync();
      expect(room, `${label} act ${act}`).toMatchObject({ unacked: 0, quarantined: [] });
      expect(seen.alarmMessages, `${label} act ${act}`).toBe(0);
      expect(seen.bannerShown, `${label} act ${act}`).toBe(false);
    }
    if (act <= 4) {
      // Before Dr. Ray takes over, nothing is quarantined.
      expect((await roomSeenAsync()).quarantined, `${label} act ${act}`).toEqual([]);
    }
    if (act === 3 || act === 5) {
      // Charts while the sensor fails, devices while the firmware is quarantined: on screen (the
      // screen follows the card when alarms above it come and go).
      const inView = await page
        .waitForFunction(
          () => {
            const top = document.querySelector("[data-demo-focus]")?.getBoundingClientRect().top;
            return top !== undefined && top >= 0 && top < window.innerHeight - 40;
          },
          null,
          { timeout: 15_000, polling: 100 },
        )
        .then(() => true)
        .catch(() => false);
      expect(inView, `${label} act ${act}: ${seen.focus} in view`).toBe(true);
    }
    if (act === 3) {
      // A care-team view: the charts show the fault as it happens, not "no data".
      const charts = await page.evaluate(
        () => document.querySelector('[data-testid="soe-charts"]')?.textContent?.toLowerCase() ?? "",
      );
      expect(charts).not.toBe("");
      expect(charts).not.toMatch(/no data|for the care team/);
    }
    expect(await screenshot(page, `demo-${label}-act-${act}`)).toBeGreaterThan(20_000);
    await expect.poll(() => canvasContrast(page), { timeout: 30_000 }).toBeGreaterThan(8);
    await page.click('[data-testid="demo-next"]');
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
  expect(final.actsSeen.filter((a) => a > 0)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  // The finish: the safe outcome, nothing to press, no stale HIGH banner, no id in the captions.
  await page.waitForFunction(
    () => document.querySelector('[data-testid="alarm-banner"]')?.hasAttribute("hidden") ?? true,
    null,
    { timeout: ACT_BUDGET_MS, polling: 100 },
  );
  const end = await page.evaluate(screenSeen);
  expect(end.heading).toContain("7 / 7");
  expect(end.detail).toMatch(/safe/i);
  expect(end.nextShown).toBe(false);
  expect(end.bannerShown).toBe(false);
  expect(`${end.heading} ${end.detail} ${end.captionMeta}`).not.toMatch(INTERNAL_ID);
  const room = await roomSeenAsync();
  expect(room.unacked).toBe(0);
  expect(room.procedure).toBe("completed");
  expect(await screenshot(page, `demo-${label}-finished`)).toBeGreaterThan(20_000);
  expect(interlock, "the demo screen never showed act 4").not.toBeNull();
  return interlock!;
}

describe("the demo", () => {
  it("plays Julian's story to a safe finish through the real server (1280×800)", async () => {
    ({ page, consoleErrors, foreignRequests } = await openPage(
      browser,
      server.origin,
      "/demo?speed=4&step=1",
      "demo",
    ));
    await page.setViewportSize({ width: 1280, height: 800 });
    const interlock = await playRunAsync("run1-1280", true);
    // The story's safety acts are on the demo screen (a care-team view), and it can press nothing.
    expect(interlock.alarmMessages).toBeGreaterThan(0);
    expect(interlock.blockedReason).not.toBe("");
    expect(interlock.devicesCardShown).toBe(true);
    expect(interlock.deviceRows).toBeGreaterThan(0);
    expect(interlock.viewOnlyNote).toBe(true);
    expect(interlock.enabledControls).toEqual([]);
    const history = server.sessions.forAppointment("demo").procedureHistory();
    expect(history.some((t) => t.command === "interlock_block")).toBe(true);
    expect(history.some((t) => t.command === "override")).toBe(true);
    expect(history.some((t) => t.command === "stop")).toBe(true);
    expect(history.at(-1)?.to).toBe("completed");
  }, 400_000);

  it("plays a second run in a row that starts clean (1920×1080)", async () => {
    // Plain /demo after a finished step-by-step run starts a fresh run, not the frozen finish.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`${server.origin}/demo?speed=4&step=1&quality=low`, { waitUntil: "domcontentloaded" });
    await page.waitForFunction(
      () => {
        const d = (window.__chairside?.() as { demo?: DemoSeen } | null)?.demo;
        return d != null && d.status !== "finished";
      },
      null,
      { timeout: ACT_BUDGET_MS, polling: 100 },
    );
    const fresh = (await stateOf(page)).demo as NonNullable<DemoSeen>;
    expect(fresh.act).toBeLessThanOrEqual(1);
    await playRunAsync("run2-1920", true);
    const history = server.sessions.forAppointment("demo").procedureHistory();
    // A fresh room: this run's history starts at its own start, and ends completed.
    expect(history.filter((t) => t.command === "start")).toHaveLength(1);
    expect(history.at(-1)?.to).toBe("completed");
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  }, 400_000);
});
