/**
 * The patient's headset joins with a code, not a link (issue 8), in real Chromium: the headset
 * page (IWER-emulated Meta Quest 3 in the room) shows a 6-character code and a QR code; the
 * appointment's clinician, signed in, pairs it; the headset goes on to the room with an HttpOnly
 * cookie (no token in any URL) and enters immersive VR as that appointment's patient.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieName } from "../../server/auth/identity.ts";
import type { TestServer } from "../harness.ts";
import {
  APPOINTMENT,
  callApi,
  type PairingStaff,
  pairingStaff,
  startPairingServer,
} from "../pairingFixture.ts";
import { ARTIFACTS, launchBrowser, openPage, screenshot, type WatchedPage } from "./browser.ts";

let server: TestServer;
let staff: PairingStaff;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startPairingServer({ clientDir: resolve("dist") });
  staff = await pairingStaff(server);
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const p of pages) await p.page.context().close();
  await browser?.close();
  await server?.stopAsync();
});

/** Opens the headset's pairing page and waits for its code. */
async function openHeadset(name: string): Promise<{ watched: WatchedPage; userCode: string }> {
  const watched = await openPage(browser, server.origin, "/headset.html?xr=emulate", name);
  pages.push(watched);
  await watched.page.waitForFunction(
    () => document.querySelector('[data-testid="user-code"]')?.getAttribute("data-code"),
    null,
    { timeout: 60_000 },
  );
  const userCode = (await watched.page.getAttribute('[data-testid="user-code"]', "data-code"))!;
  return { watched, userCode };
}

async function expectInRoomWithCookie(page: Page): Promise<void> {
  await page.waitForURL(/\/room\.html\?/, { timeout: 60_000 });
  const url = new URL(page.url());
  expect(url.pathname).toBe("/room.html");
  expect(Object.fromEntries(url.searchParams)).toEqual({
    appointment: APPOINTMENT.appointmentId,
    xr: "emulate",
    quality: "low",
  });
  const cookie = (await page.context().cookies()).find((c) => c.name === CookieName.headset)!;
  expect(cookie).toBeDefined();
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe("Strict");
  // The page's scripts cannot read the credential, and no URL ever held it.
  expect(await page.evaluate(() => document.cookie)).not.toContain(CookieName.headset);
  expect(page.url()).not.toContain(cookie.value);
}

