/**
 * `npm run bench:stop`: the patient's stop signal from an emulated VR controller (IWER) to the
 * clinician's screen, in real headless Chromium against a real server. Prints p50/p99/max.
 * Needs the built client (`npm run build`).
 */
import { launchBrowser, openPage, startE2eServer } from "../tests/e2e/browser.ts";
import {
  connectedAsync,
  measureKeyStopAsync,
  measureStopAsync,
  openStopScenarioAsync,
  pressReadyAsync,
} from "../tests/e2e/stopSignal.ts";
import { fmt, summary } from "./stats.ts";

const PRESSES = Number(process.env.BENCH_PRESSES ?? "20");
const server = await startE2eServer();
const browser = await launchBrowser();
try {
  const { clinician, patient } = await openStopScenarioAsync(browser, server.origin);
  const latencies: number[] = [];
  for (let i = 0; i < PRESSES; i++) {
    latencies.push(await measureStopAsync(patient, clinician));
    await pressReadyAsync(patient);
    await clinician.page.waitForSelector('[data-testid="procedure-status"][data-status="running"]');
  }
  const vr = summary(latencies);
  for (const p of [clinician, patient]) await p.page.close();

  // The flat-screen path (S key), in Flower's room: no emulated headset frame loop in the way.
  const desk = await openPage(browser, server.origin, "/join/flower/clinician", "clinician");
  const flat = await openPage(browser, server.origin, "/join/flower/patient", "patient");
  await connectedAsync(desk);
  await connectedAsync(flat);
  await desk.page.click('[data-testid="procedure-start"]');
  await desk.page.waitForSelector('[data-testid="procedure-status"][data-status="running"]');
  const keyLatencies: number[] = [];
  for (let i = 0; i < PRESSES; i++) {
    keyLatencies.push(await measureKeyStopAsync(flat, desk));
    await flat.page.click('[data-testid="ready-button"]');
    await desk.page.waitForSelector('[data-testid="procedure-status"][data-status="running"]');
  }
  const key = summary(keyLatencies);
  console.log(
    `Stop signal to the clinician's screen (${PRESSES} presses each; headless Chromium, SwiftShader, 2 shared cores)`,
  );
  console.log(
    `  VR controller (IWER emulated Quest 3)  p50 ${fmt(vr.p50)} ms   p99 ${fmt(vr.p99)} ms   max ${fmt(vr.max)} ms`,
  );
  console.log(
    `  flat screen, S key                     p50 ${fmt(key.p50)} ms   p99 ${fmt(key.p99)} ms   max ${fmt(key.max)} ms`,
  );
  console.log(
    "  (the emulated headset renders below 1 frame/s in software and polls its buttons once per frame)",
  );
} finally {
  await browser.close();
  await server.stopAsync();
}
