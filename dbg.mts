import { launchBrowser, startE2eServer } from "./tests/e2e/browser.ts";
import { openStopScenarioAsync, measureStopAsync, pressReadyAsync } from "./tests/e2e/stopSignal.ts";
const server = await startE2eServer();
const browser = await launchBrowser();
const { clinician, patient } = await openStopScenarioAsync(browser, server.origin);
const hook = () => {
  const w = window as unknown as { __sends: number[]; __recvs: number[]; __fps: number[] };
  w.__sends = []; w.__recvs = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (d) { if (typeof d === "string" && d.includes("procedure:command")) w.__sends.push(performance.timeOrigin + performance.now()); return send.call(this, d); };
  const orig = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage")!;
  const add = WebSocket.prototype.addEventListener;
  WebSocket.prototype.addEventListener = function (type: string, fn: any, o?: any) {
    if (type === "message") { const f = fn; fn = (e: MessageEvent) => { if (typeof e.data === "string" && e.data.includes("paused_by_patient")) w.__recvs.push(performance.timeOrigin + performance.now()); return f(e); }; }
    return add.call(this, type, fn, o);
  };
};
// sockets already open: hook existing via socket.io internals is hard; instead count frames on the patient page
for (let i = 0; i < 3; i++) {
  const fps = await patient.page.evaluate(() => (window.__chairside?.() as any).scene.fps);
  const cfps = await clinician.page.evaluate(() => (window.__chairside?.() as any).scene.fps);
  const t0 = Date.now();
  const lat = await measureStopAsync(patient, clinician);
  console.log("latency", lat.toFixed(0), "patient fps", fps, "clinician fps", cfps);
  await pressReadyAsync(patient);
  await clinician.page.waitForSelector('[data-testid="procedure-status"][data-status="running"]');
}
await browser.close(); await server.stopAsync(); process.exit(0);
