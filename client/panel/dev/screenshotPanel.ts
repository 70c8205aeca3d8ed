/**
 * Screenshots the panel harness with Debian Chromium (run with the Vite dev server on port 5198):
 * `npx tsx client/panel/dev/screenshotPanel.ts [outPrefix]`. Writes /tmp/panel-*.png.
 */
import { chromium } from "playwright-core";

const BASE = "http://localhost:5198/panel/dev/panelHarness.html";
const prefix = process.argv[2] ?? "/tmp/panel";

const shots: { name: string; query: string; width: number; height: number }[] = [
  { name: "desktop", query: "", width: 1440, height: 900 },
  { name: "full", query: "tooth=36", width: 1000, height: 2900 },
  { name: "patient-stop", query: "status=paused_by_patient&role=clinician", width: 1000, height: 900 },
  { name: "assistant", query: "role=assistant&status=running", width: 1000, height: 900 },
];

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
try {
  for (const shot of shots) {
    const page = await browser.newPage({ viewport: { width: shot.width, height: shot.height } });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning")
        console.log(`[${shot.name}] ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => console.log(`[${shot.name}] pageerror: ${e.message}`));
    await page.goto(`${BASE}?${shot.query}`);
    await page.waitForTimeout(2500);
    const state = await page.evaluate(() => window.panel.testState());
    console.log(shot.name, JSON.stringify(state));
    await page.screenshot({ path: `${prefix}-${shot.name}.png` });
    if (shot.name === "full") {
      for (const card of ["alarms", "procedure", "soe-charts", "comfort", "teeth", "devices", "members"]) {
        await page.locator(`[data-testid="${card}"]`).screenshot({ path: `${prefix}-card-${card}.png` });
      }
    }
    await page.close();
  }
} finally {
  await browser.close();
}
