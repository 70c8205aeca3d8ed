/**
 * `npm run bench:room`: one server process and simulated participants in separate processes on
 * loopback. Prints fan-out latency, delivered as a share of the poses sent, bytes per pose update
 * and server CPU/RSS.
 *
 * Side by side with older code: `BENCH_TREES=/path/to/old,.` runs every scenario on each tree in
 * turn (its own bench/benchServer.ts and bench/roomBenchClient.ts), so before and after share one
 * sitting and one machine load. `BENCH_SCENARIOS=1x8x72,10x8x72` picks scenarios by their short name.
 * The tree `relay` is the yardstick, a plain Socket.IO relay that broadcasts each pose at
 * once (bench/plainRelayServer.ts) with this tree's clients. `BENCH_REPEATS=3` runs the whole
 * round (every scenario on every tree) that many times, interleaved, and ends with the medians: on a
 * busy machine one run of each says little, and runs far apart in time say less.
 * `BENCH_SECONDS` (default 15, the issue's) is how long each run measures, after
 * `BENCH_WARMUP_SECONDS` (default 3) of poses.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BATCH_ENTRY_BYTES, POSE_BYTES } from "../shared/poseCodec.ts";
import { fmt, summary } from "./stats.ts";

interface Scenario {
  short: string;
  name: string;
  rooms: number;
  perRoom: number;
  hz: number;
}

const ALL_SCENARIOS: Scenario[] = [
  { short: "1x8x72", name: "1 room x 8 participants at 72 Hz", rooms: 1, perRoom: 8, hz: 72 },
  { short: "50x4x30", name: "50 rooms x 4 participants at 30 Hz", rooms: 50, perRoom: 4, hz: 30 },
  { short: "10x8x72", name: "10 rooms x 8 participants at 72 Hz", rooms: 10, perRoom: 8, hz: 72 },
];
const picked = process.env.BENCH_SCENARIOS?.split(",").map((n) => n.trim());
const SCENARIOS = picked ? ALL_SCENARIOS.filter((s) => picked.includes(s.short)) : ALL_SCENARIOS;
const RELAY = "relay";
const TREES = (process.env.BENCH_TREES ?? ".")
  .split(",")
  .map((t) => (t.trim() === RELAY ? RELAY : resolve(t.trim())));
const REPEATS = Math.max(1, Number(process.env.BENCH_REPEATS ?? "1"));
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? "2");
/**
 * Poses flow this long before anything is measured. V8 is still compiling the server's hot paths
 * for a while after that (its compiler threads were a third of the process's CPU 9–15 s after the
 * start, a tenth 30 s in), so a short run counts start-up work a server running all day does not
 * do: `BENCH_WARMUP_SECONDS=20` measures nearer that steady state.
 */
const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? "3") * 1000;
const MEASURE_MS = Number(process.env.BENCH_SECONDS ?? "15") * 1000;

interface ParticipantResult {
  appointmentId: string;
  slot: number;
  sent: number;
  received: Record<string, number>;
  bytesIn: number;
  updatesIn: number;
}

/** One scenario's figures on one tree, for the medians at the end. */
interface RunFigures {
  p50: number;
  p99: number;
  deliveredPercent: number;
  cpuPercent: number;
  cpuMsPer1000: number;
  /** The server's largest resident set during the run, MB. */
  rssMb: number;
}

