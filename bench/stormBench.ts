/**
 * `npm run bench:storm`: 200 connections join ONE room (a2) at the same moment while a clinician in
 * ANOTHER room (a1) measures pose, SOE and stop latency; the server reports its event-loop delay
 * (perf_hooks.monitorEventLoopDelay, inside the server process) over IPC. Server, storm and probe
 * run in three processes. Targets during the storm: stop p99 <= 150 ms, SOE p99 <= 100 ms.
 *
 * Flags: --rounds N (default 3), --count N (default 200), --cpu-prof (profile the server; the
 * .cpuprofile lands in the folder it prints).
 */
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { syntheticClinic } from "../server/clinic.ts";
import { forkClient, nextMessageAsync, startBenchServerAsync } from "./benchProcesses.ts";
import type { ServerProbe } from "./benchServer.ts";
import { fmt, summary } from "./stats.ts";
import type { StormJob, StormJoined } from "./stormClients.ts";
import type { ProbeSamples, StormProbeJob } from "./stormProbe.ts";

const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    count: { type: "string", default: "200" },
    "cpu-prof": { type: "boolean", default: false },
  },
});
const ROUNDS = Number(flags.rounds);
const COUNT = Number(flags.count);
const WARMUP_MS = 3_000;
const QUIET_MS = 6_000;
/** How long a storm phase lasts after the last welcome: the tail of the storm counts too. */
const AFTER_STORM_MS = 1_000;
const SETTLE_MS = 2_000;
const STOP_TARGET_MS = 150;
const SOE_TARGET_MS = 100;

const PROBE_ROOM = "a1";
const STORM_ROOM = "a2";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const profileDir = flags["cpu-prof"] ? mkdtempSync(join(tmpdir(), "chairside-storm-prof-")) : null;
const server = await startBenchServerAsync({
  env: { BENCH_ROOMS: "2", BENCH_DEVICES_PER_PATIENT: "2", CHAIRSIDE_POSE_TICK_HZ: "30" },
  nodeFlags: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
});
// The same clinic the server built: a1's devices are the ones the probe brings online.
const clinic = syntheticClinic({
  patientIds: [PROBE_ROOM, STORM_ROOM],
  teeth: [36],
  planId: "sensor-check-36",
});
const devices = [...clinic.devices.values()]
  .filter((d) => d.patientId === PROBE_ROOM)
  .map((d) => ({ deviceId: d.deviceId, tooth: d.tooth, signals: [...d.signals] }));

const probe = forkClient("stormProbe.ts", {
  port: server.port,
  dataDir: server.dataDir,
  appointmentId: PROBE_ROOM,
  devices,
} satisfies StormProbeJob);
const stormer = forkClient("stormClients.ts", {
  port: server.port,
  dataDir: server.dataDir,
  appointmentId: STORM_ROOM,
  count: COUNT,
} satisfies StormJob);
await Promise.all([nextMessageAsync(probe, "ready"), nextMessageAsync(stormer, "ready")]);

const setPhase = (phase: string) => probe.send({ type: "phase", phase });
await sleep(WARMUP_MS);

setPhase("quiet");
await server.probeAsync();
await sleep(QUIET_MS);
const quietLoop = await server.probeAsync();

const stormLoops: ServerProbe[] = [];
const leaveLoops: ServerProbe[] = [];
const joinMs: number[] = [];
let refused = 0;
for (let round = 1; round <= ROUNDS; round++) {
  setPhase("storm");
  await server.probeAsync();
  const joined = nextMessageAsync<StormJoined>(stormer, "joined");
  stormer.send({ type: "storm", round });
  const result = await joined;
  joinMs.push(...result.joinMs);
  refused += result.refused;
  await sleep(AFTER_STORM_MS);
  stormLoops.push(await server.probeAsync());

  setPhase("leave");
  const left = nextMessageAsync(stormer, "left");
  stormer.send({ type: "leave" });
  await left;
  await sleep(SETTLE_MS);
  leaveLoops.push(await server.probeAsync());
  setPhase("idle");
  await sleep(SETTLE_MS);
}

const samplesMessage = nextMessageAsync<{ type: "samples"; samples: Record<string, ProbeSamples> }>(
  probe,
  "samples",
);
probe.send({ type: "finish" });
const { samples } = await samplesMessage;
stormer.send({ type: "finish" });
await server.stopAsync();

