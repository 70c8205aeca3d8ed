/**
 * The audit trail page in real Chromium (issue 9): an admin with a session cookie filters the trail
 * by person, patient and time, pages, downloads exactly the filtered rows as CSV, and verifies the
 * chain; a clinician is told the page is not for their role.
 */
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness.ts";
import { signedInStaff } from "../staffAccount.ts";
import { launchBrowser, screenshot, startE2eServer } from "./browser.ts";

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  const t0 = Date.UTC(2026, 10, 20, 9, 0);
  for (let i = 0; i < 60; i++) {
    await server.storage.audit({
      at: t0 + i * 60_000,
      who: i % 3 === 0 ? "dr-ray" : "noa",
      action: i % 2 === 0 ? "record.read" : "soe.history",
      subject: `patient ${i % 4 === 0 ? "ada" : "ben"}`,
      why: i === 3 ? '=HYPERLINK("http://evil"), said "fine"' : "",
      patientId: i % 4 === 0 ? "ada" : "ben",
      roomId: "room-ada",
    });
  }
});
afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.stopAsync();
});

async function pageAs(
  role: "admin" | "clinician",
  staffId: string,
): Promise<{ page: Page; errors: string[] }> {
  const who = await signedInStaff(server, { staffId, role });
  const [name, value] = who.cookie.split("=") as [string, string];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  contexts.push(context);
  await context.addCookies([
    { name, value, domain: "localhost", path: "/", httpOnly: true, sameSite: "Strict", secure: false },
  ]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().includes("403")) errors.push(m.text());
  });
  return { page, errors };
}

describe("the audit trail page", () => {
  it("filters by person, patient and time, pages, downloads the filtered CSV and verifies the chain", async () => {
    const { page, errors } = await pageAs("admin", "kim-admin");
    await page.goto(`${server.origin}/audit.html`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    expect(await page.textContent("[data-testid=audit-summary]")).toMatch(/^Entries 1–50 of \d+$/);
    expect(await page.locator("[data-testid=audit-rows] tr").count()).toBe(50);
    expect(await screenshot(page, "audit-all")).toBeGreaterThan(10_000);
    await page.click("[data-testid=audit-older]");
    await page.waitForSelector("[data-testid=audit-summary]:has-text('Entries 51–')");
    expect(page.url()).toContain("page=2");
    expect(await page.locator("[data-testid=audit-rows] tr").count()).toBeGreaterThanOrEqual(11);
    expect(await page.locator("[data-testid=audit-older]").isDisabled()).toBe(true);
    await page.click("[data-testid=audit-newer]");
    await page.waitForSelector("[data-testid=audit-summary]:has-text('Entries 1–50')");

    // Dr. Ray's reads of Ada: i = 0, 12, 24, 36, 48 (i % 3 == 0 and i % 4 == 0).
    await page.fill("#au-who", "dr-ray");
    await page.fill("#au-patient", "ada");
    await page.click("[data-testid=audit-filter] button[type=submit]");
    await page.waitForSelector("[data-testid=audit-summary]:has-text('of 5')");
    const rows = page.locator("[data-testid=audit-rows] tr");
    expect(await rows.count()).toBe(5);
    expect(await rows.first().textContent()).toContain("dr-ray");
    expect(await rows.first().textContent()).toContain("patient ada");

    // Only the first half hour: i = 0, 12, 24.
    await page.fill("#au-from", "2026-11-20T00:00");
    const until = new Date(Date.UTC(2026, 10, 20, 9, 30));
    const pad = (n: number) => String(n).padStart(2, "0");
    await page.fill(
      "#au-to",
      `${until.getFullYear()}-${pad(until.getMonth() + 1)}-${pad(until.getDate())}T${pad(until.getHours())}:${pad(until.getMinutes())}`,
    );
    await page.click("[data-testid=audit-filter] button[type=submit]");
    await page.waitForSelector("[data-testid=audit-summary]:has-text('of 3')");
    expect(page.url()).toContain("who=dr-ray");
    expect(await screenshot(page, "audit-filtered")).toBeGreaterThan(10_000);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click("[data-testid=audit-csv]"),
    ]);
    expect(download.suggestedFilename()).toMatch(/^chairside-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, "utf8").split("\r\n");
    expect(csv[0]).toBe('"id","time (UTC)","who","action","subject","why","patient","room","hash"');
    expect(csv.slice(1, -1).map((l) => l.split(",")[1])).toEqual([
      '"2026-11-20T09:24:00.000Z"',
      '"2026-11-20T09:12:00.000Z"',
      '"2026-11-20T09:00:00.000Z"',
    ]);

    // A bad range is named at its field, and nothing else changes.
    await page.fill("#au-from", "2026-11-21T00:00");
    await page.click("[data-testid=audit-filter] button[type=submit]");
    await page.waitForSelector("#au-to-problem:has-text('must be after its start')");
    expect(await page.textContent("[data-testid=audit-summary]")).toBe(
      "Fix the filter above to see entries.",
    );
    expect(await page.locator("[data-testid=audit-rows] tr").count()).toBe(0);

    await page.click("[data-testid=audit-verify]");
    await page.waitForSelector("[data-testid=audit-verify-result][data-intact=true]");
    expect(await page.textContent("[data-testid=audit-verify-result]")).toMatch(
      /^The audit trail is intact: \d+ entries/,
    );
    expect(await screenshot(page, "audit-verified")).toBeGreaterThan(10_000);
    expect(errors.filter((e) => !e.includes("400"))).toEqual([]);

    // The page's own reads are on the trail.
    const own = (await server.storage.auditLog(10_000)).filter((e) => e.who === "kim-admin");
    expect(own.map((e) => e.action)).toEqual(
      expect.arrayContaining(["audit.read", "audit.export.csv", "audit.verify"]),
    );
  });

  it("tells a clinician the trail is for administrators", async () => {
    const { page } = await pageAs("clinician", "ray-e2e");
    await page.goto(`${server.origin}/audit.html`);
    await page.waitForSelector("[role=alert]:has-text('for the clinic')", { timeout: 60_000 });
  });
});
