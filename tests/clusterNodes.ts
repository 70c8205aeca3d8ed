/**
 * One multi-node test's setup and teardown in one place: a throw-away Redis, PostgreSQL when the
 * test wants it (else the data folder's shared SQLite file), a data folder with the signing secret
 * every node shares, demo passes for the seed clinic, and everything a test starts on top (nodes,
 * TCP links that play the balancer or a network cut, room clients) stopped in `stop()`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DemoPasses } from "../server/auth/demoPass.ts";
import { seedClinic } from "../server/clinic.ts";
import { loadOrCreateSecret } from "../server/tokens.ts";
import { PROTOCOL_VERSION } from "../shared/protocol.ts";
import type { InviteRole } from "../shared/roles.ts";
import { TestClient } from "./harness.ts";
import { type ChairsideNode, type NodeOptions, startNode } from "./services/chairsideNodes.ts";
import { type PostgresService, startPostgres } from "./services/postgres.ts";
import { cuttableLink, type RedisService, startRedis } from "./services/redis.ts";
import { type TcpLink, tcpLink } from "./services/tcpLink.ts";

export interface ClusterFixture {
  readonly redis: RedisService;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** The secret every node signs with (device keys derive from it). */
  readonly secret: Buffer;
  readonly passes: DemoPasses;
  readonly nodes: ChairsideNode[];
  /** A node on this fixture's Redis and database; `redisUrl` routes it through a cuttable link. */
  node(nodeId: string, opts?: Partial<Omit<NodeOptions, "nodeId" | "dataDir">>): Promise<ChairsideNode>;
  /** A link to a port that a test can retarget (a balancer) or cut (a partition). */
  link(port: number): Promise<TcpLink>;
  /** A link to this fixture's Redis that a test can cut and mend. */
  redisLink(): Promise<TcpLink>;
  /** A person in an appointment's room through a demo pass. */
  member(url: string, role: InviteRole, appointmentId?: string): TestClient;
  /** Everything above, stopped; nodes with SIGKILL unless they already ended. */
  stop(): Promise<void>;
}

export async function startCluster(opts: { postgres: boolean; prefix?: string }): Promise<ClusterFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), opts.prefix ?? "chairside-cluster-"));
  let postgres: PostgresService | null = null;
  let redis: RedisService;
  if (opts.postgres) [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  else redis = await startRedis();
  const databaseUrl = postgres ? await postgres.createDatabase("chairside") : undefined;
  const secret = loadOrCreateSecret(dataDir);
  const passes = new DemoPasses(secret, seedClinic(), 12, Date.now);
  const nodes: ChairsideNode[] = [];
  const links: TcpLink[] = [];
  const clients: TestClient[] = [];
  return {
    redis,
    databaseUrl,
    dataDir,
    secret,
    passes,
    nodes,
    async node(nodeId, more = {}) {
      const node = await startNode({
        redisUrl: redis.url,
        ...(databaseUrl ? { databaseUrl } : {}),
        ...more,
        nodeId,
        dataDir,
      });
      nodes.push(node);
      return node;
    },
    async link(port) {
      const link = await tcpLink(port);
      links.push(link);
      return link;
    },
    async redisLink() {
      const link = await cuttableLink(redis);
      links.push(link);
      return link;
    },
    member(url, role, appointmentId = "julian") {
      const minted = passes.mint(appointmentId, role);
      if (!minted) throw new Error(`no demo pass for ${role} in ${appointmentId}`);
      const client = new TestClient(url, {
        protocolVersion: PROTOCOL_VERSION,
        appointmentId,
        pass: minted.pass,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((n) => n.kill("SIGKILL")));
      await Promise.all(links.map((l) => l.close()));
      await redis.stop();
      await postgres?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
