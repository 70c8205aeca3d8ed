/**
 * The real server as a child process (`server/main.ts`), for tests that stop it the hard ways:
 * SIGTERM (a graceful restart) and SIGKILL (a crash), then start it again on the same port and
 * data folder while the browser pages stay open.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, startServerProcess } from "../serverProcess.ts";

export class ServerProcess {
  readonly dataDir = mkdtempSync(join(tmpdir(), "chairside-e2e-restart-"));
  /** Everything the server wrote to stderr, for failure messages. */
  readonly stderr: string[] = [];
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async startAsync(): Promise<ServerProcess> {
    if (!existsSync(resolve("dist", "room.html")))
      throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
    const server = new ServerProcess(await freePort());
    await server.startAgainAsync();
    return server;
  }

  get origin(): string {
    return `http://localhost:${this.port}`;
  }

  /** Starts the server (again) on the same port and data folder; resolves once it listens. */
  async startAgainAsync(): Promise<void> {
    if (this.child) throw new Error("the server is already running");
    this.child = await startServerProcess(this.port, this.dataDir, this.stderr, {
      startLimitMs: 60_000,
      env: { CHAIRSIDE_CLIENT_DIR: resolve("dist") },
    });
  }

  /** Sends `signal` and resolves when the process has exited. */
  async stopAsync(signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    const proc = this.child;
    if (!proc) return;
    this.child = null;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((done) => proc.once("exit", done));
    proc.kill(signal);
    await exited;
  }

  async disposeAsync(): Promise<void> {
    await this.stopAsync("SIGKILL");
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
