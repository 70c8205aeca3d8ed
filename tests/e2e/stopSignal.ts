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
    { timeout: 30_000 },
  );
}

/** Presses the stop on the controller and returns press-to-clinician-screen latency in ms. */
export async function measureStopAsync(patient: WatchedPage, clinician: WatchedPage): Promise<number> {
  await clinician.page.evaluate(() => {
    const w = window as unknown as { __pausedAt: number | null };
    w.__pausedAt = null;
    const check = () => {
      const el = document.querySelector('[data-testid="procedure-status"]') as HTMLElement | null;
      if (w.__pausedAt === null && el?.dataset.status === "paused_by_patient")
        w.__pausedAt = performance.timeOrigin + performance.now();
    };
    new MutationObserver(check).observe(document.body, { subtree: true, attributes: true, childList: true });
  });
  const pressedAt = await patient.page.evaluate(() => {
    const d = (
      window as unknown as {
        __xrDevice: { controllers: { right: { updateButtonValue(id: string, v: number): void } } };
      }
    ).__xrDevice;
    const at = performance.timeOrigin + performance.now();
    d.controllers.right.updateButtonValue("a-button", 1);
    return at;
  });
  await clinician.page.waitForFunction(
    () => (window as unknown as { __pausedAt: number | null }).__pausedAt !== null,
    null,
    {
      timeout: 10_000,
    },
  );
  await patient.page.evaluate(() => {
    const d = (
      window as unknown as {
        __xrDevice: { controllers: { right: { updateButtonValue(id: string, v: number): void } } };
      }
    ).__xrDevice;
    d.controllers.right.updateButtonValue("a-button", 0);
  });
  const shownAt = await clinician.page.evaluate(
    () => (window as unknown as { __pausedAt: number }).__pausedAt,
  );
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
  await clinician.page.waitForSelector('[data-testid="procedure-status"][data-status="running"]');
  return { clinician, patient };
}
