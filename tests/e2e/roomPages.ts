/**
 * The preamble the room e2e tests share: a real server and one headless Chromium for the file,
 * every page opened closed after it, and the wait for a page's link state (`window.__chairside`,
 * which the room page exposes for tests) instead of a fixed sleep.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import type { TestServer } from "../harness.ts";
import { launchBrowser, openPage, startE2eServer, type WatchedPage } from "./browser.ts";

export interface E2eRoom {
  server: TestServer;
  browser: Browser;
  /** Opens a page on the server; it is closed after the file. */
  open(path: string, name: string, cookie?: string): Promise<WatchedPage>;
}

/** Registers the file's `beforeAll`/`afterAll`: the server (`start`), the browser, the pages' cleanup. */
export function e2eRoom(start: () => Promise<TestServer> = () => startE2eServer()): E2eRoom {
  const pages: WatchedPage[] = [];
  const room = {
    server: undefined as unknown as TestServer,
    browser: undefined as unknown as Browser,
    async open(path: string, name: string, cookie?: string): Promise<WatchedPage> {
      const w = await openPage(room.browser, room.server.origin, path, name, cookie);
      pages.push(w);
      return w;
    },
  };
  beforeAll(async () => {
    room.server = await start();
    room.browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const p of pages) await p.page.context().close();
    await room.browser?.close();
    await room.server?.stopAsync();
  });
  return room;
}

/** Waits until the page's link to the server is in `kind` ("connected", "replaced", "refused" …). */
export async function linkIs(page: Page, kind: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction((k) => (window.__chairside?.() as { link?: string } | null)?.link === k, kind, {
    timeout,
  });
}
