/**
 * Live SOE data on the clinician's page: charts update, a tooth turns "unknown" when its sensor is
 * made faulty, an alarm appears and is acknowledged. Devices stream over the real device uplink.
 */
import { describe, expect, it } from "vitest";
import { FaultMode } from "../../devices/simulator.ts";
import { BETA_FIRMWARE } from "../../server/clinic.ts";
import { canvasContrast, screenshot, stateOf } from "./browser.ts";
import { panelFixture, toothStateIs } from "./panelFixture.ts";

const panel = panelFixture();

describe("live SOE data in headless Chromium", () => {
  it("shows updating charts, turns a faulty tooth unknown, and raises an alarm a clinician acknowledges", async () => {
    const room = await panel.roomAsync({ streamSeed: 11 });
    const { page, consoleErrors, foreignRequests } = await room.open("clinician");
    await toothStateIs(page, 36, "valid");
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

    room.sim!.setFault("julian", FaultMode.stuckAt, { firmware: BETA_FIRMWARE, tooth: 36 });
    await toothStateIs(page, 36, "unknown");
    await page.waitForSelector('[data-testid="alarm-item"][data-acknowledged="false"]', { timeout: 60_000 });
    expect(await page.getAttribute('[data-testid="quality-ph"]', "data-quality")).not.toBe("valid");
    expect(await screenshot(page, "soe-fault-alarm")).toBeGreaterThan(20_000);
    await expect.poll(() => canvasContrast(page), { timeout: 30_000 }).toBeGreaterThan(8);

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
