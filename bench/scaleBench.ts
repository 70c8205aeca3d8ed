/**
 * `npm run bench:scale`: Chairside as a cluster on this machine (real Redis, real PostgreSQL, nodes as
 * processes). Prints:
 * - the extra latency of a cross-node room (patient on one node, clinician on the owner) against a
 *   single-node room (both on the owner): a patient's command until the clinician sees its event;
 * - failover: SIGKILL the room's owner BENCH_KILLS times (default 10); time from the kill until the
 *   clinician, sent to a live node as a balancer would, has the room again (p50 and max);
 * - readings lost and duplicated: a wearable on a link that also fails over sends a batch every
 *   100 ms the whole time; every acknowledged reading must be stored once (0 and 0).
 * Rooms per node at 4 × 30 Hz with 2 SOEs per patient is not measured here yet (README-cluster.md).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DeviceClient } from "../devices/deviceClient.ts";
import { DemoPasses } from "../server/auth/demoPass.ts";
import { seedClinic } from "../server/clinic.ts";
import { openPgStorage } from "../server/storage/pgStorage.ts";
import { deviceKey, loadOrCreateSecret } from "../server/tokens.ts";
import { Ev, PROTOCOL_VERSION } from "../shared/protocol.ts";
import type { InviteRole } from "../shared/roles.ts";
import { TestClient, waitFor } from "../tests/harness.ts";
import { type ChairsideNode, startNode } from "../tests/services/chairsideNodes.ts";
import { startPostgres } from "../tests/services/postgres.ts";
import { startRedis } from "../tests/services/redis.ts";
import { type TcpLink, tcpLink } from "../tests/services/tcpLink.ts";
import { fmt, summary } from "./stats.ts";

const KILLS = Number(process.env.BENCH_KILLS ?? "10");
// A test client's snapshot request that a failover cut short rejects with nothing waiting on it:
// that is the failover being measured, not a failure of the bench.
process.on("unhandledRejection", (error) => {
  if (error instanceof Error && error.message === "socket has been disconnected") return;
  throw error;
});
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? "40");
const say = (line: string) => process.stdout.write(`${line}\n`);

const dataDir = mkdtempSync(join(tmpdir(), "chairside-scale-"));
const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
const databaseUrl = await postgres.createDatabase("chairside");
const secret = loadOrCreateSecret(dataDir);
const passes = new DemoPasses(secret, seedClinic(), 12, Date.now);
const live: ChairsideNode[] = [];
const clients: TestClient[] = [];
const links: TcpLink[] = [];
let serial = 0;

const newNode = async (): Promise<ChairsideNode> => {
  const node = await startNode({
    nodeId: `n${++serial}`,
    redisUrl: redis.url,
    dataDir,
    databaseUrl,
    env: { CHAIRSIDE_LOG_LEVEL: "info" },
  });
  live.push(node);
  return node;
};

function person(url: string, appointmentId: string, role: InviteRole): TestClient {
  const { pass } = passes.mint(appointmentId, role)!;
  const client = new TestClient(url, { protocolVersion: PROTOCOL_VERSION, appointmentId, pass });
  clients.push(client);
  return client;
}

/** A patient's command until the clinician has its event, n times. */
async function commandLatency(patient: TestClient, clinician: TestClient, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const surroundings = clinician.view?.comfort.surroundings === "nature" ? "clinic" : "nature";
    const seen = clinician.events.length;
    const started = performance.now();
    const result = await patient.command(Ev.surroundings, { surroundings });
    if (!result.ok) throw new Error(`surroundings refused: ${result.error.message}`);
    await waitFor(
      () => clinician.events.slice(seen).some((e) => e.body.type === "comfort"),
      "comfort event at the clinician",
    );
    out.push(performance.now() - started);
  }
  return out;
}

