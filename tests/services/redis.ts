/**
 * A throw-away Redis server for tests, benchmarks and `start:cluster`: the Debian `redis-server` on
 * a free loopback port, in a fresh temporary folder, with persistence off; `stop()` ends it and
 * deletes the folder. `REDIS_SERVER` overrides the binary.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endProcess } from "./childProcesses.ts";
import { type TcpLink, tcpLink } from "./tcpLink.ts";

export interface RedisService {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** What the server wrote so far, for a failing test's message. */
  log(): string;
  /** Ends the server and deletes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis(startTimeoutMs = 10_000): Promise<RedisService> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "chairside-redis-"));
  const binary = process.env.REDIS_SERVER || "redis-server";
  const proc: ChildProcess = spawn(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  proc.stdout?.on("data", (d) => {
    out += String(d);
  });
  proc.stderr?.on("data", (d) => {
    out += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), startTimeoutMs);
    const check = () => {
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on("data", check);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}):\n${out}`));
    });
    proc.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  let stopped: Promise<void> | null = null;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    log: () => out,
    stop() {
      stopped ??= endProcess(proc).then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

/** A link to Redis that a test can cut and mend (./tcpLink.ts), for one node's partition. */
export async function cuttableLink(target: RedisService): Promise<TcpLink> {
  return tcpLink(target.port, "redis");
}
