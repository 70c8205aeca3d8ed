import { describe, expect, it } from "vitest";
import { ConfigError } from "../config.ts";
import { clusterConfigFromEnv } from "./clusterConfig.ts";

describe("cluster configuration", () => {
  it("is off without CHAIRSIDE_REDIS_URL", () => {
    expect(clusterConfigFromEnv({})).toBeNull();
    expect(clusterConfigFromEnv({ CHAIRSIDE_REDIS_URL: "" })).toBeNull();
  });

  it("reads the Redis URL, node id and lease", () => {
    expect(
      clusterConfigFromEnv({
        CHAIRSIDE_REDIS_URL: "redis://10.0.0.5:6379",
        CHAIRSIDE_NODE_ID: "chair-a",
        CHAIRSIDE_ROOM_LEASE_MS: "2000",
      }),
    ).toEqual({ redisUrl: "redis://10.0.0.5:6379", nodeId: "chair-a", leaseMs: 2000 });
    expect(clusterConfigFromEnv({ CHAIRSIDE_REDIS_URL: "redis://r" })?.leaseMs).toBe(3000);
  });

  it("refuses wrong values with a clear message", () => {
    expect(() => clusterConfigFromEnv({ CHAIRSIDE_REDIS_URL: "http://r" })).toThrow(ConfigError);
    expect(() =>
      clusterConfigFromEnv({ CHAIRSIDE_REDIS_URL: "redis://r", CHAIRSIDE_NODE_ID: "a b" }),
    ).toThrow(/NODE_ID/);
    expect(() =>
      clusterConfigFromEnv({ CHAIRSIDE_REDIS_URL: "redis://r", CHAIRSIDE_ROOM_LEASE_MS: "100" }),
    ).toThrow(/LEASE_MS/);
  });
});
