/**
 * Drives the panel harness through its forms (override, resume after the patient's stop,
 * quarantine, refused actions) and screenshots each card: `npx tsx client/panel/dev/interactPanel.ts`.
 */
import { chromium, type Page } from "playwright-core";

const BASE = "http://localhost:5198/panel/dev/panelHarness.html";
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});

async function open(query: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 2900 } });
  page.on("pageerror", (e) => console.log(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.text().startsWith("[harness]")) console.log(m.text());
  });
  await page.goto(`${BASE}?${query}`);
  await page.waitForTimeout(800);
  return page;
}

try {
  let page = await open("");
  await page.getByTestId("procedure-override").click();
  await page.getByTestId("procedure-reason").fill("Clinical exam done");
  await page.locator('[data-testid="procedure"]').screenshot({ path: "/tmp/panel-i-override.png" });
  await page.getByTestId("procedure-confirm").click();
  await page.getByTestId("quarantine-open").click();
  await page.getByTestId("quarantine-firmware").selectOption("2.4.0-beta");
  await page.getByTestId("quarantine-reason").fill("Stuck pH values since the update");
  await page.locator('[data-testid="devices"]').screenshot({ path: "/tmp/panel-i-quarantine-form.png" });
  await page.getByTestId("quarantine-submit").click();
  await page.waitForTimeout(200);
  await page.locator('[data-testid="devices"]').screenshot({ path: "/tmp/panel-i-quarantine-result.png" });
  await page.getByTestId("heatmap-signal-inflammation").click();
  await page.getByTestId("tooth-state-46").click();
  await page.waitForTimeout(400);
  await page.locator('[data-testid="teeth"]').screenshot({ path: "/tmp/panel-i-teeth-inflammation.png" });
  console.log("highlight/tooth:", await page.evaluate(() => window.panel.heatmapSignal()));
  await page.close();

  page = await open("status=paused_by_patient");
  await page.getByTestId("procedure-resume").click();
  await page.getByTestId("procedure-reason").fill("Spoke with the patient");
  await page.locator('[data-testid="procedure"]').screenshot({ path: "/tmp/panel-i-resume.png" });
  await page.close();

  page = await open("fail=1");
  await page.getByTestId("alarm-ack").first().click();
  await page.getByTestId("procedure-pause").click();
  await page.waitForTimeout(200);
  await page.locator('[data-testid="alarms"]').screenshot({ path: "/tmp/panel-i-ack-error.png" });
  await page.locator('[data-testid="procedure"]').screenshot({ path: "/tmp/panel-i-procedure-error.png" });
  await page.close();

  page = await open("role=observer&status=running");
  await page.locator('[data-testid="procedure"]').screenshot({ path: "/tmp/panel-i-observer.png" });
  await page.close();
} finally {
  await browser.close();
}
