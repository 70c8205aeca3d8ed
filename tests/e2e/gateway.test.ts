/**
 * The ways into a room in real Chromium, with no credential in any URL: the start page's demo
 * clinic (a button per role → a demo pass fetched by the page, kept in the tab's sessionStorage),
 * and a signed-in clinician opening a real appointment's room by its plain link, who is put out
 * with "You were signed out" the moment the session ends.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticClinic } from "../../server/clinic.ts";
import type { TestServer } from "../harness.ts";
import { signedInStaff } from "../staffAccount.ts";
import { launchBrowser, openPage, screenshot, startE2eServer, stateOf, type WatchedPage } from "./browser.ts";

let server: TestServer;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  const clinic = syntheticClinic({ patientIds: ["ada"], teeth: [36], planId: "sensor-check-36" });
  server = await startE2eServer({}, { clinic });
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const p of pages) await p.page.context().close();
  await browser?.close();
  await server?.stopAsync();
});

async function linkIs(page: Page, kind: string): Promise<void> {
  await page.waitForFunction((k) => (window.__chairside?.() as { link?: string } | null)?.link === k, kind, {
    timeout: 90_000,
  });
}

/** Every URL the page's history and requests carried, for "no credential in a URL" checks. */
function watchUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on("request", (r) => urls.push(r.url()));
  page.on("framenavigated", (f) => urls.push(f.url()));
  return urls;
}

describe("into a room with no credential in a URL", () => {
  it("opens the demo clinic from the start page with a demo pass kept in the tab", async () => {
    const w = await openPage(browser, server.origin, "/", "start");
    pages.push(w);
    const urls = watchUrls(w.page);
    await w.page.waitForSelector('[data-testid="join-julian-clinician"]', { timeout: 30_000 });
    expect(await w.page.isVisible('[data-testid="staff-sign-in"]')).toBe(true);
    expect(await w.page.isVisible('[data-testid="headset-door"]')).toBe(true);
    expect(await w.page.textContent('[data-testid="appointments"]')).toMatch(/Julian[\s\S]*Flower/);
    await screenshot(w.page, "start-page");
    await w.page.click('[data-testid="join-julian-clinician"]');
    await linkIs(w.page, "connected");
    expect((await stateOf(w.page)).role).toBe("clinician");
    expect(new URL(w.page.url()).searchParams.get("as")).toBe("clinician");
    const kept = await w.page.evaluate(() => sessionStorage.getItem("chairside.demoPass.julian.clinician"));
    const pass = (JSON.parse(kept!) as { pass: string }).pass;
    expect(pass.length).toBeGreaterThan(20);
    for (const url of urls) expect(url).not.toContain(pass.slice(0, 24));
    expect(w.consoleErrors).toEqual([]);
  });

  it("opens a real appointment's room for its signed-in clinician, and shows 'signed out' when the session ends", async () => {
    const appt = server.clinic.appointments.get("ada")!;
    const signed = await signedInStaff(server, { staffId: appt.staff.clinicianId, role: "clinician" });
    const w = await openPage(
      browser,
      server.origin,
      "/room.html?appointment=ada",
      "clinician",
      signed.cookie,
    );
    pages.push(w);
    await linkIs(w.page, "connected");
    expect((await stateOf(w.page)).role).toBe("clinician");
    // Without the cookie the same link is a sign-in page, not a room.
    const anon = await openPage(browser, server.origin, "/room.html?appointment=ada", "anonymous");
    pages.push(anon);
    await anon.page.waitForSelector('[data-testid="fatal"]', { timeout: 30_000 });
    expect(await anon.page.textContent('[data-testid="fatal"] h1')).toBe("Please sign in");
    expect(await anon.page.isVisible('[data-testid="sign-in"]')).toBe(true);

    server.authenticator.revoked(await server.staffSessions.endAllFor(appt.staff.clinicianId));
    await linkIs(w.page, "refused");
    await w.page.waitForSelector('[data-testid="seat-notice"]', { state: "visible", timeout: 30_000 });
    expect(await w.page.textContent('[data-testid="seat-notice"]')).toMatch(/signed out/);
    expect(await w.page.isVisible('[data-testid="room-canvas"]')).toBe(false);
    await screenshot(w.page, "signed-out");
  });
});
