/**
 * `npm start` runs the server under a supervisor: when the server process dies, a new one answers
 * within 2 s (the documented target; the assertion allows for a loaded CI machine and the figure
 * is printed), the supervisor logs why it died, and SIGTERM still stops everything gracefully.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../harness.ts";

const RESTART_TARGET_MS = 2_000;
const dir = mkdtempSync(join(tmpdir(), "chairside-supervisor-"));
let supervisor: ChildProcess | null = null;

afterAll(() => {
  if (supervisor && supervisor.exitCode === null) supervisor.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}

async function pollUntilAnswers(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await answers(url))) {
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
  }
}

describe("supervisor", () => {
  it("brings the server back after its process is killed, logs why, and stops on SIGTERM", async () => {
    const port = await freePort();
    mkdirSync(join(dir, "client"));
    const lines: Record<string, unknown>[] = [];
    supervisor = spawn(process.execPath, ["--import", "tsx", "server/supervisor.ts"], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        CHAIRSIDE_DATA_DIR: join(dir, "data"),
        CHAIRSIDE_CLIENT_DIR: join(dir, "client"),
        CHAIRSIDE_SIMULATE_SOE: "false",
        CHAIRSIDE_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buffered = "";
    const collect = (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) {
        if (line.startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    };
    supervisor.stdout!.on("data", collect);
    supervisor.stderr!.on("data", collect);
    const exited = new Promise<number | null>((resolve) => supervisor!.once("exit", (code) => resolve(code)));
    const health = `http://127.0.0.1:${port}/healthz`;
    const started = () => lines.filter((l) => l.name === "supervisor" && l.msg === "worker started");

    await pollUntilAnswers(health, 30_000);
    // In service the standby has long been loaded when a crash comes; here, wait for it.
    await waitFor(() => lines.some((l) => l.msg === "standby loaded"), "a warm standby", 30_000);
    const firstPid = started()[0]!.pid as number;
    const killedAt = Date.now();
    process.kill(firstPid, "SIGKILL");
    await waitFor(() => !processAlive(firstPid), "the worker to die");
    await pollUntilAnswers(health, 20_000);
    const downtimeMs = Date.now() - killedAt;
    console.log(
      `supervisor: server answered again ${downtimeMs} ms after SIGKILL (target ${RESTART_TARGET_MS} ms)`,
    );

    expect(lines.some((l) => l.msg === "worker died" && l.pid === firstPid && l.signal === "SIGKILL")).toBe(
      true,
    );
    expect(started().length).toBe(2);
    // The target is 2 s; a loaded 2-core CI box gets twice that before this fails.
    expect(downtimeMs).toBeLessThan(2 * RESTART_TARGET_MS);

    const secondPid = started()[1]!.pid as number;
    supervisor.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(processAlive(secondPid)).toBe(false);
    expect(lines.some((l) => l.msg === "worker stopped")).toBe(true);
  }, 90_000);
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
