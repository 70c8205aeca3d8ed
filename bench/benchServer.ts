/**
 * The server under benchmark, in its own process: the real app with a clinic of N generated
 * appointments (patients a1..aN, each with SOEs). Reports CPU and RSS to the parent every second,
 * and answers a `probe` message with its event-loop delay since the last probe, its memory (after
 * a full GC when started with --expose-gc) and the size of its database files.
 */

import { statSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { startChairside } from "../server/app.ts";
import { syntheticClinic } from "../server/clinic.ts";
import { loadConfig } from "../server/config.ts";
import { gatewayStats } from "../server/peopleGateway.ts";
import { mainThreadCpuMs } from "../server/poseRelay.ts";
import { ingestStoreDelay } from "../server/soe/ingestWriter.ts";
import { benchChecker } from "./benchCredentials.ts";
import { serveBenchParent } from "./serverToParent.ts";

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
serveBenchParent({
  ready: { port: app.port, dataDir: config.dataDir },
  usage: () => ({
    readings: app.soe.stats.readings,
    batches: app.soe.stats.batches,
    relay: app.sessions.poses.stats,
    posesDropped: gatewayStats.dropped,
    // What connection-state recovery keeps to replay (socket.io-adapter's buffer; not in its types).
    recoveryBuffer: (app.io.of("/").adapter as unknown as { packets?: unknown[] }).packets?.length ?? 0,
  }),
  onMessage: (m) => {
    if (m.type === "probe") process.send?.(probe());
  },
  stopAsync: () => app.closeAsync(),
});

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
  /**
   * CPU time of the main thread alone (user + system, from /proc on Linux; null elsewhere), ms,
   * since the previous probe: the work that can delay other rooms. Unlike cpuMs it excludes the
   * storage thread, and unlike latency percentiles or event-loop utilization (wall time, which
   * stretches whenever the machine is busy) it hardly depends on what else runs on the machine.
   */
  mainCpuMs: number | null;
  /** Time the main thread was inside a callback (event-loop utilization's active time), ms. */
  mainBusyMs: number;
  /** Wall-clock time since the previous probe, ms. */
  wallMs: number;
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

let mainCpuAtProbe = mainThreadCpuMs();
let cpuAtProbe = process.cpuUsage();
let eluAtProbe = performance.eventLoopUtilization();
let wallAtProbe = performance.now();
function probe(): ServerProbe {
  const cpu = process.cpuUsage(cpuAtProbe);
  cpuAtProbe = process.cpuUsage();
  const elu = performance.eventLoopUtilization(eluAtProbe);
  const mainCpu = mainThreadCpuMs();
  const mainCpuMs = mainCpu === null || mainCpuAtProbe === null ? null : mainCpu - mainCpuAtProbe;
  const wallNow = performance.now();
  const wallMs = wallNow - wallAtProbe;
  wallAtProbe = wallNow;
  const delay = {
    p50: ms(loopDelay.percentile(50)),
    p99: ms(loopDelay.percentile(99)),
    max: ms(loopDelay.max),
    samples: loopDelay.count,
  };
  // The GC pause is the probe's own doing: it is taken after reading the delay, then forgotten.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  eluAtProbe = performance.eventLoopUtilization();
  mainCpuAtProbe = mainThreadCpuMs();
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
    mainCpuMs,
    mainBusyMs: elu.active,
    wallMs,
    dbBytes: dbBytes(),
    storeDelay,
  };
}
