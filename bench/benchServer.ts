/**
 * The server under benchmark, in its own process: the real app with a clinic of N generated
 * appointments (patients a1..aN, each with SOEs). Reports CPU and RSS to the parent.
 */

import { startChairside } from "../server/app.ts";
import { syntheticClinic } from "../server/clinic.ts";
import { loadConfig } from "../server/config.ts";

const rooms = Number(process.env.BENCH_ROOMS ?? "50");
const devicesPerPatient = Number(process.env.BENCH_DEVICES_PER_PATIENT ?? "2");

/** Appointments a1..aN with patients a1..aN; teeth 36, 16, 26, 46 in that order as devices allow. */
function benchClinic() {
  return syntheticClinic({
    patientIds: Array.from({ length: rooms }, (_, i) => `a${i + 1}`),
    teeth: [36, 16, 26, 46].slice(0, Math.max(0, devicesPerPatient - 1)),
    planId: "sensor-check-36",
  });
}

const config = {
  ...loadConfig(),
  port: 0,
  host: "127.0.0.1",
  simulateSoe: false,
  clientDir: null,
  logLevel: "error" as const,
};
const app = await startChairside(config, { clinic: benchClinic() });
let lastCpu = process.cpuUsage();
let lastAt = process.hrtime.bigint();
process.send?.({ type: "ready", port: app.port, dataDir: config.dataDir });
setInterval(() => {
  const cpu = process.cpuUsage(lastCpu);
  const now = process.hrtime.bigint();
  const wallUs = Number(now - lastAt) / 1000;
  lastCpu = process.cpuUsage();
  lastAt = now;
  process.send?.({
    type: "usage",
    cpuPercent: ((cpu.user + cpu.system) / wallUs) * 100,
    rssMb: process.memoryUsage().rss / 1024 / 1024,
    readings: app.soe.stats.readings,
    batches: app.soe.stats.batches,
  });
}, 1000);
process.on("message", (m: { type: string }) => {
  if (m.type === "stop") void app.closeAsync().then(() => process.exit(0));
});
