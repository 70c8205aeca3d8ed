/**
 * The patient's record page in headless Chromium (1280×800) on a real server: the visits list, a
 * visit's timeline filtered to the patient's stops, and the pH trend chart with the week between
 * visits drawn as a gap and the retracted reading as a ring. A screenshot goes to test-results/.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness.ts";
import { seedRecordAsync } from "../recordSeed.ts";
import { signedInStaff } from "../staffAccount.ts";
import { launchBrowser, openPage, screenshot, startE2eServer } from "./browser.ts";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stopAsync();
});

describe("the patient's record page", () => {
  it("lists the visits, filters a visit's timeline, and charts pH with a gap", async () => {
    const ray = await signedInStaff(server, { staffId: "ray", role: "clinician", displayName: "Dr. Ray" });
    const noa = await signedInStaff(server, { staffId: "noa", role: "assistant", displayName: "Noa" });
    const { patient } = await seedRecordAsync(server, ray, noa);
    const { page, consoleErrors, foreignRequests } = await openPage(
      browser,
      server.origin,
      `/record.html?patient=${patient.patientId}`,
      "record",
      ray.cookie,
    );
    await page.setViewportSize({ width: 1280, height: 800 });

    const visits = page.getByTestId("visits").locator(".rc-visit");
    await visits.first().waitFor();
    expect(await visits.count()).toBe(2);
    expect(await visits.nth(0).getAttribute("data-outcome")).toBe("completed");
    expect(await visits.nth(1).textContent()).toContain("Stopped by patient");
    expect(await visits.nth(1).textContent()).toContain("Dr. Ray, Noa");

    await visits.nth(1).click();
    const timeline = page.getByTestId("timeline");
    await page.waitForSelector('[data-testid="timeline"][data-loaded="all"]');
    expect(await timeline.locator(".rc-entry").count()).toBeGreaterThan(3);
    await page.getByTestId("timeline-filters").locator('input[data-kind="stop"]').check();
    await page.waitForSelector('[data-testid="timeline"][data-loaded="stop"]');
    expect(await timeline.locator(".rc-entry .rc-entry-title").allTextContents()).toEqual([
      "Paused by patient",
    ]);

    const chart = page.getByTestId("trend-chart");
    await page.waitForSelector('[data-testid="trend-chart"] canvas');
    expect(await chart.getAttribute("data-gaps")).toBe("1");
    expect(await chart.getAttribute("data-retracted")).toBe("1");
    expect(await page.getByTestId("daily").locator("tbody tr").count()).toBe(2);
    await page.getByTestId("anxiety").waitFor();
    // Anxiety across visits is drawn, not only tabled: MDAS over time, stops, heart-rate rise.
    for (const id of ["anxiety-mdas-chart", "anxiety-stops-chart", "anxiety-heart-chart"])
      await page.getByTestId(id).waitFor();
    expect(await page.locator('[data-testid="anxiety-stops-chart"] rect.rc-anx-bar').count()).toBeGreaterThan(
      0,
    );

    await screenshot(page, "record-page");
    await page.getByTestId("anxiety-mdas-chart").scrollIntoViewIfNeeded();
    await screenshot(page, "record-anxiety");
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
