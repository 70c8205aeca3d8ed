/**
 * bench:scene — what the room costs to draw, in headless Chromium (SwiftShader): for the patient's
 * VR view (IWER-emulated Quest 3, both eyes), the clinician's desktop view and the demo screen.
 * Prints draw calls, meshes, triangles and the render's CPU time per frame against the headset
 * budget (patient ≤ 60 draw calls and ≤ 150k triangles; clinician ≤ 100 draw calls).
 * Software rendering makes the times slow and noisy: compare before/after in one sitting.
 * Run: npm run bench:scene [-- --frames 60 --quality high|low --views patient,clinician,demo --list]
 */
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { createServer } from "vite";
import { launchBrowser } from "../tests/e2e/browser.ts";

interface View {
  name: string;
  query: string;
  xr: boolean;
  maxDrawCalls: number;
  maxTriangles: number | null;
}

const VIEWS: View[] = [
  {
    name: "patient (VR)",
    query: "mode=patient&xr=emulate",
    xr: true,
    maxDrawCalls: 60,
    maxTriangles: 150_000,
  },
  { name: "clinician", query: "mode=desktop", xr: false, maxDrawCalls: 100, maxTriangles: null },
  { name: "demo", query: "mode=desktop&view=demo", xr: false, maxDrawCalls: 100, maxTriangles: null },
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

type Stats = Awaited<
  ReturnType<import("../client/scene/treatmentScene.ts").TreatmentScene["measureFramesAsync"]>
>;

async function measure(
  page: Page,
  base: string,
  view: View,
  frames: number,
  quality: string,
): Promise<Stats> {
  await page.goto(`${base}scene/dev/sceneHarness.html?${view.query}&quality=${quality}`);
  await page.waitForFunction(() => window.harness !== undefined || window.harnessError !== undefined, null, {
    timeout: 120_000,
  });
  const err = await page.evaluate(() => window.harnessError);
  if (err) throw new Error(err);
  if (view.xr) {
    // A loaded machine can take a while to make the button clickable.
    await page.click("#enter-vr", { timeout: 180_000 });
    await page.waitForFunction(() => window.harness!.scene.testState().xrState === "in_xr", null, {
      timeout: 180_000,
    });
  }
  // Let the avatars receive poses and the textures settle before sampling.
  await page.waitForFunction(
    () => Object.values(window.harness!.scene.testState().avatars).some((a) => a.visible),
    null,
    { timeout: 60_000 },
  );
  return page.evaluate((n) => window.harness!.scene.measureFramesAsync(n), frames);
}

async function main(): Promise<void> {
  const frames = Number(arg("frames", "40"));
  const quality = arg("quality", "high");
  const only = arg("views", "patient,clinician,demo").split(",");
  const vite = await createServer({
    configFile: resolve(import.meta.dirname, "../vite.config.ts"),
    server: { port: 5198, strictPort: false, host: "localhost" },
    logLevel: "warn",
  });
  await vite.listen();
  const base = vite.resolvedUrls?.local[0] ?? "http://localhost:5198/";
  const browser = await launchBrowser();
  const failures: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("pageerror", (e) => console.error(`  [pageerror] ${e.message}`));
    console.log(
      `bench:scene  quality=${quality}  frames=${frames}  (SwiftShader; times are CPU ms per frame)`,
    );
    console.log("view           draw calls  meshes (drawn)  triangles  script ms p50 / p95");
    for (const view of VIEWS.filter((v) => only.some((o) => v.name.startsWith(o)))) {
      const s = await measure(page, base, view, frames, quality);
      const line = [
        view.name.padEnd(14),
        `${s.drawCalls} / ${view.maxDrawCalls}`.padEnd(11),
        `${s.meshes} (${s.activeMeshes})`.padEnd(15),
        String(s.triangles).padEnd(10),
        `${s.scriptMsP50} / ${s.scriptMsP95}`,
      ].join(" ");
      console.log(line);
      if (process.argv.includes("--list")) console.log(`  drawn: ${s.drawn.sort().join(", ")}`);
      if (s.drawCalls > view.maxDrawCalls)
        failures.push(`${view.name}: ${s.drawCalls} draw calls > ${view.maxDrawCalls}`);
      if (view.maxTriangles !== null && s.triangles > view.maxTriangles)
        failures.push(`${view.name}: ${s.triangles} triangles > ${view.maxTriangles}`);
    }
  } finally {
    await browser.close();
    await vite.close();
  }
  if (failures.length > 0) {
    console.log(`over budget:\n  ${failures.join("\n  ")}`);
    process.exitCode = 1;
  } else console.log("within budget");
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
