/**
 * The dental arch chart as a clinician uses it, in real headless Chromium against a real server:
 * a tooth clicked in 3D is selected in the panel; the chart's numbers follow the notation switch;
 * the chart drags by its board, is where the person left it after a reload, and "Dock" puts it
 * back beside the patient. Page state asserted; a screenshot kept in test-results/.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot, stateOf } from "./browser.ts";
import { panelFixture } from "./panelFixture.ts";

const panel = panelFixture();

interface ChartState {
  chart: { docked: boolean; x: number; y: number; z: number };
  chartHandleAt: { x: number; y: number } | null;
  chartDockAt: { x: number; y: number } | null;
  tooth36At: { x: number; y: number } | null;
  chartNotation: string;
}

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const s = window.__chairside?.() as {
        link?: string;
        panel?: unknown;
        scene?: { chartHandleAt?: unknown };
      };
      return s?.link === "connected" && s.panel != null && s.scene?.chartHandleAt != null;
    },
    null,
    { timeout: 60_000 },
  );
}

async function chart(page: Page): Promise<ChartState> {
  return (await stateOf(page)).scene as ChartState;
}

/** A canvas point (CSS px) as a page point. */
async function onPage(page: Page, p: { x: number; y: number }): Promise<{ x: number; y: number }> {
  const box = await page.locator('[data-testid="room-canvas"]').boundingBox();
  if (!box) throw new Error("no canvas");
  return { x: box.x + p.x, y: box.y + p.y };
}

describe("the arch chart in headless Chromium", () => {
  it("picks a tooth in 3D, follows the notation, drags, is remembered per person and docks", async () => {
    const { page, consoleErrors } = await (await panel.roomAsync()).open("clinician");
    await ready(page);
    expect((await chart(page)).chart.docked).toBe(true);

    // 3D → panel: click the crown of tooth 36 on the canvas.
    const tooth = await onPage(page, (await chart(page)).tooth36At!);
    await page.mouse.click(tooth.x, tooth.y);
    await page.waitForFunction(
      () => (window.__chairside?.() as { panel?: { selectedTooth?: number } })?.panel?.selectedTooth === 36,
      null,
      { timeout: 30_000 },
    );
    expect((await stateOf(page)).scene.highlighted).toContain(36);

    await page.click('[data-testid="notation-palmer"]');
    await page.waitForFunction(
      () =>
        (window.__chairside?.() as { scene?: { chartNotation?: string } })?.scene?.chartNotation === "palmer",
      null,
      { timeout: 10_000 },
    );
    await page.click('[data-testid="notation-fdi"]');

    // Drag the board to the left: the chart leaves its dock and stays where it was dropped.
    const handle = await onPage(page, (await chart(page)).chartHandleAt!);
    await page.mouse.move(handle.x, handle.y);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++) await page.mouse.move(handle.x - i * 15, handle.y + i * 2);
    await page.mouse.up();
    await page.waitForFunction(
      () => (window.__chairside?.() as { scene?: ChartState })?.scene?.chart.docked === false,
      null,
      { timeout: 10_000 },
    );
    const moved = (await chart(page)).chart;
    await screenshot(page, "arch-chart-moved-1280x800");

    await page.reload({ waitUntil: "domcontentloaded" });
    await ready(page);
    const again = (await chart(page)).chart;
    expect(again.docked).toBe(false);
    expect(again.x).toBeCloseTo(moved.x, 3);
    expect(again.z).toBeCloseTo(moved.z, 3);

    const dock = await onPage(page, (await chart(page)).chartDockAt!);
    await page.mouse.click(dock.x, dock.y);
    await page.waitForFunction(
      () => (window.__chairside?.() as { scene?: ChartState })?.scene?.chart.docked === true,
      null,
      { timeout: 10_000 },
    );
    expect(consoleErrors).toEqual([]);
  });
});
