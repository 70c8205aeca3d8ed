/**
 * `npm run bench:soak`: nominal clinic load for a long time. 20 rooms x 4 participants streaming
 * poses at 30 Hz, 2 SOEs per patient (an SOE on 36 and the heart-rate wearable) with a clinician
 * watching each patient. Every minute the server reports (over IPC, measured in its own process):
 * event-loop delay p99 and max, RSS and heap after a full GC (--expose-gc), and database growth.
 *
 * Flags: --minutes N (default 20), --rooms N (default 20), --per-room N (default 4).
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { forkClient, nextMessageAsync, startBenchServerAsync } from "./benchProcesses.ts";
import type { ServerProbe } from "./benchServer.ts";
import { fmt, summary } from "./stats.ts";

const { values: flags } = parseArgs({
  options: {
    minutes: { type: "string", default: "20" },
    rooms: { type: "string", default: "20" },
    "per-room": { type: "string", default: "4" },
  },
});
const MINUTES = Number(flags.minutes);
const ROOMS = Number(flags.rooms);
const PER_ROOM = Number(flags["per-room"]);
const HZ = 30;
const DEVICES_PER_PATIENT = 2;
/** Client processes start, connect and settle before anything is measured. */
const WARMUP_MS = 15_000;
const MEASURE_MS = MINUTES * 60_000;
const STALL_TARGET_MS = 50;

const server = await startBenchServerAsync({
  env: {
    BENCH_ROOMS: String(ROOMS),
    BENCH_DEVICES_PER_PATIENT: String(DEVICES_PER_PATIENT),
    CHAIRSIDE_POSE_TICK_HZ: String(HZ),
  },
  nodeFlags: ["--expose-gc"],
});
const participants = Array.from({ length: ROOMS }, (_, r) =>
  Array.from({ length: PER_ROOM }, (_, i) => ({
    appointmentId: `a${r + 1}`,
    personId: `soak-${r + 1}-${i}`,
  })),
).flat();
const people = forkClient("roomBenchClient.ts", {
  port: server.port,
  dataDir: server.dataDir,
  participants,
  hz: HZ,
  warmupMs: WARMUP_MS,
  measureMs: MEASURE_MS,
});
const devices = forkClient("soeBenchDevices.ts", {
  port: server.port,
  dataDir: server.dataDir,
  patients: Array.from({ length: ROOMS }, (_, i) => i + 1),
  devicesPerPatient: DEVICES_PER_PATIENT,
  warmupMs: WARMUP_MS,
  measureMs: MEASURE_MS,
});
const peopleResult = nextMessageAsync<{ type: "result"; latencies: number[] }>(people, "result");
const devicesResult = nextMessageAsync<{ type: "result"; latencies: number[]; rejected: number }>(
  devices,
  "result",
);

console.log(
  `Chairside soak: ${ROOMS} rooms x ${PER_ROOM} participants at ${HZ} Hz, ${DEVICES_PER_PATIENT} SOEs per patient, ` +
    `${MINUTES} min; server, participants and devices in 3 processes; this machine: 2 cores, shared`,
);
console.log(
  "  min   loop delay ms p50 / p99 / max   RSS MB   heap after GC MB   database MB (+ this minute)   readings/s   load (1 min)",
);
await new Promise((r) => setTimeout(r, WARMUP_MS));
await server.probeAsync();
const minutes: ServerProbe[] = [];
let lastDb = (await server.probeAsync()).dbBytes;
let lastReadings = server.usage.at(-1)?.readings ?? 0;
const mb = (bytes: number) => bytes / 1024 / 1024;
for (let minute = 1; minute <= MINUTES; minute++) {
  await new Promise((r) => setTimeout(r, 60_000));
  const p = await server.probeAsync();
  minutes.push(p);
  const readings = server.usage.at(-1)?.readings ?? lastReadings;
  console.log(
    `  ${String(minute).padStart(3)}   ${fmt(p.loopDelay.p50).padStart(6)} ${fmt(p.loopDelay.p99).padStart(7)} ${fmt(p.loopDelay.max).padStart(7)}` +
      `        ${fmt(p.rssMb, 0).padStart(5)}   ${fmt(p.heapUsedMb).padStart(9)}${p.afterGc ? "" : " (no GC)"}` +
      `          ${fmt(mb(p.dbBytes)).padStart(8)} (+${fmt(mb(p.dbBytes - lastDb), 2)})` +
      `         ${fmt((readings - lastReadings) / 60, 0).padStart(6)}` +
      // The machine's run queue: on a shared 2-core machine a stall is often the OS, not our code.
      `   ${fmt(loadavg()[0]!, 1).padStart(10)}`,
  );
  lastDb = p.dbBytes;
  lastReadings = readings;
}
const [poses, soe] = await Promise.all([peopleResult, devicesResult]);
await server.stopAsync();

const worst = Math.max(...minutes.map((m) => m.loopDelay.max));
const worstP99 = Math.max(...minutes.map((m) => m.loopDelay.p99));
const fanOut = summary(poses.latencies);
const soeLat = summary(soe.latencies);
console.log(
  `  worst stall ${fmt(worst)} ms (target < ${STALL_TARGET_MS} ms: ${worst < STALL_TARGET_MS ? "met" : "MISSED"}); worst minute p99 ${fmt(worstP99)} ms`,
);
console.log(
  `  pose fan-out (first ${fanOut.n} samples) p50 ${fmt(fanOut.p50)} / p99 ${fmt(fanOut.p99)} / max ${fmt(fanOut.max)} ms; ` +
    `device -> clinician p50 ${fmt(soeLat.p50)} / p99 ${fmt(soeLat.p99)} / max ${fmt(soeLat.max)} ms; rejected batches ${soe.rejected}`,
);
