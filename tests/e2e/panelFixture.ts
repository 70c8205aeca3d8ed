/**
 * The preamble the clinician-panel e2e tests share (clinicianPanel, archChart, soe): one headless
 * Chromium for the file and, for each test, a fresh server of its own, optionally with Julian's SOEs
 * streaming over the real device uplink. A test then starts from a room nobody has touched, so it
 * passes alone (`-t`) as in file order. Also the waits for the panel's states (never a fixed sleep)
 * and the on-screen checks a dentist's view needs.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { SimRunner } from "../../devices/simRunner.ts";
import { deviceKey } from "../../server/tokens.ts";
import type { AudienceRole } from "../../shared/roles.ts";
import type { TestServer } from "../harness.ts";
import { launchBrowser, openPage, startE2eServer, type WatchedPage } from "./browser.ts";

/** Julian's appointment: the one the panel tests open. */
export const APPOINTMENT = "julian";

export interface PanelRoom {
  server: TestServer;
  /** Julian's SOEs and wearable, when the room was made with `streamSeed`. */
  sim: SimRunner | null;
  /** Opens `/join/julian/<role>` at 1280×800 and waits until the panel is live. */
  open(role: Extract<AudienceRole, "clinician" | "assistant">): Promise<WatchedPage>;
}

export interface PanelFixture {
  /** A fresh server (and devices streaming at 2 Hz from `streamSeed`), stopped after the test. */
  roomAsync(opts?: { streamSeed?: number }): Promise<PanelRoom>;
}

/** Registers the file's hooks: the browser for the file, each test's server, sim and pages after it. */
export function panelFixture(): PanelFixture {
  let browser: Browser;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async roomAsync(opts = {}) {
      const server = await startE2eServer();
      cleanups.push(() => server.stopAsync());
      let sim: SimRunner | null = null;
      if (opts.streamSeed !== undefined) {
        const running = new SimRunner({
          url: server.origin,
          devices: [...server.clinic.devices.values()].filter((d) => d.patientId === APPOINTMENT),
          keyFor: (id) => deviceKey(server.secret, id),
          seed: opts.streamSeed,
          intervalMs: 500,
        });
        running.start();
        cleanups.push(() => running.stopAsync(500));
        sim = running;
      }
      return {
        server,
        sim,
        async open(role) {
          const watched = await openPage(browser, server.origin, `/join/${APPOINTMENT}/${role}`, role);
          cleanups.push(() => watched.page.context().close());
          await watched.page.setViewportSize({ width: 1280, height: 800 });
          await panelLive(watched.page);
          return watched;
        },
      };
    },
  };
}

/** The page's link is up and the panel is drawn (a busy machine can drop the link for a moment). */
export async function panelLive(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const s = window.__chairside?.() as { link?: string; panel?: unknown } | null;
      return s?.link === "connected" && s.panel != null;
    },
    null,
    { timeout: 60_000 },
  );
}

/** Waits until the panel shows `tooth` in `state` ("valid", "unknown" …). */
export async function toothStateIs(page: Page, tooth: number, state: string): Promise<void> {
  await page.waitForFunction(
    ([t, s]) =>
      (window.__chairside?.() as { panel?: { toothStates: Record<string, string> } } | null)?.panel
        ?.toothStates[t!] === s,
    [String(tooth), state] as const,
    { timeout: 60_000 },
  );
}

/** Waits until the panel's procedure is in `status`. */
export async function procedureIs(page: Page, status: string): Promise<void> {
  await page.waitForFunction(
    (s) =>
      (window.__chairside?.() as { panel?: { procedureStatus?: string } } | null)?.panel?.procedureStatus ===
      s,
    status,
    { timeout: 30_000 },
  );
}

/** Whether the element is inside the viewport and is what a click at its centre would hit. */
export async function onScreen(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel) as HTMLElement | null;
    if (!el || el.offsetParent === null) return false;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && (hit === el || el.contains(hit));
  }, selector);
}

/** Text a person can see on the page (the hover titles and data attributes are not). */
export async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => document.body.innerText);
}

export async function box(page: Page, selector: string) {
  const b = await page.locator(selector).first().boundingBox();
  if (b === null) throw new Error(`${selector} has no box`);
  return b;
}
