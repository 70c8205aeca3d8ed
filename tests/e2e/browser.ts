/**
 * End-to-end harness: the built client served by a real server on http://localhost (WebXR needs a
 * secure context, and localhost is one), driven in Debian's Chromium through playwright-core.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import type { StartOptions } from "../../server/app.ts";
import type { ServerConfig } from "../../server/config.ts";
import { startTestServer, type TestServer } from "../harness.ts";

export const ARTIFACTS = resolve("test-results");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function startE2eServer(
  overrides: Partial<ServerConfig> = {},
  opts: StartOptions = {},
): Promise<TestServer> {
  const clientDir = resolve("dist");
  if (!existsSync(join(clientDir, "room.html")))
    throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  mkdirSync(ARTIFACTS, { recursive: true });
  return startTestServer({ clientDir, ...overrides }, opts);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--use-angle=swiftshader",
      "--enable-unsafe-swiftshader",
      "--ignore-gpu-blocklist",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** A page that records console errors and every request to another origin. */
export interface WatchedPage {
  page: Page;
  consoleErrors: string[];
  foreignRequests: string[];
}

/** `cookie`: a credential the browser holds already (a staff session from tests/staffAccount.ts). */
export async function openPage(
  browser: Browser,
  origin: string,
  path: string,
  name: string,
  cookie?: string,
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 640 } });
  if (cookie) {
    const [cookieName, ...value] = cookie.split("=");
    await context.addCookies([
      { name: cookieName!, value: value.join("="), url: origin, httpOnly: true, sameSite: "Strict" },
    ]);
  }
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(`[${name}] ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`[${name}] ${e.message}`));
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:"))
      foreignRequests.push(url);
  });
  // Software rendering (SwiftShader) is slow: tests use the low-quality scene.
  const url = new URL(path, origin);
  url.searchParams.set("quality", "low");
  await page.goto(url.toString(), { waitUntil: "domcontentloaded", timeout: 60_000 });
  return { page, consoleErrors, foreignRequests };
}

/** The state the page exposes for tests (window.__chairside). */
// biome-ignore lint/suspicious/noExplicitAny: a JSON view of the page, checked field by field
export async function stateOf(page: Page): Promise<any> {
  return page.evaluate(() => window.__chairside?.() ?? null);
}

/**
 * Standard deviation of the 3D canvas's pixels: a blank or single-colour frame is close to 0. Poll
 * it (`expect.poll`): on a busy machine a page's first frames are drawn a while after it opens.
 */
export async function canvasContrast(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector("canvas.room-canvas") as HTMLCanvasElement | null;
    if (!canvas) return 0;
    const copy = document.createElement("canvas");
    copy.width = 160;
    copy.height = 100;
    const ctx = copy.getContext("2d")!;
    ctx.drawImage(canvas, 0, 0, copy.width, copy.height);
    const data = ctx.getImageData(0, 0, copy.width, copy.height).data;
    let sum = 0;
    let sumSq = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const v = (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
      sum += v;
      sumSq += v * v;
    }
    return Math.sqrt(sumSq / n - (sum / n) ** 2);
  });
}

export async function screenshot(page: Page, name: string): Promise<number> {
  const path = join(ARTIFACTS, `${name}.png`);
  const png = await page.screenshot({ path });
  return png.byteLength;
}

/**
 * Chromium logs a dropped WebSocket itself: the failed tries while the server is away, and a
 * message sent in the instant between the socket closing and the page hearing of it. Tests that
 * drop links (a restart, or an emulated headset too slow to answer the server's pings on a busy
 * machine) leave these out of their "no console errors" check; the page recovers from them.
 */
export function isLinkNoise(message: string): boolean {
  return /WebSocket connection to .* failed|WebSocket is already in CLOSING or CLOSED state|ERR_CONNECTION_REFUSED/.test(
    message,
  );
}
