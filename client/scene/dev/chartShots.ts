/**
 * Dev check for the arch chart: screenshots of the desktop room and the chart close up, a tooth
 * picked by clicking it, the chart dragged by its board and docked again.
 * Run: npx tsx client/scene/dev/chartShots.ts [outDir] (starts its own Vite server).
 */
import { resolve } from "node:path";
import { createServer } from "vite";
import { launchBrowser } from "../../../tests/e2e/browser.ts";

const out = process.argv[2] ?? "/tmp/shots";

async function main(): Promise<void> {
  const vite = await createServer({
    configFile: resolve(import.meta.dirname, "../../../vite.config.ts"),
    server: { port: 5197, strictPort: false, host: "localhost" },
    logLevel: "warn",
  });
  await vite.listen();
  const base = vite.resolvedUrls?.local[0] ?? "http://localhost:5197/";
  const browser = await launchBrowser();
  try {
    const sizes =
      process.env.SIZES === "1280"
        ? ([[1280, 800]] as const)
        : ([
            [1280, 800],
            [1920, 1080],
          ] as const);
    for (const [w, h] of sizes) {
      const page = await browser.newPage({ viewport: { width: w, height: h } });
      page.on("pageerror", (e) => console.error(`[pageerror] ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") console.error(`[console] ${m.text()}`);
      });
      await page.goto(`${base}scene/dev/sceneHarness.html?mode=desktop${process.argv[3] ?? ""}`);
      await page.waitForFunction(
        () => window.harness !== undefined || window.harnessError !== undefined,
        null,
        {
          timeout: 120_000,
        },
      );
      const err = await page.evaluate(() => window.harnessError);
      if (err) throw new Error(err);
      await page.waitForTimeout(1500);
      await page.screenshot({ path: `${out}/desk-${w}.png`, timeout: 120_000 });
      await page.evaluate(() => window.harness!.scene.setDesktopFraming("dentition"));
      await page.waitForTimeout(800);
      await page.screenshot({ path: `${out}/chart-${w}.png`, timeout: 120_000 });
      const p = await page.evaluate(() => window.harness!.scene.toothScreenPosition(36));
      console.log(w, "tooth 36 at", p);
      if (p) {
        await page.mouse.click(p.x, p.y);
        await page.waitForTimeout(300);
        const ev = await page.evaluate(() =>
          window.harness!.events.filter((e) => e.kind === "tooth").map((e) => e.value),
        );
        console.log(w, "picked", ev);
      }
      await page.screenshot({ path: `${out}/chart-picked-${w}.png`, timeout: 120_000 });
      const hnd = await page.evaluate(() => window.harness!.scene.chartHandleScreenPosition());
      console.log(w, "handle at", hnd);
      if (hnd) {
        await page.mouse.move(hnd.x, hnd.y);
        await page.mouse.down();
        for (let i = 1; i <= 10; i++) await page.mouse.move(hnd.x - i * 25, hnd.y + i * 8);
        await page.mouse.up();
        await page.waitForTimeout(300);
        console.log(w, "after drag", await page.evaluate(() => window.harness!.scene.testState().chart));
        await page.screenshot({ path: `${out}/chart-moved-${w}.png`, timeout: 120_000 });
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await vite.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
