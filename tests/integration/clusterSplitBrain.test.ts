/**
 * Split brain (issue 11): the node that owns a room is cut off Redis. It must stop acting as the
 * room's owner before any other node can take the room, the other node takes it only after that,
 * with a larger fencing number, and no event is applied twice: the room's stored event log has
 * every sequence number once and the patient's stop, given once, is in the history once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPgStorage } from "../../server/storage/pgStorage.ts";
import { Ev } from "../../shared/protocol.ts";
import type { InviteRole } from "../../shared/roles.ts";
import { type ClusterFixture, startCluster } from "../clusterNodes.ts";
import { type TestClient, waitFor } from "../harness.ts";
import type { ChairsideNode } from "../services/chairsideNodes.ts";
import type { TcpLink } from "../services/tcpLink.ts";

let cluster: ClusterFixture;
let aToRedis: TcpLink;
let a: ChairsideNode;
let b: ChairsideNode;

// The nodes start before the test's clock: on a loaded machine two starts take most of a minute.
beforeAll(async () => {
  cluster = await startCluster({ postgres: true, prefix: "chairside-split-" });
  aToRedis = await cluster.redisLink();
  [a, b] = await Promise.all([cluster.node("a", { redisUrl: aToRedis.url }), cluster.node("b")]);
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

function member(url: string, role: InviteRole): TestClient {
  const client = cluster.member(url, role);
  client.socket.on(Ev.welcome, () => welcomes.set(client, (welcomes.get(client) ?? 0) + 1));
  return client;
}

/** Welcomes each client got: a reconnect counts once its room answered, not when the socket opened. */
const welcomes = new Map<TestClient, number>();

const at = (line: { t: string } | undefined): number => (line ? Date.parse(line.t) : Number.NaN);

describe("a node cut off Redis", () => {
  it("gives its room up before another node takes it, and nothing is applied twice", async () => {
    const toA = await cluster.link(a.port);

    const ray = member(toA.url, "clinician");
    await ray.welcomedAsync("clinician");
    const taken = a.find("room taken", { roomId: "room-julian" });
    expect(taken).toBeDefined();
    const julian = member(b.url, "patient");
    // A remote join crosses the node bus twice: on a loaded machine that takes more than a local one.
    await waitFor(() => julian.view !== null, "patient welcomed through B", 20_000);
    expect((await ray.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);
    expect((await julian.command(Ev.procedureCommand, { command: "stop" })).ok).toBe(true);
    await waitFor(() => ray.view?.procedure?.status === "paused_by_patient", "stop seen on A");

    // -- the partition: A loses Redis; its clients are sent to B, as a health-checking balancer would
    const before = [welcomes.get(ray) ?? 0, welcomes.get(julian) ?? 0];
    aToRedis.cut();
    toA.retarget(b.port);
    await waitFor(
      () => a.find("room given up", { roomId: "room-julian" }) !== undefined,
      "A gives up",
      10_000,
    );
    await waitFor(
      () => b.find("room taken", { roomId: "room-julian" }) !== undefined,
      "B takes over",
      10_000,
    );
    const gaveUp = a.find("room given up", { roomId: "room-julian" });
    const tookOver = b.find("room taken", { roomId: "room-julian" });
    expect(at(gaveUp)).toBeLessThan(at(tookOver));
    expect(Number(tookOver?.fence)).toBeGreaterThan(Number(taken?.fence));

    // Both people are back, on B, and the stop still holds.
    await waitFor(
      () =>
        (welcomes.get(ray) ?? 0) > before[0]! &&
        (welcomes.get(julian) ?? 0) > before[1]! &&
        ray.view?.members.some((m) => m.personId === "julian" && m.connection === "connected") === true,
      "both back on B",
      15_000,
    );
    expect(ray.view?.procedure?.status).toBe("paused_by_patient");
    expect((await ray.command(Ev.procedureCommand, { command: "resume" })).ok).toBe(false);
    expect(julian.view?.procedure?.status).toBe("paused_by_patient");

    // A comes back to Redis: it does not believe it owns the room any more.
    aToRedis.mend();
    await waitFor(
      () => b.logs.length > 0 && a.find("Redis connection back") !== undefined,
      "A reconnected",
      10_000,
    ).catch((error: Error) => {
      const last = a.logs.slice(-6).map((l) => `${l.level} ${l.name}: ${l.msg} ${String(l.error ?? "")}`);
      throw new Error(
        `${error.message} (A exit ${a.proc.exitCode} ${a.proc.signalCode}; last: ${last.join(" | ")}; stderr: ${a.stderr.slice(0, 12).join(" / ")})`,
      );
    });
    expect(a.logs.filter((l) => l.msg === "room taken" && l.roomId === "room-julian")).toHaveLength(1);

    for (const n of cluster.nodes) await n.kill("SIGTERM");
    const storage = await openPgStorage(cluster.databaseUrl!);
    try {
      const events = await storage.roomEvents("room-julian", 100_000);
      const seqs = events.map((e) => e.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      const stops = events.filter(
        (e) => e.body.type === "procedure" && e.body.transition?.to === "paused_by_patient",
      );
      expect(stops).toHaveLength(1);
    } finally {
      await storage.close();
    }
  }, 90_000);
});
