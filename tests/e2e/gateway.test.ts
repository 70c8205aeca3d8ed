/**
 * The ways into a room in real Chromium, with no credential in any URL: the start page's demo
 * clinic (a button per role → a demo pass fetched by the page, kept in the tab's sessionStorage),
 * and a signed-in clinician opening a real appointment's room by its plain link, who is put out
 * with "You were signed out" the moment the session ends.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { syntheticClinic } from "../../server/clinic.ts";
import { signedInStaff } from "../staffAccount.ts";
import { screenshot, startE2eServer, stateOf } from "./browser.ts";
import { e2eRoom, linkIs } from "./roomPages.ts";

const room = e2eRoom(() =>
  startE2eServer(
    {},
    { clinic: syntheticClinic({ patientIds: ["ada"], teeth: [36], planId: "sensor-check-36" }) },
  ),
);

/** Every URL the page's history and requests carried, for "no credential in a URL" checks. */
function watchUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on("request", (r) => urls.push(r.url()));
  page.on("framenavigated", (f) => urls.push(f.url()));
  return urls;
}

describe("into a room with no credential in a URL", () => {
  it("opens the demo clinic from the start page with a demo pass kept in the tab", async () => {
    const w = await room.open("/", "start");
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
    const appt = room.server.clinic.appointments.get("ada")!;
    const signed = await signedInStaff(room.server, { staffId: appt.staff.clinicianId, role: "clinician" });
    const w = await room.open("/room.html?appointment=ada", "clinician", signed.cookie);
    await linkIs(w.page, "connected");
    expect((await stateOf(w.page)).role).toBe("clinician");
    // Without the cookie the same link is a sign-in page, not a room.
    const anon = await room.open("/room.html?appointment=ada", "anonymous");
    await anon.page.waitForSelector('[data-testid="fatal"]', { timeout: 30_000 });
    expect(await anon.page.textContent('[data-testid="fatal"] h1')).toBe("Please sign in");
    expect(await anon.page.isVisible('[data-testid="sign-in"]')).toBe(true);

    room.server.authenticator.revoked(await room.server.staffSessions.endAllFor(appt.staff.clinicianId));
    await linkIs(w.page, "refused");
    await w.page.waitForSelector('[data-testid="seat-notice"]', { state: "visible", timeout: 30_000 });
    expect(await w.page.textContent('[data-testid="seat-notice"]')).toMatch(/signed out/);
    expect(await w.page.isVisible('[data-testid="room-canvas"]')).toBe(false);
    await screenshot(w.page, "signed-out");
  });
});
