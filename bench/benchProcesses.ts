/**
 * Process plumbing shared by the newer benchmarks: the server under test in its own process
 * (bench/benchServer.ts) and simulated clients in others, talking to the bench over IPC.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clinic, syntheticClinic } from "../server/clinic.ts";
import type { ServerProbe } from "./benchServer.ts";

export interface ServerUsage {
  cpuPercent: number;
  rssMb: number;
  readings: number;
  at: number;
}

export interface BenchServer {
  port: number;
  dataDir: string;
  /** One entry a second: CPU and RSS of the server process. */
  usage: ServerUsage[];
  /** Event-loop delay since the previous probe, memory, database size. */
  probeAsync(): Promise<ServerProbe>;
  stopAsync(): Promise<void>;
}

export async function startBenchServerAsync(opts: {
  env: Record<string, string>;
  /** Extra Node flags for the server process, e.g. --expose-gc or --cpu-prof. */
  nodeFlags?: string[];
}): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "chairside-bench-"));
  const child = fork(join(import.meta.dirname, "benchServer.ts"), [], {
    execArgv: [...(opts.nodeFlags ?? []), "--import", "tsx"],
    env: { ...process.env, ...opts.env, CHAIRSIDE_DATA_DIR: dataDir },
  });
  const usage: ServerUsage[] = [];
  const probes: ((p: ServerProbe) => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench server exited early (code ${code})`)));
    child.on(
      "message",
      (m: { type: "ready"; port: number } | ({ type: "usage" } & ServerUsage) | ServerProbe) => {
        if (m.type === "ready") resolve(m.port);
        if (m.type === "usage") usage.push({ ...m, at: Date.now() });
        if (m.type === "probe") probes.shift()?.(m);
      },
    );
  });
  return {
    port,
    dataDir,
    usage,
    probeAsync() {
      return new Promise((resolve) => {
        probes.push(resolve);
        child.send({ type: "probe" });
      });
    },
    async stopAsync() {
      child.removeAllListeners("exit");
      const exited = new Promise((r) => child.once("exit", r));
      child.send({ type: "stop" });
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts a client process of the benchmark with its job as the only argument. */
export function forkClient(file: string, job: unknown): ChildProcess {
  return fork(join(import.meta.dirname, file), [JSON.stringify(job)], { execArgv: ["--import", "tsx"] });
}

/** The next IPC message of a type from a child process; rejects if the process ends first. */
export function nextMessageAsync<T extends { type: string }>(
  child: ChildProcess,
  type: T["type"],
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T) => {
      if (m.type !== type) return;
      child.off("message", onMessage);
      child.off("close", onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => {
      child.off("message", onMessage);
      reject(new Error(`${child.spawnfile} ended (code ${code}) before sending "${type}"`));
    };
    child.on("message", onMessage);
    // "close", not "exit": by then every message the child sent has been delivered.
    child.once("close", onExit);
  });
}

/**
 * A clinic of `rooms` generated appointments a1..aN (the real clinic's, so people come in with
 * bench credentials), each patient with `devicesPerPatient` SOEs: a heart-rate wearable and then
 * tooth sensors at 36, 16, 26, 46 as far as the count allows.
 */
export function scaleClinic(rooms: number, devicesPerPatient: number): Clinic {
  return syntheticClinic({
    patientIds: Array.from({ length: rooms }, (_, i) => `a${i + 1}`),
    teeth: [36, 16, 26, 46].slice(0, Math.max(0, devicesPerPatient - 1)),
    planId: "sensor-check-36",
  });
}
