/**
 * A Chairside server in a child process, for tests that must see the process die if it does
 * (an uncaught exception in a vitest worker is caught by vitest, and the process lives on).
 * Started by `startChildServer` in ./childHarness.ts; talks over the IPC channel: on start it
 * sends the port, demo passes and device keys; on "stats" it sends its counters and memory.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChairside } from "../server/app.ts";
import { loadConfig } from "../server/config.ts";
import { DEFAULT_LIMITS, type LimitPolicy } from "../server/limits.ts";
import { gatewayStats } from "../server/peopleGateway.ts";
import { deviceGatewayStats } from "../server/soe/deviceGateway.ts";
import { deviceKey } from "../server/tokens.ts";
import { INVITE_ROLES } from "../shared/roles.ts";

/** Limits far above any rate, so a fuzz run measures robustness, not the limiter (limits.test.ts does). */
const RELAXED: LimitPolicy = {
  ...DEFAULT_LIMITS,
  rates: {
    pose: { perSecond: 1e6, burst: 1e6 },
    command: { perSecond: 1e6, burst: 1e6 },
    otto: { perSecond: 1e6, burst: 1e6 },
    deviceBatch: { perSecond: 1e6, burst: 1e6 },
  },
  connects: { identity: { perSecond: 1e6, burst: 1e6 }, address: { perSecond: 1e6, burst: 1e6 } },
  offences: { identity: 1e9, address: 1e9, windowMs: 10_000 },
};

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "chairside-child-"));
  const app = await startChairside(
    {
      ...loadConfig({}),
      port: 0,
      host: "127.0.0.1",
      dataDir,
      simulateSoe: false,
      clientDir: null,
      logLevel: "silent",
    },
    { limits: process.env.CHILD_LIMITS === "relaxed" ? RELAXED : DEFAULT_LIMITS },
  );
  const tokens: Record<string, string> = {};
  for (const appointmentId of app.clinic.appointments.keys()) {
    for (const role of INVITE_ROLES) {
      const token = app.demoPasses.mint(appointmentId, role)?.pass;
      if (token) tokens[`${appointmentId}/${role}`] = token;
    }
  }
  const devices: Record<string, string> = {};
  for (const deviceId of app.clinic.devices.keys()) devices[deviceId] = deviceKey(app.secret, deviceId);
  process.on("message", (message: unknown) => {
    if (message === "stats") {
      globalThis.gc?.();
      process.send?.({
        type: "stats",
        people: gatewayStats,
        devices: deviceGatewayStats,
        parser: app.parserStats,
        ...liveMemory(),
      });
    }
  });
  process.send?.({ type: "ready", origin: app.origin, dataDir, tokens, devices });
}

void main();

/** After the GC above: the resident set, and what is live (JS heap, and buffers outside it). */
function liveMemory(): { rss: number; live: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, live: m.heapUsed + m.external };
}
