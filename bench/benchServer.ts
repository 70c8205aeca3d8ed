/**
 * The server under benchmark, in its own process: the real app with a clinic of N generated
 * appointments (patients a1..aN, each with SOEs). Reports CPU and RSS to the parent every second,
 * and answers a `probe` message with its event-loop delay since the last probe, its memory (after
 * a full GC when started with --expose-gc) and the size of its database files.
 */

import { statSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startChairside } from "../server/app.ts";
import { syntheticClinic } from "../server/clinic.ts";
import { loadConfig } from "../server/config.ts";
import { ingestStoreDelay } from "../server/soe/ingestWriter.ts";
import { benchChecker } from "./benchCredentials.ts";

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
// The generated people are the real clinic's: they come in with bench credentials (benchCredentials.ts).
app.authenticator.use(benchChecker(app.secret, app.clinic));
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

/** What a `probe` answers: the event loop since the previous probe, memory and database now. */
export interface ServerProbe {
  type: "probe";
  /** Event-loop delay in ms (how late a 10 ms timer fired), since the previous probe. */
  loopDelay: { p50: number; p99: number; max: number; samples: number };
  rssMb: number;
  heapUsedMb: number;
  /** Whether the heap figure is after a full GC (needs --expose-gc). */
  afterGc: boolean;
  /** CPU time of the whole process (every thread), user + system, since the previous probe. */
  cpuMs: number;
  dbBytes: number;
  /** SOE batches: hand-in to durable outcome (storage thread round trip), ms, since the previous probe. */
  storeDelay: { p50: number; p99: number; max: number; samples: number };
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const ms = (ns: number) => ns / 1e6;

function dbBytes(): number {
  let total = 0;
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      total += statSync(join(config.dataDir, `chairside.db${suffix}`)).size;
    } catch {
      // The WAL and shared-memory files come and go with checkpoints.
    }
  }
  return total;
}

let cpuAtProbe = process.cpuUsage();
function probe(): ServerProbe {
  const cpu = process.cpuUsage(cpuAtProbe);
  cpuAtProbe = process.cpuUsage();
  const delay = {
    p50: ms(loopDelay.percentile(50)),
    p99: ms(loopDelay.percentile(99)),
    max: ms(loopDelay.max),
    samples: loopDelay.count,
  };
  // The GC pause is the probe's own doing: it is taken after reading the delay, then forgotten.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const mem = process.memoryUsage();
  loopDelay.reset();
  const storeDelay = {
    p50: ms(ingestStoreDelay.percentile(50)),
    p99: ms(ingestStoreDelay.percentile(99)),
    max: ms(ingestStoreDelay.max),
    samples: ingestStoreDelay.count,
  };
  ingestStoreDelay.reset();
  return {
    type: "probe",
    loopDelay: delay,
    rssMb: mem.rss / 1024 / 1024,
    heapUsedMb: mem.heapUsed / 1024 / 1024,
    afterGc: gc !== undefined,
    cpuMs: (cpu.user + cpu.system) / 1000,
    dbBytes: dbBytes(),
    storeDelay,
  };
}

process.on("message", (m: { type: string }) => {
  if (m.type === "probe") process.send?.(probe());
  if (m.type === "stop") void app.closeAsync().then(() => process.exit(0));
});
