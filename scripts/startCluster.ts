/**
 * `npm run start:cluster`: Chairside as a small cluster on this machine, from the Debian packages
 * and throw-away data folders: PostgreSQL and Redis on free ports, 3 nodes on one database and one
 * Redis, HAProxy in front (deploy/haproxy.cfg) on PORT (default 8080). It prints the one URL to
 * open. Ctrl-C stops everything and deletes the data. The SOE simulator runs on the first node only
 * (its devices' batches reach each room's owner wherever that is).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChairsideNode, startNode } from "../tests/services/chairsideNodes.ts";
import { HAPROXY_TEMPLATE, haproxyConfig } from "../tests/services/haproxy.ts";
import { startPostgres } from "../tests/services/postgres.ts";
import { startRedis } from "../tests/services/redis.ts";

const NODES = ["node-1", "node-2", "node-3"];

async function main(): Promise<void> {
  const port = Number(process.env.PORT || 8080);
  const publicUrl = `http://localhost:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), "chairside-cluster-"));
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say("Starting PostgreSQL and Redis…");
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const databaseUrl = await postgres.createDatabase("chairside");
  const nodes: ChairsideNode[] = [];
  let haproxy: ChildProcess | null = null;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say("Stopping the cluster…");
    haproxy?.kill("SIGTERM");
    await Promise.all(nodes.map((n) => n.kill("SIGTERM")));
    await Promise.all([redis.stop(), postgres.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  try {
    for (const [i, nodeId] of NODES.entries()) {
      say(`Starting ${nodeId}…`);
      nodes.push(
        await startNode({
          nodeId,
          redisUrl: redis.url,
          dataDir,
          databaseUrl,
          env: {
            CHAIRSIDE_SIMULATE_SOE: i === 0 ? "true" : "false",
            CHAIRSIDE_LOG_LEVEL: "warn",
            CHAIRSIDE_ALLOWED_ORIGINS: `${publicUrl},http://127.0.0.1:${port}`,
          },
        }),
      );
    }
    const cfg = join(dataDir, "haproxy.cfg");
    const template = readFileSync(HAPROXY_TEMPLATE, "utf8");
    writeFileSync(cfg, haproxyConfig(template, `127.0.0.1:${port}`, nodes));
    haproxy = spawn(process.env.HAPROXY || "/usr/sbin/haproxy", ["-f", cfg, "-db"], { stdio: "inherit" });
    haproxy.once("exit", (code) => {
      if (!stopping) {
        say(`HAProxy stopped (${code}); stopping the cluster.`);
        void stop();
      }
    });
  } catch (error) {
    say(`The cluster did not start: ${error instanceof Error ? error.message : String(error)}`);
    await stop();
    return;
  }
  say("");
  say(`Chairside cluster is running: open ${publicUrl}/`);
  say(`  nodes ${nodes.map((n) => `${n.nodeId} ${n.url}`).join(", ")}`);
  say(`  PostgreSQL ${postgres.url.replace(/\/[^/]*$/, "/chairside")}, Redis ${redis.url}`);
  say("  Ctrl-C stops it and deletes its data.");
}

void main();
