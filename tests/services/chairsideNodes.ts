/**
 * Chairside nodes as child processes for multi-node tests and bench:scale: `server/main.ts` with
 * CHAIRSIDE_REDIS_URL and a node id, on its own port, all on one data folder (the signing secret)
 * and one database (CHAIRSIDE_DATABASE_URL when given, else the folder's SQLite file, which several
 * processes on one machine share safely). Each node's JSON log lines are kept, so a test can see
 * when a node gave a room up and when another took it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { endProcess } from "./childProcesses.ts";

export interface LogLine {
  t: string;
  level: string;
  name: string;
  msg: string;
  [field: string]: unknown;
}

export interface ChairsideNode {
  readonly nodeId: string;
  readonly port: number;
  readonly url: string;
  readonly logs: LogLine[];
  /** What the node wrote to stderr that is not a log line (a crash's stack), for a failing test's message. */
  readonly stderr: string[];
  readonly proc: ChildProcess;
  /** First log line with this message (and these fields), if any. */
  find(msg: string, fields?: Record<string, unknown>): LogLine | undefined;
  kill(signal: "SIGKILL" | "SIGTERM"): Promise<void>;
}

export interface NodeOptions {
  nodeId: string;
  redisUrl: string;
  dataDir: string;
  databaseUrl?: string;
  leaseMs?: number;
  env?: Record<string, string>;
  /** The node's entry file, by default server/main.ts (bench:scale starts bench/scaleNode.ts, with its bench clinic). */
  entry?: string;
}

export async function startNode(opts: NodeOptions): Promise<ChairsideNode> {
  // Port 0: the node takes a free port as it listens and logs it. A port picked here and handed on
  // could be taken meanwhile (by any outgoing connection's ephemeral port) and fail the start.
  const proc = spawn(process.execPath, ["--import", "tsx", opts.entry ?? "server/main.ts"], {
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      CHAIRSIDE_DATA_DIR: opts.dataDir,
      CHAIRSIDE_SIMULATE_SOE: "false",
      CHAIRSIDE_LOG_LEVEL: "info",
      CHAIRSIDE_REDIS_URL: opts.redisUrl,
      CHAIRSIDE_NODE_ID: opts.nodeId,
      ...(opts.leaseMs ? { CHAIRSIDE_ROOM_LEASE_MS: String(opts.leaseMs) } : {}),
      ...(opts.databaseUrl ? { CHAIRSIDE_DATABASE_URL: opts.databaseUrl } : {}),
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  let text = "";
  const take = (chunk: Buffer, keep: boolean) => {
    const lines = (text + String(chunk)).split("\n");
    text = keep ? (lines.pop() ?? "") : "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // a banner line, not a log line
      }
    }
  };
  // The banner names the origin the node listens on (at any log level: a bench's nodes log warnings only).
  let origin: string | null = null;
  let early = "";
  let errText = "";
  proc.stdout?.on("data", (d: Buffer) => {
    if (origin === null) {
      early += String(d);
      origin = /Chairside is running at (https?:\/\/[^/\s]+)\//.exec(early)?.[1] ?? null;
    }
    take(d, true);
  });
  // Always drained: a full pipe would stall the node.
  proc.stderr?.on("data", (d: Buffer) => {
    errText += String(d);
    for (const line of errText.split("\n").slice(0, -1)) {
      if (!line.startsWith("{")) {
        if (line.trim() !== "" && stderr.length < 200) stderr.push(line);
        continue;
      }
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not JSON
      }
    }
    errText = errText.slice(errText.lastIndexOf("\n") + 1);
  });
  // A busy machine starts a node slowly (tsx compiles the server on each start).
  const deadline = Date.now() + 120_000;
  while (origin === null) {
    if (proc.exitCode !== null) {
      const why = [
        ...stderr.slice(-12),
        ...logs.filter((l) => l.level === "error").map((l) => JSON.stringify(l)),
      ];
      throw new Error(`node ${opts.nodeId} exited (${proc.exitCode}) on start:\n${why.join("\n")}`);
    }
    if (Date.now() > deadline) throw new Error(`node ${opts.nodeId} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = Number(new URL(origin).port);
  return {
    nodeId: opts.nodeId,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    stderr,
    proc,
    find: (msg, fields = {}) =>
      logs.find((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v)),
    kill: (signal) => endProcess(proc, signal),
  };
}
