/**
 * `npm run bench:stop`: the patient's stop signal from an emulated VR controller (IWER) to the
 * clinician's screen, in real headless Chromium against a real server. Prints p50/p99/max.
 * Needs the built client (`npm run build`).
 */
import { launchBrowser, startE2eServer } from "../tests/e2e/browser.ts";
import { measureStopAsync, openStopScenarioAsync } from "../tests/e2e/stopSignal.ts";
import { fmt, summary } from "./stats.ts";

const PRESSES = Number(process.env.BENCH_PRESSES ?? "40");
const server = await startE2eServer();
const browser = await launchBrowser();
try {
  const { clinician, patient } = await openStopScenarioAsync(browser, server.origin);
  const latencies: number[] = [];
  for (let i = 0; i < PRESSES; i++) {
    latencies.push(await measureStopAsync(patient, clinician));
    await patient.page.click('[data-testid="ready-button"]');
    await clinician.page.waitForSelector('[data-testid="procedure-status"][data-status="running"]');
  }
  const s = summary(latencies);
  console.log(
    `Stop signal, VR controller press -> clinician screen (${s.n} presses, headless Chromium + SwiftShader, 2 cores)`,
  );
  console.log(`  p50 ${fmt(s.p50)} ms   p99 ${fmt(s.p99)} ms   max ${fmt(s.max)} ms`);
} finally {
  await browser.close();
  await server.stopAsync();
}
