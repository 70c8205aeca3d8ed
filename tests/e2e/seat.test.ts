/**
 * One person, one seat, clearly: a second window for the same patient takes the seat, and the
 * first one shows "This seat is open in another window" with nothing live in it (no STOP, no
 * reconnect loop) until "Use it here" takes the seat back. An observer's view from the chair shows
 * no STOP, because it has none that could work. (Server, browser and page cleanup: roomPages.ts.)
 */
import { describe, expect, it } from "vitest";
import { screenshot, stateOf, type WatchedPage } from "./browser.ts";
import { e2eRoom, linkIs } from "./roomPages.ts";

const room = e2eRoom();

/** Opens a page and waits until it is live in its room. */
async function open(path: string, name: string): Promise<WatchedPage> {
  const w = await room.open(path, name);
  await linkIs(w.page, "connected");
  return w;
}

async function expectSeatTakenAsync(w: WatchedPage): Promise<void> {
  await w.page.waitForSelector('[data-testid="seat-notice"]', { state: "visible", timeout: 30_000 });
  expect(await w.page.textContent('[data-testid="seat-notice"] h1')).toBe(
    "This seat is open in another window",
  );
  expect(await w.page.isVisible('[data-testid="use-here"]')).toBe(true);
  // Nothing looks live: no STOP, no room, no "raise your hand" either (that is for a lost link).
  expect(await w.page.isVisible('[data-testid="stop-button"]')).toBe(false);
  expect(await w.page.isVisible('[data-testid="stop-unreachable"]')).toBe(false);
  expect(await w.page.isVisible('[data-testid="room-canvas"]')).toBe(false);
  expect((await stateOf(w.page)).link).toBe("replaced");
}

function patientConnection(): string | undefined {
  return room.server.sessions.forAppointment("flower").room.member("m-flower")?.connection;
}

describe("one person, one seat", () => {
  it("shows the first window as taken by the second, and 'Use it here' takes the seat back", async () => {
    const first = await open("/join/flower/patient", "first-window");
    const second = await open("/join/flower/patient", "second-window");
    await expectSeatTakenAsync(first);
    await screenshot(first.page, "seat-taken");
    expect(await second.page.isVisible('[data-testid="stop-button"]')).toBe(true);

    await first.page.click('[data-testid="use-here"]');
    await linkIs(first.page, "connected");
    expect(await first.page.isVisible('[data-testid="stop-button"]')).toBe(true);
    expect(await first.page.isVisible('[data-testid="seat-notice"]')).toBe(false);
    await expectSeatTakenAsync(second);

    // No reconnect loop: the window that gave the seat up stays put while the other one is live.
    await second.page.click('[data-testid="use-here"]');
    await linkIs(second.page, "connected");
    await expectSeatTakenAsync(first);
    expect((await stateOf(second.page)).link).toBe("connected");
    expect(patientConnection()).toBe("connected");
    expect([...first.consoleErrors, ...second.consoleErrors]).toEqual([]);
    // The window that gave its seat up no longer draws the room it hides.
    expect((await stateOf(first.page)).scene.idle).toBe(true);
    expect((await stateOf(second.page)).scene.idle).toBe(false);
    await first.page.context().close();
    await second.page.context().close();
  });

  it("shows no STOP in an observer's view from the chair", async () => {
    const viewer = await open("/join/julian/observer?view=patient", "viewer");
    expect(await viewer.page.locator('[data-testid="stop-button"]').count()).toBe(0);
    expect(await viewer.page.locator('[data-testid="ready-button"]').count()).toBe(0);
    expect(await viewer.page.isVisible('[data-testid="stop-unreachable"]')).toBe(false);
    const s = await stateOf(viewer.page);
    expect(s.role).toBe("viewer");
    expect(s.scene.stopShown).toBe(false);
    expect(await viewer.page.isVisible("text=/Stop \\(S\\)/")).toBe(false);
    expect(viewer.consoleErrors).toEqual([]);
  });
});
