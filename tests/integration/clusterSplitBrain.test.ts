/**
 * Split brain (issue 11): the node that owns a room is cut off Redis. It must stop acting as the
 * room's owner before any other node can take the room, the other node takes it only after that,
 * with a larger fencing number, and no event is applied twice: the room's stored event log has
 * every sequence number once and the patient's stop, given once, is in the history once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoPasses } from "../../server/auth/demoPass.ts";
import { seedClinic } from "../../server/clinic.ts";
import { openPgStorage } from "../../server/storage/pgStorage.ts";
import { loadOrCreateSecret } from "../../server/tokens.ts";
import { Ev, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import type { InviteRole } from "../../shared/roles.ts";
import { TestClient, waitFor } from "../harness.ts";
import { type ChairsideNode, startNode } from "../services/chairsideNodes.ts";
import { type PostgresService, startPostgres } from "../services/postgres.ts";
import { cuttableLink, type RedisService, startRedis } from "../services/redis.ts";
import { type TcpLink, tcpLink } from "../services/tcpLink.ts";

const dataDir = mkdtempSync(join(tmpdir(), "chairside-split-"));
let redis: RedisService;
let postgres: PostgresService;
let databaseUrl: string;
const nodes: ChairsideNode[] = [];
const links: TcpLink[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  databaseUrl = await postgres.createDatabase("chairside");
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(nodes.map((n) => n.kill("SIGKILL")));
  await Promise.all(links.map((l) => l.close()));
  await redis?.stop();
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function member(url: string, passes: DemoPasses, role: InviteRole): TestClient {
  const { pass } = passes.mint("julian", role)!;
  const client = new TestClient(url, { protocolVersion: PROTOCOL_VERSION, appointmentId: "julian", pass });
  clients.push(client);
  client.socket.on(Ev.welcome, () => welcomes.set(client, (welcomes.get(client) ?? 0) + 1));
  return client;
}

/** Welcomes each client got: a reconnect counts once its room answered, not when the socket opened. */
const welcomes = new Map<TestClient, number>();

const at = (line: { t: string } | undefined): number => (line ? Date.parse(line.t) : Number.NaN);

describe("a node cut off Redis", () => {
  it("gives its room up before another node takes it, and nothing is applied twice", async () => {
    const secret = loadOrCreateSecret(dataDir);
    const passes = new DemoPasses(secret, seedClinic(), 12, Date.now);
    const aToRedis = await cuttableLink(redis);
    links.push(aToRedis);
    const a = await startNode({ nodeId: "a", redisUrl: aToRedis.url, dataDir, databaseUrl });
    nodes.push(a);
    const b = await startNode({ nodeId: "b", redisUrl: redis.url, dataDir, databaseUrl });
    nodes.push(b);
    const toA = await tcpLink(a.port);
    links.push(toA);

    const ray = member(toA.url, passes, "clinician");
    await ray.welcomedAsync("clinician");
    const taken = a.find("room taken", { roomId: "room-julian" });
    expect(taken).toBeDefined();
    const julian = member(b.url, passes, "patient");
    await julian.welcomedAsync("patient");
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
    );
    expect(a.logs.filter((l) => l.msg === "room taken" && l.roomId === "room-julian")).toHaveLength(1);

    for (const n of nodes) await n.kill("SIGTERM");
    const storage = await openPgStorage(databaseUrl);
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
