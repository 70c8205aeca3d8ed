/**
 * A node cut off Redis must not pass the balancer's health check (issue 11): it is alive but can
 * serve no room. Two real nodes behind the real HAProxy running deploy/haproxy.cfg: when node A
 * loses Redis its `/readyz` says 503 (its `/healthz` still 200), HAProxy's own check marks A down,
 * a patient connecting through HAProxy is served by B, and when Redis is back A is ready and up
 * again. If the config checked a route that stays 200, A would stay up and this test would fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterFixture, startCluster } from "../clusterNodes.ts";
import type { ChairsideNode } from "../services/chairsideNodes.ts";
import { type HaproxyService, startHaproxy } from "../services/haproxy.ts";

let cluster: ClusterFixture;
let haproxy: HaproxyService | null = null;

beforeAll(async () => {
  cluster = await startCluster({ postgres: false, prefix: "chairside-ready-" });
}, 60_000);

afterAll(async () => {
  await haproxy?.stop();
  await cluster?.stop();
});

async function readyz(node: ChairsideNode): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${node.url}/readyz`);
  return { status: res.status, body: await res.json() };
}

describe("a node cut off Redis", () => {
  it("fails /readyz, so HAProxy sends its clients to another node, and recovers when Redis is back", async () => {
    const aToRedis = await cluster.redisLink();
    const [a, b] = await Promise.all([cluster.node("a", { redisUrl: aToRedis.url }), cluster.node("b")]);
    haproxy = await startHaproxy([a, b]);
    const states = haproxy.serverStatesAsync;
    await expect.poll(states, { timeout: 15_000 }).toEqual({ a: "UP", b: "UP" });
    expect(await readyz(a)).toEqual({ status: 200, body: { ready: true } });

    aToRedis.cut();
    await expect
      .poll(() => readyz(a), { timeout: 10_000 })
      .toEqual({ status: 503, body: { ready: false, reason: expect.stringMatching(/Redis/) } });
    // Alive, only not ready: a process supervisor must not restart it for this.
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
    expect((await readyz(b)).status).toBe(200);
    await expect
      .poll(states, { timeout: 15_000 })
      .toMatchObject({ a: expect.stringMatching(/^DOWN/), b: "UP" });

    // A patient arriving through the balancer now lands on B, which takes the room.
    const julian = cluster.member(haproxy.url, "patient");
    await julian.welcomedAsync("patient");
    expect(b.find("room taken", { roomId: "room-julian" })).toBeDefined();
    expect(a.find("room taken", { roomId: "room-julian" })).toBeUndefined();

    aToRedis.mend();
    await expect.poll(() => readyz(a), { timeout: 15_000 }).toEqual({ status: 200, body: { ready: true } });
    await expect.poll(states, { timeout: 15_000 }).toEqual({ a: "UP", b: "UP" });
    expect(a.find("node not ready: the balancer sends its clients elsewhere")).toBeDefined();
    expect(a.find("node ready again: Redis answers")).toBeDefined();
  }, 120_000);
});