const latency = (values: number[] | undefined) => {
  const s = summary(values ?? []);
  return `${fmt(s.p50).padStart(6)} ${fmt(s.p99).padStart(7)} ${fmt(s.max).padStart(7)}  (${s.n})`.padEnd(32);
};
const loop = (probes: ServerProbe[]) => {
  const p99 = Math.max(...probes.map((p) => p.loopDelay.p99));
  const max = Math.max(...probes.map((p) => p.loopDelay.max));
  const storeP99 = Math.max(...probes.map((p) => p.storeDelay.p99));
  const storeMax = Math.max(...probes.map((p) => p.storeDelay.max));
  return `${fmt(p99).padStart(7)} ${fmt(max).padStart(7)}   ${fmt(storeP99).padStart(7)} ${fmt(storeMax).padStart(7)}`;
};
const row = (name: string, phase: string, probes: ServerProbe[]) => {
  const s = samples[phase];
  console.log(`  ${name.padEnd(14)}${latency(s?.pose)}${latency(s?.soe)}${latency(s?.stop)}${loop(probes)}`);
};

console.log(
  `Connection storm: ${COUNT} sockets join room ${STORM_ROOM} at once, ${ROUNDS} rounds; measured in room ${PROBE_ROOM} ` +
    "(clinician, patient, 2 SOEs). Server, storm and probe in 3 processes; this machine: 2 cores, shared",
);
console.log(
  `  ${"".padEnd(14)}${"pose ms p50 / p99 / max (n)".padEnd(32)}${"SOE ms p50 / p99 / max (n)".padEnd(32)}${"stop ms p50 / p99 / max (n)".padEnd(32)}loop delay ms p99 / max   SOE store ms p99 / max`,
);
row("quiet", "quiet", [quietLoop]);
row("during storm", "storm", stormLoops);
row("storm leaving", "leave", leaveLoops);
const cpuPerRound = (probes: ServerProbe[]) =>
  fmt(probes.reduce((a, p) => a + p.cpuMs, 0) / probes.length, 0);
console.log(
  `  server CPU    ${cpuPerRound(stormLoops)} ms per storm (joins + 1 s), ${cpuPerRound(leaveLoops)} ms per leave (+ 2 s); ` +
    `quiet: ${fmt(quietLoop.cpuMs / (QUIET_MS / 1000), 0)} ms per second (all threads, user + system)`,
);
// The main thread's own CPU time in each phase (server-side, from /proc): what can delay other
// rooms. It includes the probe room's steady work (its quiet rate is printed beside it); it is far
// less sensitive to other load on the machine than the latency percentiles above, though a phase
// that the machine stretches also holds more of the probe room's work.
const cpuPerPhase = (probes: ServerProbe[]) => {
  const cpu = probes.reduce((a, p) => a + (p.mainCpuMs ?? Number.NaN), 0) / probes.length;
  const wall = probes.reduce((a, p) => a + p.wallMs, 0) / probes.length;
  const busy = probes.reduce((a, p) => a + p.mainBusyMs, 0) / probes.length;
  return `${fmt(cpu, 0)} ms in ${fmt(wall / 1000, 1)} s (${fmt(cpu / COUNT, 2)} ms per person, loop busy ${fmt((100 * busy) / wall, 0)} %)`;
};
console.log(
  `  main thread   CPU per storm ${cpuPerPhase(stormLoops)}; per leave ${cpuPerPhase(leaveLoops)}; ` +
    `quiet ${fmt(((quietLoop.mainCpuMs ?? Number.NaN) / quietLoop.wallMs) * 1000, 0)} ms per second`,
);
const joins = summary(joinMs);
console.log(
  `  storm joins   connect -> welcome p50 ${fmt(joins.p50)} ms   p99 ${fmt(joins.p99)} ms   max ${fmt(joins.max)} ms   (${joins.n} joined, ${refused} refused)`,
);
const storm = samples.storm;
const stopP99 = summary(storm?.stop ?? []).p99;
const soeP99 = summary(storm?.soe ?? []).p99;
const verdict = (value: number, target: number) => (value <= target ? "met" : "MISSED");
console.log(
  `  targets       stop p99 ${fmt(stopP99)} ms <= ${STOP_TARGET_MS} ms: ${verdict(stopP99, STOP_TARGET_MS)}   ` +
    `SOE p99 ${fmt(soeP99)} ms <= ${SOE_TARGET_MS} ms: ${verdict(soeP99, SOE_TARGET_MS)}`,
);
console.log(
  `  machine load  ${loadavg()
    .map((l) => fmt(l, 1))
    .join(" / ")} (1 / 5 / 15 min run queue, ${COUNT} storm sockets' work included)`,
);
if (profileDir) console.log(`  server CPU profile in ${profileDir}`);
