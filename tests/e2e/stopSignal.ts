/** Driving the patient's stop signal from an emulated VR controller, shared by the e2e test and bench:stop. */
import type { Browser } from "playwright-core";
import { openPage, type WatchedPage } from "./browser.ts";

export async function connectedAsync(w: WatchedPage): Promise<void> {
  await w.page.waitForFunction(
    () => (window.__chairside?.() as { link?: string })?.link === "connected",
    null,
    {
      timeout: 60_000,
    },
  );
}

export async function enterVrAsync(patient: WatchedPage): Promise<void> {
  await patient.page.click('[data-testid="enter-vr"]');
  await patient.page.waitForFunction(
    () => (window.__chairside?.() as { scene: { xrState: string } }).scene.xrState === "in_xr",
    null,
    { timeout: 60_000 },
  );
}

async function watchForPauseAsync(clinician: WatchedPage): Promise<void> {
  await clinician.page.evaluate(() => {
    const w = window as unknown as { __pausedAt: number | null };
    w.__pausedAt = null;
    // No named inner functions: tsx (bench:stop) would wrap them in a helper the page lacks.
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="procedure-status"]') as HTMLElement | null;
      if (w.__pausedAt === null && el?.dataset.status === "paused_by_patient") {
        w.__pausedAt = performance.timeOrigin + performance.now();
      }
    }).observe(document.body, { subtree: true, attributes: true, childList: true });
  });
}

/**
 * Budget for one stop to show on a busy machine: the emulated headset renders below one frame a
 * second in software there, and the press is read once per XR frame. The latency is printed, not asserted.
 */
const STOP_SHOWN_BUDGET_MS = 60_000;

async function pausedShownAtAsync(clinician: WatchedPage): Promise<number> {
  await clinician.page.waitForFunction(
    () => (window as unknown as { __pausedAt: number | null }).__pausedAt !== null,
    null,
    { timeout: STOP_SHOWN_BUDGET_MS },
  );
  return clinician.page.evaluate(() => (window as unknown as { __pausedAt: number }).__pausedAt);
}

type XrDeviceHandle = { controllers: { right: { updateButtonValue(id: string, v: number): void } } };

/**
 * Waits until the headset's frame loop has seen the stop button up. A press is an edge (up, then
 * down) read once per XR frame: a release and the next press set between two slow frames would
 * look like one long press, and the second stop would never fire.
 */
async function stopButtonReleasedAsync(patient: WatchedPage): Promise<void> {
  await patient.page.waitForFunction(
    () => !(window.__chairside?.() as { scene: { xrStopButtonHeld: boolean } }).scene.xrStopButtonHeld,
    null,
    // Timer polling: animation frames can pause while the page presents to the headset.
    { timeout: STOP_SHOWN_BUDGET_MS, polling: 100 },
  );
}

/** Presses the stop on the VR controller (A button); returns press-to-clinician-screen latency in ms. */
export async function measureStopAsync(patient: WatchedPage, clinician: WatchedPage): Promise<number> {
  await stopButtonReleasedAsync(patient);
  await watchForPauseAsync(clinician);
  const pressedAt = await patient.page.evaluate(() => {
    const d = (window as unknown as { __xrDevice: XrDeviceHandle }).__xrDevice;
    const at = performance.timeOrigin + performance.now();
    d.controllers.right.updateButtonValue("a-button", 1);
    return at;
  });
  const shownAt = await pausedShownAtAsync(clinician);
  await patient.page.evaluate(() => {
    (window as unknown as { __xrDevice: XrDeviceHandle }).__xrDevice.controllers.right.updateButtonValue(
      "a-button",
      0,
    );
  });
  await stopButtonReleasedAsync(patient);
  return shownAt - pressedAt;
}

/** Julian in emulated immersive VR and Dr. Ray at the desk, with the procedure running. */
export async function openStopScenarioAsync(
  browser: Browser,
  origin: string,
): Promise<{ clinician: WatchedPage; patient: WatchedPage }> {
  const clinician = await openPage(browser, origin, "/join/julian/clinician", "clinician");
  const patient = await openPage(browser, origin, "/join/julian/patient?xr=emulate", "patient");
  await connectedAsync(clinician);
  await connectedAsync(patient);
  await enterVrAsync(patient);
  await clinician.page.click('[data-testid="procedure-start"]');
  await clinician.page.waitForSelector('[data-testid="procedure-status"][data-status="running"]', {
    timeout: 60_000,
  });
  return { clinician, patient };
}

/**
 * The patient says "I'm ready", and this waits until the patient's page shows the procedure
 * running again. In immersive VR Chromium pauses the page's animation frames, so a Playwright
 * click cannot settle: the button is clicked in the page (on a headset the in-world one is used).
 * The emulated headset is so slow on a busy machine that the patient's link can drop and come
 * back (ping timeout); the button is offered again then, and is pressed once per link.
 */
export async function pressReadyAsync(patient: WatchedPage): Promise<void> {
  // First the pause must have reached the patient's page, or "running" below would be the old state.
  await patient.page.waitForFunction(
    () =>
      (window.__chairside?.() as { view: { procedure: { status: string } | null } | null }).view?.procedure
        ?.status === "paused_by_patient",
    null,
    { timeout: STOP_SHOWN_BUDGET_MS, polling: 100 },
  );
  await patient.page.evaluate(() => {
    delete (window as unknown as { __readyPressedOnLink?: number }).__readyPressedOnLink;
  });
  await patient.page.waitForFunction(
    () => {
      const w = window as unknown as { __readyPressedOnLink?: number };
      const s = window.__chairside?.() as {
        view: { procedure: { status: string } | null } | null;
        stats: { welcomes: number };
      };
      if (s.view?.procedure?.status === "running") return true;
      const ready = document.querySelector('[data-testid="ready-button"]') as HTMLButtonElement | null;
      if (ready && !ready.hidden && w.__readyPressedOnLink !== s.stats.welcomes) {
        w.__readyPressedOnLink = s.stats.welcomes;
        ready.click();
      }
      return false;
    },
    null,
    // Timer polling: animation frames can pause while the page presents to the headset.
    { timeout: STOP_SHOWN_BUDGET_MS, polling: 100 },
  );
}

/** Flat-screen variant: the patient presses S; returns key-to-clinician-screen latency in ms. */
export async function measureKeyStopAsync(patient: WatchedPage, clinician: WatchedPage): Promise<number> {
  await watchForPauseAsync(clinician);
  const pressedAt = await patient.page.evaluate(() => {
    const at = performance.timeOrigin + performance.now();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "s", code: "KeyS" }));
    return at;
  });
  return (await pausedShownAtAsync(clinician)) - pressedAt;
}
