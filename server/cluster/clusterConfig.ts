/**
 * Whether this server is one node of several, from the environment: CHAIRSIDE_REDIS_URL turns it
 * on (the nodes share Socket.IO traffic and room leases through that Redis), CHAIRSIDE_NODE_ID names
 * the node (default: host name and process id), CHAIRSIDE_ROOM_LEASE_MS sets how long a room's lease
 * lives without renewal (failover takes about that long).
 */
import { hostname } from "node:os";
import { ConfigError } from "../config.ts";

export interface ClusterConfig {
  readonly redisUrl: string;
  readonly nodeId: string;
  readonly leaseMs: number;
}

export function clusterConfigFromEnv(env: NodeJS.ProcessEnv): ClusterConfig | null {
  const redisUrl = env.CHAIRSIDE_REDIS_URL ?? "";
  if (redisUrl === "") return null;
  if (!URL.canParse(redisUrl) || !["redis:", "rediss:"].includes(new URL(redisUrl).protocol)) {
    throw new ConfigError(`CHAIRSIDE_REDIS_URL must be a redis:// or rediss:// URL, got "${redisUrl}"`);
  }
  const nodeId = env.CHAIRSIDE_NODE_ID || `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) {
    throw new ConfigError("CHAIRSIDE_NODE_ID may hold letters, digits, dots, dashes and underscores");
  }
  const rawLease = env.CHAIRSIDE_ROOM_LEASE_MS ?? "";
  const leaseMs = rawLease === "" ? 3000 : Number(rawLease);
  if (!Number.isInteger(leaseMs) || leaseMs < 600 || leaseMs > 60_000) {
    throw new ConfigError(
      `CHAIRSIDE_ROOM_LEASE_MS must be a whole number from 600 to 60000, got "${rawLease}"`,
    );
  }
  return { redisUrl, nodeId, leaseMs };
}