try {
  const [n1, n2] = [await newNode(), await newNode()];
  await newNode();

  // -- cross-node latency ------------------------------------------------------------------------
  const deskFlower = person(n1.url, "flower", "clinician");
  await deskFlower.welcomedAsync("flower clinician");
  const flower = person(n1.url, "flower", "patient");
  await flower.welcomedAsync("flower patient");

  const rayLink = await tcpLink(n1.port);
  links.push(rayLink);
  const ray = person(rayLink.url, "julian", "clinician");
  await ray.welcomedAsync("julian clinician");
  const julian = person(n2.url, "julian", "patient");
  await julian.welcomedAsync("julian patient");
  // Interleaved, after a warm-up, so both see the same machine load.
  await commandLatency(flower, deskFlower, 5);
  await commandLatency(julian, ray, 5);
  const singles: number[] = [];
  const crosses: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    singles.push(...(await commandLatency(flower, deskFlower, 1)));
    crosses.push(...(await commandLatency(julian, ray, 1)));
  }
  const single = summary(singles);
  const cross = summary(crosses);
  julian.close();
  flower.close();
  deskFlower.close();

  // -- failover and readings -------------------------------------------------------------------
  const hrLink = await tcpLink(n2.port);
  links.push(hrLink);
  const hr = new DeviceClient({
    url: hrLink.url,
    deviceId: "hr-julian",
    deviceKey: deviceKey(secret, "hr-julian"),
    ackTimeoutMs: 2000,
  });
  let seq = 0;
  const acked = new Set<number>();
  hr.onAck((batch, ack) => {
    if (ack.ok) acked.add(batch.seq);
  });
  const feed = setInterval(() => {
    seq += 1;
    hr.send({
      seq,
      firmware: "2.3.1",
      readings: Array.from({ length: 5 }, (_, i) => ({
        signal: "heartRate" as const,
        t: Date.now() + i * 20,
        value: 70 + (i % 3),
        unit: "/min",
      })),
    });
  }, 100);
  let welcomes = 0;
  ray.socket.on(Ev.welcome, () => {
    welcomes += 1;
  });
  const failovers: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    // The owner is the live node that took the room last.
    const victim = [...live].sort((a, b) => lastTaken(b) - lastTaken(a))[0];
    if (!victim || lastTaken(victim) === 0) throw new Error("no owner of room-julian found");
    const survivor = live.find((n) => n !== victim)!;
    const before = welcomes;
    const killedAt = performance.now();
    await victim.kill("SIGKILL");
    live.splice(live.indexOf(victim), 1);
    for (const link of links) link.retarget(survivor.port);
    await waitFor(() => welcomes > before, "clinician back", 20_000);
    failovers.push(performance.now() - killedAt);
    say(`  kill ${k + 1}: ${victim.nodeId} → back in ${fmt(failovers.at(-1)!, 0)} ms`);
    await newNode();
  }
  clearInterval(feed);
  const flushed = await hr.flushAsync(30_000);
  hr.close();
  for (const n of live) await n.kill("SIGTERM");
  live.length = 0;
  const storage = await openPgStorage(databaseUrl);
  const stored = await storage.countReadings({ deviceId: "hr-julian" });
  await storage.close();
  const expected = acked.size * 5;
  const fo = summary(failovers);

  say("");
  say("bench:scale (3 nodes, Redis, PostgreSQL, one machine)");
  say("| | p50 | p99 | max |");
  say("|---|---|---|---|");
  say(
    `| single-node room: patient command → clinician event (ms) | ${fmt(single.p50)} | ${fmt(single.p99)} | ${fmt(single.max)} |`,
  );
  say(`| cross-node room: same (ms) | ${fmt(cross.p50)} | ${fmt(cross.p99)} | ${fmt(cross.max)} |`);
  say(
    `| extra latency of a cross-node room (p50 / p99, ms) | ${fmt(cross.p50 - single.p50)} | ${fmt(cross.p99 - single.p99)} | |`,
  );
  say(
    `| failover over ${fo.n} kills: kill → clinician has the room again (ms) | ${fmt(fo.p50, 0)} | | ${fmt(fo.max, 0)} |`,
  );
  say("");
  say(
    `readings: ${acked.size} batches acknowledged (${expected} readings), ${stored} stored${flushed ? "" : " (some batches never acknowledged)"}`,
  );
  say(`readings lost: ${Math.max(0, expected - stored)}, duplicated: ${Math.max(0, stored - expected)}`);
} finally {
  for (const c of clients) c.close();
  await Promise.all(live.map((n) => n.kill("SIGKILL")));
  await Promise.all(links.map((l) => l.close()));
  await Promise.all([redis.stop(), postgres.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
}

function lastTaken(node: ChairsideNode): number {
  const taken = node.logs.filter((l) => l.msg === "room taken" && l.roomId === "room-julian").at(-1);
  return taken ? Date.parse(taken.t) : 0;
}
