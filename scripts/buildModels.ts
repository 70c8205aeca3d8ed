/**
 * build:models — writes the default GLB models (assets/models/*.glb) from today's built-in
 * builders, so the room loads files a clinic can replace (client/scene/models.ts, README-models.md).
 * Runs the builders in headless Chromium through Vite's dev server: the painted textures are
 * canvases, which only a browser can read back. Run: npm run build:models
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createServer } from "vite";
import { launchBrowser } from "../tests/e2e/browser.ts";

const root = resolve(import.meta.dirname, "..");
const outDir = resolve(root, "assets/models");

async function main(): Promise<void> {
  const vite = await createServer({
    root,
    configFile: false,
    server: { port: 5197, strictPort: false, host: "localhost" },
    logLevel: "warn",
  });
  await vite.listen();
  const base = vite.resolvedUrls?.local[0] ?? "http://localhost:5197/";
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => console.error(`[pageerror] ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") console.error(`[page ${m.type()}] ${m.text()}`);
    });
    await page.goto(`${base}scripts/modelsExport.html`);
    await page.waitForFunction(() => window.exportModels !== undefined, null, { timeout: 120_000 });
    const files = await page.evaluate(() => window.exportModels!());
    mkdirSync(outDir, { recursive: true });
    for (const [name, b64] of Object.entries(files)) {
      const bytes = Buffer.from(b64, "base64");
      writeFileSync(resolve(outDir, name), bytes);
      console.log(`assets/models/${name}  ${(bytes.length / 1024).toFixed(1)} KiB`);
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
