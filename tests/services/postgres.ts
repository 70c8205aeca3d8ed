/**
 * A throw-away PostgreSQL server for tests, benchmarks and `start:cluster`: `initdb` into a fresh
 * temporary folder, `postgres` on a free loopback port, and on `stop()` a fast shutdown and the
 * folder deleted. The Debian binaries live under /usr/lib/postgresql/<version>/bin (newest wins;
 * `CHAIRSIDE_PG_BIN` overrides). PostgreSQL refuses to run as root, so under root the server runs
 * as the `postgres` system user the Debian package creates. Durability is switched off (fsync,
 * synchronous_commit, full_page_writes): these data never outlive the process that made them.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** A running throw-away PostgreSQL server. */
export interface PostgresService {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: the maintenance database. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Creates an empty database (name made safe and unique) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** The server's log so far (stderr), for a failing test's message. */
  log(): string;
  /** Fast shutdown, then the data folder is deleted. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Extra `-c name=value` server settings, e.g. `{ max_connections: "200" }`. */
  readonly settings?: Readonly<Record<string, string>>;
  /** How long to wait for "ready to accept connections" (ms). */
  readonly startTimeoutMs?: number;
}

/** The folder holding initdb/postgres: `CHAIRSIDE_PG_BIN`, else the newest Debian version. */
export function postgresBinDir(): string {
  const fromEnv = process.env.CHAIRSIDE_PG_BIN;
  if (fromEnv) return fromEnv;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      "PostgreSQL not found under /usr/lib/postgresql/*/bin (apt-get install postgresql, or set CHAIRSIDE_PG_BIN)",
    );
  }
  return join(root, newest, "bin");
}

/** Whether a PostgreSQL server binary is installed here. */
export function postgresAvailable(): boolean {
  try {
    postgresBinDir();
    return true;
  } catch {
    return false;
  }
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Under root: the `postgres` user's ids; otherwise undefined (run as ourselves). */
function serverIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A crashed test run must not leave servers behind: SIGQUIT (immediate shutdown) on exit. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const proc of running) proc.kill("SIGQUIT");
  });
}

let databaseCounter = 0;

/** Starts a throw-away PostgreSQL server and resolves once it accepts connections. */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresService> {
  const bin = postgresBinDir();
  const identity = serverIdentity();
  const dataDir = mkdtempSync(join(tmpdir(), "chairside-pg-"));
  if (identity) chownSync(dataDir, identity.uid, identity.gid);
  const cluster = join(dataDir, "data");
  const asServerUser = identity ? { uid: identity.uid, gid: identity.gid } : {};

  execFileSync(
    join(bin, "initdb"),
    ["-D", cluster, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"],
    { ...asServerUser, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } },
  );

  const port = await freeLoopbackPort();
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    port: String(port),
    unix_socket_directories: dataDir,
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "200",
    ...options.settings,
  };
  const args = ["-D", cluster];
  for (const [name, value] of Object.entries(settings)) args.push("-c", `${name}=${value}`);
  const proc = spawn(join(bin, "postgres"), args, {
    ...asServerUser,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LC_ALL: "C" },
  });
  running.add(proc);
  installExitHook();

  let log = "";
  let exited = false;
  const onOutput = (d: Buffer): void => {
    log += String(d);
  };
  // Always drain both pipes: a full pipe would stall the server.
  proc.stdout?.on("data", onOutput);
  proc.stderr?.on("data", onOutput);
  const exit = new Promise<void>((resolve) => {
    proc.once("exit", () => {
      exited = true;
      running.delete(proc);
      resolve();
    });
  });

  const until = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!log.includes("ready to accept connections")) {
    if (exited || Date.now() > until) {
      proc.kill("SIGQUIT");
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`PostgreSQL did not start on port ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    port,
    dataDir,
    log: () => log,
    async createDatabase(name = "chairside"): Promise<string> {
      databaseCounter += 1;
      const safe = `${name.toLowerCase().replace(/[^a-z0-9_]/g, "_")}_${process.pid}_${databaseCounter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${safe}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${safe}`;
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      if (!exited) {
        // SIGINT = "fast" shutdown: disconnects clients, no checkpoint wait worth speaking of.
        proc.kill("SIGINT");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
