/**
 * `npm run bench:soe`: one server with many simulated SOEs in separate processes. Prints readings/s
 * ingested (plausibility checks + durable SQLite storage), device-to-clinician latency, CPU and RSS.
 */
import { fork } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fmt, summary } from "./stats.ts";

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? "100");
const DEVICES_PER_PATIENT = Number(process.env.BENCH_DEVICES_PER_PATIENT ?? "2");
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? "2");
const WARMUP_MS = 5_000;
const MEASURE_MS = Number(process.env.BENCH_SECONDS ?? "20") * 1000;

const dataDir = mkdtempSync(join(tmpdir(), "chairside-soebench-"));
// BENCH_SERVER_FLAGS: extra Node flags for the server alone, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
// (a profile of its main and storage threads; NODE_OPTIONS refuses --cpu-prof).
const serverFlags = (process.env.BENCH_SERVER_FLAGS ?? "").split(" ").filter((f) => f !== "");
const server = fork(join(import.meta.dirname, "benchServer.ts"), [], {
  execArgv: ["--import", "tsx", ...serverFlags],
  env: {
    ...process.env,
    BENCH_ROOMS: String(PATIENTS),
    BENCH_DEVICES_PER_PATIENT: String(DEVICES_PER_PATIENT),
    CHAIRSIDE_DATA_DIR: dataDir,
  },
});
/**
 * CPU time of the server's threads so far, ms (Linux /proc; null elsewhere): its main thread, and
 * all of them (the storage thread included). CPU time per reading hardly depends on what else runs
 * on the machine, unlike readings/s, which needs the cores to itself.
 */
function serverCpuMs(pid: number | undefined): { main: number; all: number } | null {
  if (pid === undefined) return null;
  try {
    let main = 0;
    let all = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime + stime in clock ticks (100 per second on Linux).
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      all += ms;
      if (Number(tid) === pid) main = ms;
    }
    return { main, all };
  } catch {
    return null;
  }
}
/** CPU time of a whole process so far (every thread), ms; null when it cannot be read. */
function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}
/** The simulator processes (devices and their clinicians), whose CPU is sampled with the server's. */
const clientPids: number[] = [];
const usage: {
  cpuPercent: number;
  rssMb: number;
  readings: number;
  at: number;
  threadsCpu: { main: number; all: number } | null;
  clientsCpu: number | null;
}[] = [];
const port = await new Promise<number>((resolve) => {
  server.on(
    "message",
    (m: { type: string; port: number; cpuPercent: number; rssMb: number; readings: number }) => {
      if (m.type === "ready") resolve(m.port);
      if (m.type === "usage") {
        const clients = clientPids.map(processCpuMs);
        usage.push({
          ...m,
          at: Date.now(),
          threadsCpu: serverCpuMs(server.pid),
          clientsCpu:
            clients.length > 0 && clients.every((c) => c !== null)
              ? clients.reduce((a, c) => a + c!, 0)
              : null,
        });
      }
    },
  );
});
/** When each simulator process began and ended its measured window (after its own warm-up). */
const measuringAt: number[] = [];
const doneAt: number[] = [];
const patients = Array.from({ length: PATIENTS }, (_, i) => i + 1);
const results = await Promise.all(
  Array.from({ length: CLIENT_PROCESSES }, (_, k) =>
    patients.filter((_, i) => i % CLIENT_PROCESSES === k),
  ).map(
    (chunk) =>
      new Promise<{
        latencies: number[];
        sentReadings: number;
        pending: number;
        rejected: number;
        disconnected: Record<string, number>;
      }>((resolve) => {
        const child = fork(
          join(import.meta.dirname, "soeBenchDevices.ts"),
          [
            JSON.stringify({
              port,
              dataDir,
              patients: chunk,
              devicesPerPatient: DEVICES_PER_PATIENT,
              warmupMs: WARMUP_MS,
              measureMs: MEASURE_MS,
            }),
          ],
          { execArgv: ["--import", "tsx"] },
        );
        if (child.pid !== undefined) clientPids.push(child.pid);
        child.on(
          "message",
          (m: {
            type: string;
            latencies: number[];
            sentReadings: number;
            pending: number;
            rejected: number;
            disconnected: Record<string, number>;
          }) => {
            if (m.type === "measuring") measuringAt.push(Date.now());
            if (m.type === "result") {
              doneAt.push(Date.now());
              resolve(m);
            }
          },
        );
      }),
  ),
);
server.send({ type: "stop" });
await new Promise((r) => server.once("exit", r));
rmSync(dataDir, { recursive: true, force: true });

// The window every simulator measured in: from the last one's start to the first one's end.
const measureStart = Math.max(...measuringAt);
const measureEnd = Math.min(...doneAt);
const window = usage.filter((u) => u.at > measureStart + 1000 && u.at <= measureEnd);
const ingested =
  window.length > 1
    ? (window.at(-1)!.readings - window[0]!.readings) / ((window.at(-1)!.at - window[0]!.at) / 1000)
    : Number.NaN;
const first = window[0];
const last = window.at(-1);
/** CPU ms per 1000 readings stored over the window: main thread, every thread of the server. */
const perThousand = (pick: (c: { main: number; all: number }) => number): number =>
  first?.threadsCpu && last?.threadsCpu && last.readings > first.readings
    ? ((pick(last.threadsCpu) - pick(first.threadsCpu)) / (last.readings - first.readings)) * 1000
    : Number.NaN;
const clientsPerThousand =
  first?.clientsCpu != null && last?.clientsCpu != null && last.readings > first.readings
    ? ((last.clientsCpu - first.clientsCpu) / (last.readings - first.readings)) * 1000
    : Number.NaN;
const lat = summary(results.flatMap((r) => r.latencies));
const cpu = window.reduce((a, u) => a + u.cpuPercent, 0) / Math.max(1, window.length);
const rss = Math.max(...usage.map((u) => u.rssMb));
const sent = results.reduce((a, r) => a + r.sentReadings, 0) / (MEASURE_MS / 1000);
console.log(
  `Chairside SOE benchmark: ${PATIENTS} patients x ${DEVICES_PER_PATIENT} devices (${PATIENTS * DEVICES_PER_PATIENT} devices in ${CLIENT_PROCESSES} processes), ${MEASURE_MS / 1000} s, this machine: 2 cores shared by server and simulators`,
);
console.log(
  `  ingested             ${fmt(ingested, 0)} readings/s (devices sent ${fmt(sent, 0)}/s), plausibility-checked and stored in SQLite`,
);
console.log(
  `  device -> clinician  p50 ${fmt(lat.p50)} ms   p99 ${fmt(lat.p99)} ms   max ${fmt(lat.max)} ms   (${lat.n} readings)`,
);
console.log(`  server               CPU ${fmt(cpu)} % of one core   RSS ${fmt(rss)} MB`);
console.log(
  `  CPU per 1000 stored  main thread ${fmt(perThousand((c) => c.main))} ms   all threads ${fmt(perThousand((c) => c.all))} ms   simulators ${fmt(clientsPerThousand)} ms   (load average ${loadavg()[0]!.toFixed(1)})`,
);
console.log(
  `  unacked at the end   ${results.reduce((a, r) => a + r.pending, 0)} batches, rejected ${results.reduce((a, r) => a + r.rejected, 0)}`,
);
const disconnected: Record<string, number> = {};
for (const r of results)
  for (const [why, n] of Object.entries(r.disconnected ?? {}))
    disconnected[why] = (disconnected[why] ?? 0) + n;
if (Object.keys(disconnected).length > 0)
  console.log(`  devices not connected at the end: ${JSON.stringify(disconnected)}`);