async function runScenario(s: Scenario, tree: string): Promise<RunFigures> {
  const relay = tree === RELAY;
  const here = resolve(import.meta.dirname, "..");
  const root = relay ? here : tree;
  const benchDir = join(root, "bench");
  const dataDir = mkdtempSync(join(tmpdir(), "chairside-bench-"));
  const server = fork(join(benchDir, relay ? "plainRelayServer.ts" : "benchServer.ts"), [], {
    cwd: root,
    // BENCH_CPU_PROF=dir: the server writes a V8 CPU profile there (node --cpu-prof), to look before guessing.
    execArgv: [
      "--import",
      "tsx",
      ...(process.env.BENCH_CPU_PROF
        ? ["--cpu-prof", `--cpu-prof-dir=${resolve(process.env.BENCH_CPU_PROF)}`]
        : []),
      // BENCH_SERVER_FLAGS="--trace-gc": more Node flags for the server process only.
      ...(process.env.BENCH_SERVER_FLAGS?.split(" ").filter(Boolean) ?? []),
    ],
    env: {
      ...process.env,
      BENCH_ROOMS: String(s.rooms),
      CHAIRSIDE_DATA_DIR: dataDir,
      CHAIRSIDE_POSE_TICK_HZ: String(s.hz),
    },
  });
  const usage: {
    cpuPercent: number;
    rssMb: number;
    at: number;
    relay?: unknown;
    posesDropped?: number;
    recoveryBuffer?: number;
  }[] = [];
  const port = await new Promise<number>((resolve) => {
    server.on(
      "message",
      (m: {
        type: string;
        port: number;
        cpuPercent: number;
        rssMb: number;
        relay?: unknown;
        posesDropped?: number;
        recoveryBuffer?: number;
      }) => {
        if (m.type === "ready") resolve(m.port);
        if (m.type === "usage") usage.push({ ...m, at: Date.now() });
      },
    );
  });
  const all = Array.from({ length: s.rooms }, (_, r) =>
    Array.from({ length: s.perRoom }, (_, i) => ({
      appointmentId: `a${r + 1}`,
      personId: `bench-${r + 1}-${i}`,
    })),
  ).flat();
  const chunks = Array.from({ length: CLIENT_PROCESSES }, (_, k) =>
    all.filter((_, i) => i % CLIENT_PROCESSES === k),
  );
  const measureStart = Date.now() + WARMUP_MS;
  const results = await Promise.all(
    chunks.map(
      (participants) =>
        new Promise<{ latencies: number[]; participants: ParticipantResult[] }>((resolve) => {
          const child = fork(
            join(benchDir, "roomBenchClient.ts"),
            [
              JSON.stringify({
                port,
                dataDir,
                participants,
                hz: s.hz,
                warmupMs: WARMUP_MS,
                measureMs: MEASURE_MS,
              }),
            ],
            { cwd: root, execArgv: ["--import", "tsx"] },
          );
          child.on(
            "message",
            (m: { type: string; latencies: number[]; participants: ParticipantResult[] }) => {
              if (m.type === "result") resolve(m);
            },
          );
        }),
    ),
  );
  const measuredUsage = usage.filter((u) => u.at > measureStart + 1000 && u.at <= measureStart + MEASURE_MS);
  server.send({ type: "stop" });
  await new Promise((r) => server.once("exit", r));
  rmSync(dataDir, { recursive: true, force: true });

  const latencies = results.flatMap((r) => r.latencies);
  const parts = results.flatMap((r) => r.participants);
  // Every other participant should hear every pose sent (not one per server tick): the share of
  // poses sent that arrived, over every (sender, listener) pair in the same room.
  let expected = 0;
  let delivered = 0;
  for (const p of parts) {
    for (const other of parts) {
      if (other.appointmentId !== p.appointmentId || other.slot === p.slot) continue;
      expected += other.sent;
      delivered += Math.min(other.sent, p.received[String(other.slot)] ?? 0);
    }
  }
  const bytes = parts.reduce((a, p) => a + p.bytesIn, 0);
  const updates = parts.reduce((a, p) => a + p.updatesIn, 0);
  const lat = summary(latencies);
  const cpu = measuredUsage.length ? measuredUsage : usage;
  const avgCpu = cpu.reduce((a, u) => a + u.cpuPercent, 0) / Math.max(1, cpu.length);
  const maxRss = Math.max(...usage.map((u) => u.rssMb));
  console.log(
    `\n${s.name} (${s.rooms * s.perRoom} clients in ${CLIENT_PROCESSES} processes, ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s of warm-up) — ${tree}`,
  );
  console.log(
    `  fan-out latency      p50 ${fmt(lat.p50)} ms   p99 ${fmt(lat.p99)} ms   max ${fmt(lat.max)} ms   (${lat.n} samples)`,
  );
  console.log(
    `  delivered of sent    ${fmt((delivered / Math.max(1, expected)) * 100, 2)} %   (${delivered} / ${expected} pose deliveries to every other participant)`,
  );
  console.log(
    `  bytes per pose       ${POSE_BYTES} B encoded, ${BATCH_ENTRY_BYTES} B per batch entry, ${fmt(bytes / Math.max(1, updates))} B on the wire incl. Socket.IO framing`,
  );
  // CPU time per delivery: on a busy machine the clients send less than asked, so CPU % alone
  // compares runs that did different amounts of work.
  const cpuMsPer1000 = ((avgCpu / 100) * MEASURE_MS) / Math.max(1, delivered / 1000);
  console.log(
    `  server               CPU ${fmt(avgCpu)} % of one core (${fmt(cpuMsPer1000)} ms per 1,000 deliveries)   RSS ${fmt(maxRss)} MB`,
  );
  const last = usage.at(-1);
  if (last?.relay)
    console.log(
      `  relay                ${JSON.stringify(last.relay)}, over-rate poses dropped ${last.posesDropped}` +
        (last.recoveryBuffer === undefined
          ? ""
          : `, packets kept for recovery ${Math.max(...usage.map((u) => u.recoveryBuffer ?? 0))} at most`),
    );
  return {
    p50: lat.p50,
    p99: lat.p99,
    deliveredPercent: (delivered / Math.max(1, expected)) * 100,
    cpuPercent: avgCpu,
    cpuMsPer1000,
    rssMb: maxRss,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

console.log(
  `Chairside room benchmark: server and clients in separate processes on loopback (${cpus().length} cores)` +
    (process.env.BENCH_INDEPENDENT === "1"
      ? ", each participant's frames at its own phase"
      : ", each client process sends its participants' frames together"),
);
const figures = new Map<string, RunFigures[]>();
const loads: number[] = [];
for (let round = 0; round < REPEATS; round++) {
  for (const s of SCENARIOS) {
    for (const tree of TREES) {
      loads.push(loadavg()[0]!);
      const key = `${s.short}\t${tree}`;
      figures.set(key, [...(figures.get(key) ?? []), await runScenario(s, tree)]);
    }
  }
}
if (REPEATS > 1 || TREES.length > 1) {
  console.log(
    `\nMedians over ${REPEATS} interleaved round(s); 1-minute load average ${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))} at the runs' starts`,
  );
  console.log("  scenario  p50 ms  p99 ms  delivered %  server CPU %  CPU ms/1k  RSS MB  tree");
  for (const [key, runs] of figures) {
    const [short, tree] = key.split("\t");
    const m = (f: (r: RunFigures) => number) => median(runs.map(f));
    console.log(
      `  ${short!.padEnd(8)}  ${fmt(m((r) => r.p50)).padStart(6)}  ${fmt(m((r) => r.p99)).padStart(6)}  ${fmt(
        m((r) => r.deliveredPercent),
        2,
      ).padStart(
        11,
      )}  ${fmt(m((r) => r.cpuPercent)).padStart(12)}  ${fmt(m((r) => r.cpuMsPer1000)).padStart(9)}  ${fmt(
        m((r) => r.rssMb),
      ).padStart(6)}  ${tree}` +
        `   (p99 each: ${runs.map((r) => fmt(r.p99)).join(", ")}; CPU each: ${runs.map((r) => fmt(r.cpuPercent)).join(", ")})`,
    );
  }
}
