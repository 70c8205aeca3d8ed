/**
 * The clinician panel as a dentist uses it, in real headless Chromium against a real server with
 * SOEs streaming over the device uplink: the assistant's greyed-out Start says why; the tooth
 * notation switch is remembered for the person across a reload; a tooth picked in the panel lights
 * up in 3D; and during the beta-update fault the procedure controls stay on screen at 1280×800 and
 * the layout uses the width at 1920×1080 and 2560×1440, with no internal device id on screen and
 * devices and teeth named in the chosen notation; the patient's "not yet" shows plainly and Start
 * then asks for a reason (screenshots kept in test-results/, page state asserted, not pixels).
 * Each test has a server of its own (tests/e2e/panelFixture.ts), so each passes alone or in order.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { FaultMode } from "../../devices/simulator.ts";
import { BETA_FIRMWARE } from "../../server/clinic.ts";
import { Ev } from "../../shared/protocol.ts";
import { type TestClient as Client, passAuth, TestClient, type TestServer } from "../harness.ts";
import { screenshot, stateOf } from "./browser.ts";
import {
  APPOINTMENT,
  box,
  onScreen,
  panelFixture,
  panelLive,
  procedureIs,
  toothStateIs,
  visibleText,
} from "./panelFixture.ts";

const panel = panelFixture();

async function patientAsync(server: TestServer): Promise<Client> {
  const c = new TestClient(server.origin, passAuth(server, APPOINTMENT, "patient"));
  await new Promise<void>((resolve) => c.socket.once(Ev.welcome, () => resolve()));
  return c;
}

/** Starts the procedure as Dr. Ray would, from a connection of its own that then leaves the seat. */
async function startProcedureAsync(server: TestServer): Promise<void> {
  const ray = await TestClient.joinAsync(server, APPOINTMENT, "clinician");
  try {
    expect((await ray.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);
  } finally {
    ray.close();
  }
}

/** The pause and abort controls are where a click would reach them. */
async function expectControlsOnScreen(page: Page): Promise<void> {
  for (const control of ["procedure-pause", "procedure-abort"]) {
    expect(await onScreen(page, `[data-testid="${control}"]`), control).toBe(true);
  }
}

/** Resizes the window and waits for the panel to take the width (at least `panelWidth` px). */
async function resizeTo(page: Page, width: number, height: number, panelWidth: number): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.waitForFunction(
    (w) =>
      (document.querySelector('[data-testid="clinician-panel"]')?.getBoundingClientRect().width ?? 0) > w,
    panelWidth,
    { timeout: 10_000 },
  );
  await page.evaluate(() => document.querySelector('[data-testid="panel-body"]')?.scrollTo(0, 0));
  await panelLive(page);
}

