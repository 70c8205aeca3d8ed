/** Starts ./childServer.ts as a child process and talks to it over IPC. */
import { type ChildProcess, fork } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface ChildStats {
  people: Record<string, number>;
  devices: Record<string, number>;
  parser: { rejected: number; protocolViolations: number; strayAcks: number };
  rss: number;
  /** JS heap in use plus memory outside it (buffers), after a full GC. */
  live: number;
}

export interface ChildServer {
  origin: string;
  /** Demo passes by "appointmentId/role" (demo-clinic appointments). */
  tokens: Record<string, string>;
  /** Device keys by device id. */
  devices: Record<string, string>;
  child: ChildProcess;
  /** Set once the process has exited (code or signal), for "is it alive" assertions. */
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  statsAsync(): Promise<ChildStats>;
  stopAsync(): Promise<void>;
}

export async function startChildServer(env: Record<string, string> = {}): Promise<ChildServer> {
  const child = fork(fileURLToPath(new URL("./childServer.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx", "--expose-gc"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const server = {
    child,
    exited: null as ChildServer["exited"],
  };
  child.on("exit", (code, signal) => {
    server.exited = { code, signal };
  });
  const ready = await new Promise<{
    origin: string;
    dataDir: string;
    tokens: Record<string, string>;
    devices: Record<string, string>;
  }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`child server exited with ${code} before it was ready`)));
    child.on("message", (m: { type?: string }) => {
      if (m.type === "ready") resolve(m as never);
    });
  });
  return Object.assign(server, {
    origin: ready.origin,
    tokens: ready.tokens,
    devices: ready.devices,
    statsAsync(): Promise<ChildStats> {
      return new Promise((resolve, reject) => {
        if (server.exited) return reject(new Error("the server process has exited"));
        const onMessage = (m: { type?: string }) => {
          if (m.type !== "stats") return;
          child.off("message", onMessage);
          resolve(m as unknown as ChildStats);
        };
        child.on("message", onMessage);
        child.send("stats");
      });
    },
    async stopAsync(): Promise<void> {
      if (!server.exited) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        await gone;
      }
      rmSync(ready.dataDir, { recursive: true, force: true });
    },
  });
}