describe("pairing the patient's headset in headless Chromium", () => {
  it("shows a code and a QR code, and once the clinician approves goes to the room with an HttpOnly cookie", async () => {
    const { watched, userCode } = await openHeadset("headset-api");
    const page = watched.page;
    expect(userCode).toMatch(/^[34679ACDEFGHJKMNPQRTUVWXY]{6}$/);
    expect(await page.textContent("h1")).toBe("Ask your dentist to pair this headset");
    expect(await page.textContent('[data-testid="user-code"]')).toBe(
      `${userCode.slice(0, 3)} ${userCode.slice(3)}`,
    );
    expect(await page.locator('[data-testid="pairing-qr"] svg').count()).toBe(1);
    expect(await page.textContent('[data-testid="pairing-status"]')).toMatch(/Waiting for your dentist/);
    expect(await screenshot(page, "headset-pairing-code")).toBeGreaterThan(10_000);

    // The clinician's side over the staff API as the staff pages call it (cookie and CSRF header).
    const path = `/api/appointments/${APPOINTMENT.appointmentId}/headset`;
    const lookup = await callApi(server.origin, "POST", `${path}/lookup`, {
      staff: staff.clinician,
      body: { userCode: userCode.toLowerCase() },
    });
    expect(lookup.body).toEqual({
      appointmentId: APPOINTMENT.appointmentId,
      patientName: APPOINTMENT.patientName,
    });
    const approve = await callApi(server.origin, "POST", path, {
      staff: staff.clinician,
      body: { userCode },
    });
    expect(approve.status).toBe(200);

    await expectInRoomWithCookie(page);
    const status = await callApi(server.origin, "GET", path, { staff: staff.clinician });
    expect(status.body.paired).toBe(true);
    await page.close();
  }, 180_000);

  // Needs the gateway slice: room.html?appointment= admitting a staff session and a headset cookie
  // (server/auth/authenticator.ts + roomAdmission.ts calling Pairing.identifyHeadset), and the desk
  // view passing `staffSignedIn: true` to ClinicianPanel for a staff seat.
  it("the clinician pairs it from the room's panel; the headset enters immersive VR as that patient", async () => {
    // The clinician's desk, signed in by the staff session cookie.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const [name, value] = staff.clinician.cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: server.origin, httpOnly: true, sameSite: "Strict" }]);
    const desk = await context.newPage();
    const deskErrors: string[] = [];
    desk.on("console", (m) => {
      if (m.type() === "error") deskErrors.push(m.text());
    });
    await desk.goto(`${server.origin}/room.html?appointment=${APPOINTMENT.appointmentId}&quality=low`);
    pages.push({ page: desk, consoleErrors: deskErrors, foreignRequests: [] });
    // A headset paired earlier (the test above) is still paired: hand it to the next patient first.
    await desk.waitForSelector('[data-testid="pair-code-input"], [data-testid="pair-hand-on"]', {
      timeout: 60_000,
    });
    if (await desk.isVisible('[data-testid="pair-hand-on"]')) {
      await desk.click('[data-testid="pair-hand-on"]');
    }
    await desk.waitForSelector('[data-testid="pair-code-input"]', { timeout: 60_000 });

    const { watched, userCode } = await openHeadset("headset-panel");
    const headset = watched.page;

    await desk.fill(
      '[data-testid="pair-code-input"]',
      `${userCode.slice(0, 3)}-${userCode.slice(3)}`.toLowerCase(),
    );
    await desk.click('[data-testid="pair-find"]');
    await desk.waitForSelector('[data-testid="pair-confirm"]', { timeout: 30_000 });
    expect(await desk.textContent('[data-testid="headset-pairing"]')).toContain(APPOINTMENT.patientName);
    await desk.click('[data-testid="pair-confirm"]');

    await expectInRoomWithCookie(headset);
    await desk.waitForSelector('[data-testid="pair-paired"]', { timeout: 60_000 });

    await headset.waitForFunction(
      () => (window.__chairside?.() as { link?: string } | null)?.link === "connected",
      null,
      { timeout: 60_000 },
    );
    await headset.click('[data-testid="enter-vr"]');
    await headset.waitForFunction(
      () => (window.__chairside?.() as { scene: { xrState: string } }).scene.xrState === "in_xr",
      null,
      { timeout: 60_000 },
    );
    const me = await headset.evaluate(() => {
      const s = window.__chairside?.() as {
        view: { you: string; members: { memberId: string; role: string; personId: string }[] };
      };
      return s.view.members.find((m) => m.memberId === s.view.you) ?? null;
    });
    expect(me).toMatchObject({ role: "patient", personId: APPOINTMENT.patientId });
    // The clinician's room sees the patient seated by the headset.
    await desk.waitForFunction(
      (patientId) =>
        (
          window.__chairside?.() as { view: { members: { role: string; personId: string }[] } } | null
        )?.view.members.some((m) => m.role === "patient" && m.personId === patientId) === true,
      APPOINTMENT.patientId,
      { timeout: 60_000 },
    );
    await screenshot(headset, "headset-in-room-xr");
    await screenshot(desk, "headset-paired-desk");
  }, 300_000);

  it("an observer's link lands on the room's address: the token is in neither the address bar nor the history", async () => {
    const made = await callApi(
      server.origin,
      "POST",
      `/api/appointments/${APPOINTMENT.appointmentId}/observers`,
      {
        staff: staff.clinician,
        body: { displayName: "Sam (student)", hours: 1 },
      },
    );
    expect(made.status).toBe(201);
    const link = made.body.link as string;
    const token = link.split("/observe/")[1]!;
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    pages.push({ page, consoleErrors, foreignRequests: [] });
    await page.goto(link, { waitUntil: "domcontentloaded" });
    expect(page.url()).toBe(`${server.origin}/room.html?appointment=${APPOINTMENT.appointmentId}`);
    expect(await page.evaluate(() => location.href + document.referrer)).not.toContain(token);
    const cookie = (await context.cookies()).find((c) => c.name === CookieName.observer)!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Strict");
    expect(cookie.value).not.toContain(token.split(".")[1]!);
    // Going back does not reach the link: the 303 left no history entry for it.
    await page.goBack();
    expect(page.url()).toBe("about:blank");
    await page.close();
  });

  it("requested nothing from any other origin and logged no console errors", () => {
    expect(pages.flatMap((p) => p.foreignRequests)).toEqual([]);
    expect(pages.flatMap((p) => p.consoleErrors)).toEqual([]);
  });
});