describe("the clinician panel in headless Chromium", () => {
  it("tells the assistant why Start is greyed out", async () => {
    const { page, consoleErrors } = await (await panel.roomAsync()).open("assistant");
    const start = page.locator('[data-testid="procedure-start"]');
    expect(await start.isDisabled()).toBe(true);
    expect(await page.textContent('[data-testid="procedure-why"]')).toContain(
      "Start: Only the clinician starts the procedure",
    );
    expect(await start.getAttribute("aria-describedby")).toBe("cp-procedure-why");
    await screenshot(page, "panel-assistant-1280x800");
    expect(consoleErrors).toEqual([]);
  });

  it("remembers the tooth notation per person, and lights a picked tooth in 3D", async () => {
    const { page, consoleErrors } = await (await panel.roomAsync()).open("clinician");
    expect(await page.textContent('[data-testid="tooth-state-16"]')).toBe("16");
    await page.click('[data-testid="notation-palmer"]');
    expect(await page.textContent('[data-testid="tooth-state-16"]')).toBe("UR6");
    await page.click('[data-testid="notation-universal"]');
    expect(await page.textContent('[data-testid="tooth-state-16"]')).toBe("3");

    await page.reload({ waitUntil: "domcontentloaded" });
    await panelLive(page);
    expect((await stateOf(page)).panel.notation).toBe("universal");
    expect(await page.textContent('[data-testid="tooth-state-16"]')).toBe("3");
    expect(await page.getAttribute('[data-testid="notation-universal"]', "aria-pressed")).toBe("true");
    await page.click('[data-testid="notation-fdi"]');
    expect(await page.textContent('[data-testid="tooth-state-16"]')).toBe("16");

    await page.click('[data-testid="tooth-state-26"]');
    await page.waitForFunction(
      () => {
        const s = window.__chairside?.() as { scene: { highlighted: number[] } } | null;
        return s?.scene.highlighted.length === 1 && s.scene.highlighted[0] === 26;
      },
      null,
      { timeout: 30_000 },
    );
    expect((await stateOf(page)).panel.selectedTooth).toBe(26);
    expect(consoleErrors).toEqual([]);
  });

  it("shows the patient's 'not yet' plainly, and Start then asks for a reason", async () => {
    const room = await panel.roomAsync();
    const { page, consoleErrors } = await room.open("clinician");
    const julian = await patientAsync(room.server);
    expect((await julian.command(Ev.procedureCommand, { command: "stop" })).ok).toBe(true);
    await page.waitForSelector('[data-testid="procedure-not-yet"]:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="procedure-not-yet"]')).toMatch(
      /^Julian said “not yet” at \d\d:\d\dNothing has started/,
    );
    expect(await page.textContent('[data-testid="procedure-start"]')).toBe("Start anyway…");
    expect(await onScreen(page, '[data-testid="procedure-not-yet"]')).toBe(true);
    await page.click('[data-testid="procedure-start"]');
    expect(await page.textContent('[data-testid="procedure-form"] label')).toMatch(
      /^Julian said “not yet” at \d\d:\d\d\. Start anyway\? Reason \(required\)$/,
    );
    expect(await page.isDisabled('[data-testid="procedure-confirm"]')).toBe(true);
    await screenshot(page, "panel-not-yet-1280x800");
    await page.fill('[data-testid="procedure-reason"]', "Spoke with Julian; he wants to go ahead");
    await page.click('[data-testid="procedure-confirm"]');
    await procedureIs(page, "running");
    expect(await page.isHidden('[data-testid="procedure-not-yet"]')).toBe(true);
    julian.close();
    expect(consoleErrors).toEqual([]);
  });

  it("keeps the procedure controls on screen during the beta-update fault, at 1280×800 and 1920×1080", async () => {
    const room = await panel.roomAsync({ streamSeed: 23 });
    await startProcedureAsync(room.server);
    const sim = room.sim!;
    const { page, consoleErrors, foreignRequests } = await room.open("clinician");
    await toothStateIs(page, 36, "valid");
    expect((await stateOf(page)).panel.procedureStatus).toBe("running");

    const n = sim.setFault("julian", FaultMode.betaUpdate, { firmware: BETA_FIRMWARE });
    expect(n).toBeGreaterThan(1);
    // Wait for the fault to show as alarms from at least two devices (a state, not a time).
    await page.waitForFunction(
      () => {
        const alarms = (window.__chairside?.() as { panel: { alarms: { deviceId: string | null }[] } }).panel
          .alarms;
        return new Set(alarms.map((a) => a.deviceId).filter((d) => d !== null)).size >= 2;
      },
      null,
      { timeout: 90_000 },
    );

    await panelLive(page);
    await screenshot(page, "panel-beta-update-1280x800");
    // Devices and teeth by name, never an internal id; one audio pause, no per-card silence.
    expect(await visibleText(page)).not.toMatch(/soe-julian|hr-julian/);
    expect(await page.locator('[data-testid="alarm-silence"]').count()).toBe(0);
    const row36 = '[data-testid="device-row"][data-device-id="soe-julian-36"]';
    expect(await page.textContent(`${row36} [data-testid="device-name"]`)).toBe("Sensor at tooth 36");
    await page.click('[data-testid="notation-palmer"]');
    expect(await page.textContent(`${row36} [data-testid="device-name"]`)).toBe("Sensor at tooth LL6");
    expect(await page.textContent(`${row36} [data-testid="device-tooth"]`)).toBe("LL6");
    const messages = await page.locator('[data-testid="alarm-message"]').allTextContents();
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(m).not.toMatch(/tooth \d\d\b|Tooth \d\d\b|soe-/);
    expect(await page.textContent('[data-testid="alarm-banner-text"]')).not.toMatch(/\b(16|26|36|46)\b:/);
    await screenshot(page, "panel-beta-update-palmer-1280x800");
    await page.click('[data-testid="notation-fdi"]');
    await expectControlsOnScreen(page);
    // Scrolling the panel to the devices table leaves the controls where they were.
    await page.locator('[data-testid="tooth-heatmap"]').scrollIntoViewIfNeeded();
    expect(await onScreen(page, '[data-testid="procedure-pause"]')).toBe(true);
    await screenshot(page, "panel-beta-update-1280x800-scrolled");
    const narrow = await box(page, '[data-testid="clinician-panel"]');
    expect(narrow.width).toBeLessThanOrEqual(460);

    await resizeTo(page, 1920, 1080, 900);
    await screenshot(page, "panel-beta-update-1920x1080");
    expect(await page.locator('[data-testid="procedure-pause"]').isEnabled()).toBe(true);
    await expectControlsOnScreen(page);
    // Columns, not a strip: the charts sit beside the procedure card, and the teeth are in view.
    const procedure = await box(page, '[data-testid="procedure"]');
    const charts = await box(page, '[data-testid="soe-charts"]');
    expect(charts.x).toBeGreaterThanOrEqual(procedure.x + procedure.width);
    expect(charts.y).toBeLessThan(procedure.y + procedure.height);
    expect(await onScreen(page, '[data-testid="tooth-state-36"]')).toBe(true);

    // 2560 px: three columns; the procedure, the charts and the teeth are all in view.
    await resizeTo(page, 2560, 1440, 1400);
    await screenshot(page, "panel-beta-update-2560x1440");
    expect(await onScreen(page, '[data-testid="procedure-pause"]')).toBe(true);
    expect(await onScreen(page, '[data-testid="tooth-state-36"]')).toBe(true);
    const wideCharts = await box(page, '[data-testid="soe-charts"]');
    const teeth = await box(page, '[data-testid="tooth-heatmap"]');
    expect(teeth.x).toBeGreaterThanOrEqual(wideCharts.x + wideCharts.width);

    // One technical alarm per affected device, updated in place (alarms grouped by cause).
    const { alarms } = (await stateOf(page)).panel as {
      alarms: { kind: string; deviceId: string | null; cleared: boolean }[];
    };
    const perDevice = new Map<string, number>();
    for (const a of alarms) {
      if (a.kind !== "technical" || a.cleared || a.deviceId === null) continue;
      perDevice.set(a.deviceId, (perDevice.get(a.deviceId) ?? 0) + 1);
    }
    expect(perDevice.size).toBeGreaterThanOrEqual(2);
    expect(Math.max(...perDevice.values())).toBe(1);

    expect(foreignRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
