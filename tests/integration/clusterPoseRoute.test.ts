/**
 * Pose batches leave a node only when someone elsewhere needs them (server/cluster/broadcastRoute.ts),
 * on two real nodes and real Redis: while everyone in a room is on its owner, the people get each
 * other's poses and the Socket.IO Redis stream does not grow with them; once a member joins from
 * the other node, the room's batches go through the stream and that member gets them too.
 */
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePose } from "../../shared/poseCodec.ts";
import { Ev } from "../../shared/protocol.ts";
import { type ClusterFixture, startCluster } from "../clusterNodes.ts";
import { type TestClient, waitFor } from "../harness.ts";
import type { ChairsideNode } from "../services/chairsideNodes.ts";

/** The stream the nodes' adapter writes every broadcast to (ClusterNode.useAdapter). */
const STREAM = "chairside:socket.io";

let cluster: ClusterFixture;
let a: ChairsideNode;
let b: ChairsideNode;
let redis: ReturnType<typeof createClient>;

beforeAll(async () => {
  cluster = await startCluster({ postgres: false, prefix: "chairside-pose-route-" });
  [a, b] = await Promise.all([cluster.node("a"), cluster.node("b")]);
  redis = createClient({ url: cluster.redis.url });
  await redis.connect();
}, 180_000);

afterAll(async () => {
  await redis?.close();
  await cluster?.stop();
});

const pose = (x: number) =>
  encodePose({ head: { p: { x, y: 1.2, z: 0 }, q: { x: 0, y: 0, z: 0, w: 1 } }, left: null, right: null });

/** Each sender sends a pose every 33 ms until `until` holds (or 20 s pass). */
async function posesUntil(senders: TestClient[], until: () => boolean, what: string): Promise<void> {
  const timer = setInterval(() => {
    for (const [k, s] of senders.entries()) s.socket.emit(Ev.pose, pose(k * 0.3));
  }, 33);
  try {
    await waitFor(until, what, 20_000);
  } finally {
    clearInterval(timer);
  }
}

describe("pose batches across nodes", () => {
  it("stay on the owner while the whole room is there, and take the stream once a member is elsewhere", async () => {
    const ray = cluster.member(a.url, "clinician");
    const noah = cluster.member(a.url, "assistant");
    await Promise.all([ray.welcomedAsync("clinician"), noah.welcomedAsync("assistant")]);
    await waitFor(() => a.find("room taken", { roomId: "room-julian" }) !== undefined, "A owns the room");

    const streamBefore = await redis.xLen(STREAM);
    const [rayBefore, noahBefore] = [ray.poseBatches.length, noah.poseBatches.length];
    await posesUntil(
      [ray, noah],
      () => ray.poseBatches.length >= rayBefore + 40 && noah.poseBatches.length >= noahBefore + 40,
      "40 pose batches each, on A",
    );
    const localGrowth = (await redis.xLen(STREAM)) - streamBefore;
    // The adapter's own heartbeats (one per node every 5 s) are all the stream took.
    expect(localGrowth).toBeLessThan(10);

    // Julian joins from B: the room's batches now go through the stream, and reach him.
    const julian = cluster.member(b.url, "patient");
    await julian.welcomedAsync("patient");
    expect(b.find("remote member connected", { owner: "a" })).toBeDefined();
    // The room's poses follow his welcome through the stream; count from after they arrive, or
    // they would be counted on his side but not the stream's.
    await waitFor(() => julian.poseBatches.length > 0, "the room's poses after his welcome");
    const crossBefore = await redis.xLen(STREAM);
    const julianBefore = julian.poseBatches.length;
    await posesUntil(
      [ray, noah],
      () => julian.poseBatches.length >= julianBefore + 40,
      "40 pose batches on B",
    );
    // Every batch he got crossed the stream, bar one: the room's keyframe (one a second) may have
    // been written before `crossBefore` and read on B after `julianBefore`.
    expect((await redis.xLen(STREAM)) - crossBefore).toBeGreaterThanOrEqual(39);
    for (const c of [ray, noah, julian]) c.close();
  }, 90_000);
});
