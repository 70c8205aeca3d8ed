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
import { FAULT_WORDS, LOW_PH_WORDS, seedAlarmVisitAsync } from "./alarmVisit.ts";
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

  it("names each alarm's device and tooth in the reader's notation, and remembers it", async () => {
    const ray = await signedInStaff(server, { staffId: "ray2", role: "clinician", displayName: "Dr. Ray" });
    const { patientId } = await seedAlarmVisitAsync(server, ray);
    const { page, consoleErrors, foreignRequests } = await openPage(
      browser,
      server.origin,
      `/record.html?patient=${patientId}`,
      "record-alarms",
      ray.cookie,
    );
    await page.setViewportSize({ width: 1280, height: 800 });
    const alarmTitles = async (notation: string) => {
      await page.waitForSelector(
        `[data-testid="timeline"][data-loaded="alarm"][data-notation="${notation}"]`,
      );
      return page.getByTestId("timeline").locator(".rc-entry .rc-entry-title").allTextContents();
    };
    await page.getByTestId("visits").locator(".rc-visit").first().click();
    await page.getByTestId("timeline-filters").locator('input[data-kind="alarm"]').check();
    expect(await alarmTitles("fdi")).toEqual([
      `Alarm (medium): Sensor at tooth 36: ${FAULT_WORDS}`,
      `Alarm acknowledged: Sensor at tooth 36: ${FAULT_WORDS}`,
      `Alarm (low): Tooth 36: ${LOW_PH_WORDS}`,
    ]);
    expect(await page.locator(".rc-entry-by").allTextContents()).toEqual(["by dr-ray"]);

    await page.click('[data-testid="notation-universal"]');
    expect(await alarmTitles("universal")).toEqual([
      `Alarm (medium): Sensor at tooth 19: ${FAULT_WORDS}`,
      `Alarm acknowledged: Sensor at tooth 19: ${FAULT_WORDS}`,
      `Alarm (low): Tooth 19: ${LOW_PH_WORDS}`,
    ]);
    expect(await page.evaluate(() => document.body.innerText)).not.toMatch(/soe-/);
    await screenshot(page, "record-alarms-universal-1280x800");

    // The choice is the person's, as in the panel: after a reload it still reads Universal.
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.getByTestId("visits").locator(".rc-visit").first().click();
    await page.getByTestId("timeline-filters").locator('input[data-kind="alarm"]').check();
    expect((await alarmTitles("universal"))[2]).toBe(`Alarm (low): Tooth 19: ${LOW_PH_WORDS}`);
    await page.click('[data-testid="notation-palmer"]');
    expect((await alarmTitles("palmer"))[0]).toBe(`Alarm (medium): Sensor at tooth LL6: ${FAULT_WORDS}`);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
