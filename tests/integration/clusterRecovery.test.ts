/**
 * Socket.IO connection-state recovery (server/connectionRecovery.ts): a patient whose link drops
 * for a moment comes back with the events it missed replayed, in order, and no fresh welcome (no
 * full resync), on one server (in-memory adapter) and across two nodes (the Redis stream: it drops
 * on node B and comes back on node A). The handshake's checks still run on a recovered connection:
 * a demo pass that expired while the link was down is refused and nothing is replayed to the page.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Ev } from "../../shared/protocol.ts";
import { type ClusterFixture, startCluster } from "../clusterNodes.ts";
import { passAuth, startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";
import { type TcpLink, tcpLink } from "../services/tcpLink.ts";

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/** Counts a client's full resyncs: welcomes it gets and snapshots it asks for. */
function counted(client: TestClient): { welcomes: () => number; snapshots: () => number } {
  let welcomes = 0;
  let snapshots = 0;
  client.socket.on(Ev.welcome, () => {
    welcomes += 1;
  });
  client.socket.onAnyOutgoing((event: string) => {
    if (event === Ev.snapshot) snapshots += 1;
  });
  return { welcomes: () => welcomes, snapshots: () => snapshots };
}

/**
 * The patient's link drops; the clinician changes the room three times meanwhile; the link comes
 * back. The patient must have exactly the missed events, in order, with no new welcome.
 */
async function dropAndRecover(
  ray: TestClient,
  julian: TestClient,
  link: TcpLink,
  onCut: () => void = () => undefined,
): Promise<void> {
  const { welcomes, snapshots } = counted(julian);
  await julian.welcomedAsync("patient");
  const before = welcomes();
  const seen = julian.events.length;
  link.cut();
  onCut();
  await waitFor(() => !julian.socket.connected, "the patient's link down");
  const from = ray.view!.seq;
  for (const surroundings of ["nature", "clinic", "nature"] as const) {
    expect((await ray.command(Ev.surroundings, { surroundings })).ok).toBe(true);
  }
  await waitFor(() => ray.view!.seq >= from + 3, "the clinician saw the changes");
  link.mend();
  await waitFor(
    () => julian.socket.connected,
    `the patient's link back (last refusal: ${JSON.stringify(julian.refusal)})`,
    15_000,
  );
  expect(julian.socket.recovered).toBe(true);
  await waitFor(() => julian.view!.seq === ray.view!.seq, "the missed events replayed", 10_000);
  const replayed = julian.events.slice(seen).filter((e) => e.seq > from);
  expect(replayed.map((e) => e.body.type).filter((t) => t === "comfort")).toHaveLength(3);
  expect(replayed.map((e) => e.seq)).toEqual([...replayed.map((e) => e.seq)].sort((x, y) => x - y));
  expect(julian.view!.comfort.surroundings).toBe("nature");
  // No full resync: no new welcome, no snapshot asked for.
  expect(welcomes()).toBe(before);
  expect(snapshots()).toBe(0);
  // The connection handler ran on the recovered socket: the patient is back in the room.
  await waitFor(
    () => ray.view!.members.some((m) => m.personId === "julian" && m.connection === "connected"),
    "the patient connected again in the clinician's view",
  );
  expect((await julian.command(Ev.snapshot)).ok).toBe(true);
}

describe("connection-state recovery", () => {
  let server: TestServer;

  it("on one server: a dropped patient gets the missed events, not a new welcome", async () => {
    server = await startTestServer({ demo: true });
    stops.push(() => server.stopAsync());
    const link = await tcpLink(server.port);
    stops.push(() => link.close());
    const ray = new TestClient(server.origin, passAuth(server, "julian", "clinician"));
    const julian = new TestClient(link.url, passAuth(server, "julian", "patient"));
    stops.push(async () => {
      ray.close();
      julian.close();
    });
    await ray.welcomedAsync("clinician");
    await dropAndRecover(ray, julian, link);
  }, 60_000);

  it("still checks the credential: a pass that expired while the link was down is refused", async () => {
    const link = await tcpLink(server.port);
    stops.push(() => link.close());
    const ray = new TestClient(server.origin, passAuth(server, "flower", "clinician"));
    const expiresAt = Date.now() + 5_000;
    const flower = new TestClient(link.url, passAuth(server, "flower", "patient", 5));
    stops.push(async () => {
      ray.close();
      flower.close();
    });
    await ray.welcomedAsync("clinician");
    await flower.welcomedAsync("patient");
    const seen = flower.events.length;
    link.cut();
    await waitFor(() => !flower.socket.connected, "the patient's link down");
    expect((await ray.command(Ev.surroundings, { surroundings: "nature" })).ok).toBe(true);
    // The link stays down until the pass has expired (a second past it, for the clock's rounding).
    await waitFor(() => Date.now() > expiresAt + 1_000, "the pass expired", 10_000);
    link.mend();
    await waitFor(() => flower.refusal?.code === "token_expired", "the expired pass refused", 15_000);
    expect(flower.socket.connected).toBe(false);
    expect(flower.events.length).toBe(seen);
  }, 60_000);
});

describe("connection-state recovery across nodes", () => {
  let cluster: ClusterFixture;

  it("a patient dropped on node B comes back on node A with the missed events from the Redis stream", async () => {
    cluster = await startCluster({ postgres: false, prefix: "chairside-recover-" });
    stops.push(() => cluster.stop());
    const [a, b] = await Promise.all([cluster.node("a"), cluster.node("b")]);
    const ray = cluster.member(a.url, "clinician");
    await ray.welcomedAsync("clinician");
    await waitFor(() => a.find("room taken", { roomId: "room-julian" }) !== undefined, "A owns the room");
    const toB = await cluster.link(b.port);
    const julian = cluster.member(toB.url, "patient");
    // While the link is down the balancer sends the patient to A instead.
    await dropAndRecover(ray, julian, toB, () => toB.retarget(a.port));
    expect(b.find("remote member connected", { owner: "a" })).toBeDefined();
  }, 180_000);
});
