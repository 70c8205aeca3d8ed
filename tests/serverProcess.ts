/**
 * The real server (`server/main.ts`) as a child process on a given port and data folder, for tests
 * that kill it with SIGKILL or stop it with SIGTERM and start it again on the same folder.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { waitFor } from "./harness.ts";

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** How a test starts the child server. */
export interface ServerProcessOptions {
  /**
   * How long the start may take (default 20 s). On a loaded 2-core machine tsx alone takes 20 s;
   * a test that starts the server more than once may give it a minute.
   */
  startLimitMs?: number;
  /** More settings for the server (e.g. CHAIRSIDE_CLIENT_DIR for a browser test). */
  env?: Record<string, string>;
}

/**
 * Starts the server without its SOE simulator and resolves once it says it is running (rejects,
 * with the end of its stderr, when it exits first). What it writes to stderr is appended to `errors`.
 */
export async function startServerProcess(
  port: number,
  dataDir: string,
  errors: string[],
  opts: ServerProcessOptions = {},
): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      CHAIRSIDE_DATA_DIR: dataDir,
      CHAIRSIDE_SIMULATE_SOE: "false",
      CHAIRSIDE_LOG_LEVEL: "warn",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let exited = false;
  proc.stdout?.on("data", (d) => {
    out += String(d);
  });
  // Always drain stderr: pipe writes are synchronous on Linux, so a full pipe would stall the server.
  proc.stderr?.on("data", (d) => {
    errors.push(String(d));
  });
  proc.once("exit", () => {
    exited = true;
  });
  try {
    await waitFor(
      () => out.includes("Chairside is running") || exited,
      "server start",
      opts.startLimitMs ?? 20_000,
    );
  } catch (error) {
    // Not left running behind a failed test.
    proc.kill("SIGKILL");
    throw error;
  }
  if (exited) throw new Error(`the server process exited at start: ${errors.join("").slice(-1500)}`);
  return proc;
}
