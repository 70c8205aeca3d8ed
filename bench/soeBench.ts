/**
 * `npm run bench:soe`: one server with many simulated SOEs in separate processes. Prints readings/s
 * ingested (plausibility checks + durable SQLite storage), device-to-clinician latency, CPU and RSS.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fmt, summary } from "./stats.ts";

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? "100");
const DEVICES_PER_PATIENT = Number(process.env.BENCH_DEVICES_PER_PATIENT ?? "2");
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? "2");
const WARMUP_MS = 5_000;
const MEASURE_MS = Number(process.env.BENCH_SECONDS ?? "20") * 1000;

const dataDir = mkdtempSync(join(tmpdir(), "chairside-soebench-"));
const server = fork(join(import.meta.dirname, "benchServer.ts"), [], {
  execArgv: ["--import", "tsx"],
  env: {
    ...process.env,
    BENCH_ROOMS: String(PATIENTS),
    BENCH_DEVICES_PER_PATIENT: String(DEVICES_PER_PATIENT),
    CHAIRSIDE_DATA_DIR: dataDir,
  },
});
const usage: { cpuPercent: number; rssMb: number; readings: number; at: number }[] = [];
const port = await new Promise<number>((resolve) => {
  server.on(
    "message",
    (m: { type: string; port: number; cpuPercent: number; rssMb: number; readings: number }) => {
      if (m.type === "ready") resolve(m.port);
      if (m.type === "usage") usage.push({ ...m, at: Date.now() });
    },
  );
});
const measureStart = Date.now() + WARMUP_MS;
const patients = Array.from({ length: PATIENTS }, (_, i) => i + 1);
const results = await Promise.all(
  Array.from({ length: CLIENT_PROCESSES }, (_, k) =>
    patients.filter((_, i) => i % CLIENT_PROCESSES === k),
  ).map(
    (chunk) =>
      new Promise<{ latencies: number[]; sentReadings: number; pending: number; rejected: number }>(
        (resolve) => {
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
          child.on(
            "message",
            (m: {
              type: string;
              latencies: number[];
              sentReadings: number;
              pending: number;
              rejected: number;
            }) => {
              if (m.type === "result") resolve(m);
            },
          );
        },
      ),
  ),
);
server.send({ type: "stop" });
await new Promise((r) => server.once("exit", r));
rmSync(dataDir, { recursive: true, force: true });

const window = usage.filter((u) => u.at > measureStart + 1000 && u.at <= measureStart + MEASURE_MS);
const ingested =
  window.length > 1
    ? (window.at(-1)!.readings - window[0]!.readings) / ((window.at(-1)!.at - window[0]!.at) / 1000)
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
  `  unacked at the end   ${results.reduce((a, r) => a + r.pending, 0)} batches, rejected ${results.reduce((a, r) => a + r.rejected, 0)}`,
);
