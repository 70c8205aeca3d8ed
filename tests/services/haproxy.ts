/**
 * HAProxy for tests and `start:cluster`: deploy/haproxy.cfg with this machine's ports filled in,
 * run from the Debian package in the foreground, with a stats page a test can read to see which
 * nodes the health check has taken out. `HAPROXY` overrides the binary.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../serverProcess.ts";
import { endProcess } from "./childProcesses.ts";

export const HAPROXY_TEMPLATE = join(import.meta.dirname, "..", "..", "deploy", "haproxy.cfg");

/** deploy/haproxy.cfg with this machine's ports filled in. */
export function haproxyConfig(
  template: string,
  bind: string,
  nodes: readonly { nodeId: string; port: number }[],
): string {
  const servers = nodes.map((n) => `  server ${n.nodeId} 127.0.0.1:${n.port} check`).join("\n");
  const slot = (name: string) => `\${${name}}`;
  return template.replace(slot("BIND"), bind).replace(slot("SERVERS"), servers);
}

export interface HaproxyService {
  readonly url: string;
  readonly process: ChildProcess;
  /** Each node's state as HAProxy's health check sees it: "UP", "DOWN", "UP 1/2"… */
  serverStatesAsync(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startHaproxy(
  nodes: readonly { nodeId: string; port: number }[],
): Promise<HaproxyService> {
  const [port, statsPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), "chairside-haproxy-"));
  const cfg = join(dir, "haproxy.cfg");
  const stats = `\nlisten stats\n  bind 127.0.0.1:${statsPort}\n  stats enable\n  stats uri /stats\n`;
  writeFileSync(
    cfg,
    haproxyConfig(readFileSync(HAPROXY_TEMPLATE, "utf8"), `127.0.0.1:${port}`, nodes) + stats,
  );
  const proc = spawn(process.env.HAPROXY || "/usr/sbin/haproxy", ["-f", cfg, "-db"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  proc.stderr?.on("data", (d: Buffer) => {
    err += String(d);
  });
  const serverStatesAsync = async (): Promise<Record<string, string>> => {
    const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
    const [head, ...rows] = csv.replace(/^# /, "").trim().split("\n");
    const cols = (head ?? "").split(",");
    const at = (name: string) => cols.indexOf(name);
    const states: Record<string, string> = {};
    for (const row of rows.map((r) => r.split(","))) {
      const name = row[at("svname")] ?? "";
      if (row[at("pxname")] === "nodes" && name !== "BACKEND") states[name] = row[at("status")] ?? "";
    }
    return states;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`haproxy exited (${proc.exitCode}):\n${err}`);
    if (await serverStatesAsync().catch(() => null)) break;
    if (Date.now() > deadline) throw new Error(`haproxy did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    process: proc,
    serverStatesAsync,
    stop: () => endProcess(proc).then(() => rmSync(dir, { recursive: true, force: true })),
  };
}
