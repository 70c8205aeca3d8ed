/**
 * Live SOE data on the clinician's page: charts update, a tooth turns "unknown" when its sensor is
 * made faulty, an alarm appears and is acknowledged. Devices stream over the real device uplink.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimRunner } from "../../devices/simRunner.ts";
import { FaultMode } from "../../devices/simulator.ts";
import { BETA_FIRMWARE } from "../../server/clinic.ts";
import { deviceKey } from "../../server/tokens.ts";
import type { TestServer } from "../harness.ts";
import { canvasContrast, launchBrowser, openPage, screenshot, startE2eServer, stateOf } from "./browser.ts";

let server: TestServer;
let browser: Browser;
let sim: SimRunner;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  sim = new SimRunner({
    url: server.origin,
    devices: [...server.clinic.devices.values()].filter((d) => d.patientId === "julian"),
    keyFor: (id) => deviceKey(server.secret, id),
    seed: 11,
    intervalMs: 500,
  });
  sim.start();
});
afterAll(async () => {
  await sim?.stopAsync(500);
  await browser?.close();
  await server?.stopAsync();
});

describe("live SOE data in headless Chromium", () => {
  it("shows updating charts, turns a faulty tooth unknown, and raises an alarm a clinician acknowledges", async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(
      browser,
      server.origin,
      "/join/julian/clinician",
      "clinician",
    );
    await page.waitForFunction(
      () => (window.__chairside?.() as { link?: string })?.link === "connected",
      null,
      { timeout: 60_000 },
    );
    await page.waitForFunction(
      () =>
        ((window.__chairside?.() as { panel?: { toothStates: Record<string, string> } }).panel
          ?.toothStates[36] ?? "") === "valid",
      null,
      { timeout: 60_000 },
    );
    // The charts keep updating: wait for more points than now (a state), not for a time.
    const first = (await stateOf(page)).panel.chartPoints.ph as number;
    await page.waitForFunction(
      (n) =>
        ((window.__chairside?.() as { panel: { chartPoints: { ph: number } } }).panel.chartPoints.ph ?? 0) >
        n,
      first,
      { timeout: 60_000 },
    );
    expect((await stateOf(page)).panel.toothStates[11]).toBe("no-sensor");
    await screenshot(page, "soe-healthy");

    sim.setFault("julian", FaultMode.stuckAt, { firmware: BETA_FIRMWARE, tooth: 36 });
    await page.waitForFunction(
      () =>
        (window.__chairside?.() as { panel: { toothStates: Record<string, string> } }).panel
          .toothStates[36] === "unknown",
      null,
      { timeout: 60_000 },
    );
    await page.waitForSelector('[data-testid="alarm-item"][data-acknowledged="false"]', { timeout: 60_000 });
    expect(await page.getAttribute('[data-testid="quality-ph"]', "data-quality")).not.toBe("valid");
    expect(await screenshot(page, "soe-fault-alarm")).toBeGreaterThan(20_000);
    expect(await canvasContrast(page)).toBeGreaterThan(8);

    await page.click('[data-testid="alarm-item"][data-acknowledged="false"] [data-testid="alarm-ack"]');
    await page.waitForFunction(
      () =>
        (window.__chairside?.() as { panel: { alarms: { acknowledged: boolean }[] } }).panel.alarms.some(
          (a) => a.acknowledged,
        ),
      null,
      { timeout: 30_000 },
    );
    expect(foreignRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
