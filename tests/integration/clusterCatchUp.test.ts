/**
 * What a node misses while it is cut off Redis, it learns when the link comes back (issue 11), on
 * two real nodes sharing real Redis and PostgreSQL; node B reaches Redis through a link the test
 * cuts and mends:
 * - a firmware quarantine run on A while B is cut off: B applies it on its own once back (a room
 *   B opens shows it, once), and a lift run while B is cut off again likewise;
 * - a support group scheduled on A is found on B (looked up in storage on a miss, even while B is
 *   cut off); an invitation withdrawn on A is refused on B; a cancellation on A tells the people in
 *   B's circle it is cancelled; B's host page lists the group and then no longer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STABLE_FIRMWARE } from "../../server/clinic.ts";
import { Ev } from "../../shared/protocol.ts";
import { GroupCloseReason, type GroupSummary } from "../../shared/supportGroup.ts";
import { type ClusterFixture, startCluster } from "../clusterNodes.ts";
import { closeGroupClients, joinGroupAsync } from "../groupClient.ts";
import { startTestServer, type TestClient, waitFor } from "../harness.ts";
import { callApi } from "../pairingFixture.ts";
import type { ChairsideNode } from "../services/chairsideNodes.ts";
import type { TcpLink } from "../services/tcpLink.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

let cluster: ClusterFixture;
let bToRedis: TcpLink;
let a: ChairsideNode;
let b: ChairsideNode;
let noah: SignedInStaff;

beforeAll(async () => {
  cluster = await startCluster({ postgres: true, prefix: "chairside-catch-up-" });
  // Noah's staff account and session, stored in the shared database by an in-process server that
  // is closed before the nodes start.
  const setup = await startTestServer({ dataDir: cluster.dataDir, databaseUrl: cluster.databaseUrl });
  try {
    noah = await signedInStaff(setup, { staffId: "noah", role: "assistant", displayName: "Noah Park" });
  } finally {
    await setup.stopAsync();
  }
  bToRedis = await cluster.redisLink();
  [a, b] = await Promise.all([cluster.node("a"), cluster.node("b", { redisUrl: bToRedis.url })]);
}, 240_000);

afterAll(async () => {
  closeGroupClients();
  await cluster?.stop();
});

const count = (node: ChairsideNode, msg: string) => node.logs.filter((l) => l.msg === msg).length;

/** Cuts B off Redis and waits until B knows it (its readiness turned). */
async function cutB(): Promise<void> {
  const before = count(b, "node not ready: the balancer sends its clients elsewhere");
  bToRedis.cut();
  await waitFor(
    () => count(b, "node not ready: the balancer sends its clients elsewhere") > before,
    "B knows it is cut off Redis",
    15_000,
  );
}

/** Mends B's link and waits until B has read again what it missed. */
async function mendB(): Promise<void> {
  const before = count(b, "caught up with the other nodes");
  bToRedis.mend();
  await waitFor(
    () =>
      b.logs.filter((l) => l.msg === "caught up with the other nodes" && l.why === "back on Redis").length >
        0 && count(b, "caught up with the other nodes") > before,
    "B caught up once back on Redis",
    20_000,
  );
}

async function welcomed(client: TestClient, role: string): Promise<TestClient> {
  await client.welcomedAsync(role);
  return client;
}

describe("a node cut off Redis catches up when it is back", () => {
  it("applies a quarantine and a lift stored by another node meanwhile, each once", async () => {
    const rayAtJulian = await welcomed(cluster.member(a.url, "clinician", "julian"), "clinician");

    await cutB();
    const reason = "pH readings stuck at one value since the update";
    const quarantined = await rayAtJulian.command(Ev.firmwareQuarantine, {
      firmware: STABLE_FIRMWARE,
      since: Date.now() - 60_000,
      reason,
      confirm: true,
    });
    expect(quarantined.ok).toBe(true);
    // The note to every node went out while B was cut off: B did not hear it.
    expect(b.find("firmware action from another node applied")).toBeUndefined();

    await mendB();
    // A room B opens now (nobody held Flower's) comes from B's own view of the clinic.
    const rayAtFlower = await welcomed(cluster.member(b.url, "clinician", "flower"), "clinician");
    await waitFor(
      () => b.find("room taken", { roomId: "room-flower" }) !== undefined,
      "B owns Flower's room",
    );
    expect(rayAtFlower.view!.quarantinedFirmware).toEqual([STABLE_FIRMWARE]);
    expect(rayAtFlower.view!.firmwareHistory).toEqual([
      expect.objectContaining({ action: "quarantine", firmware: STABLE_FIRMWARE, reason }),
    ]);
    expect(rayAtFlower.view!.devices.every((d) => d.quarantined)).toBe(true);
    expect(b.find("firmware actions caught up from storage")).toMatchObject({ missed: 1 });
    rayAtFlower.close();

    // And a lift, stored on A while B is cut off again.
    await cutB();
    const lifted = await rayAtJulian.command(Ev.firmwareLift, {
      firmware: STABLE_FIRMWARE,
      reason: "Vendor confirmed the fault was in the charger",
    });
    expect(lifted.ok).toBe(true);
    await mendB();
    // A room nobody held yet (the demo's), opened on B: the lift holds there, and nothing twice.
    const rayAtDemo = await welcomed(cluster.member(b.url, "clinician", "demo"), "clinician");
    await waitFor(() => b.find("room taken", { roomId: "room-demo" }) !== undefined, "B owns the demo room");
    expect(rayAtDemo.view!.quarantinedFirmware).toEqual([]);
    expect(rayAtDemo.view!.firmwareHistory.map((f) => f.action)).toEqual(["quarantine", "lift"]);
    expect(rayAtDemo.view!.devices.some((d) => d.quarantined)).toBe(false);
    rayAtDemo.close();
    rayAtJulian.close();
  }, 120_000);
});

const tokenOf = (link: string) => decodeURIComponent(link.split("#invite=")[1]!);

async function listedOn(node: ChairsideNode): Promise<string[]> {
  const res = await callApi(node.url, "GET", "/api/groups", { staff: noah });
  expect(res.status).toBe(200);
  return (res.body as { groups: GroupSummary[] }).groups.map((g) => g.groupId);
}

async function inviteOnA(groupId: string): Promise<{ inviteId: string; token: string }> {
  const res = await callApi(a.url, "POST", `/api/groups/${groupId}/invites`, { staff: noah, body: {} });
  expect(res.status).toBe(201);
  const body = res.body as { inviteId: string; link: string };
  return { inviteId: body.inviteId, token: tokenOf(body.link) };
}

describe("support groups across nodes", () => {
  it("a group scheduled on A is found on B, and its withdrawals and cancellation reach B", async () => {
    // Scheduled and invited to on A while B cannot hear any note: B finds it in storage on a miss.
    await cutB();
    const scheduled = await callApi(a.url, "POST", "/api/groups", {
      staff: noah,
      body: {
        title: "Smiles without worry",
        startsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
        agenda: [{ title: "How was your week?", minutes: 10 }],
      },
    });
    expect(scheduled.status).toBe(201);
    const groupId = (scheduled.body as { groupId: string }).groupId;
    const ana = await inviteOnA(groupId);
    const anaOnB = await joinGroupAsync(b.url, { groupId, invite: ana.token, name: "Ana" });
    expect(anaOnB.refusal).toBeNull();
    expect(anaOnB.view()!.agenda.map((t) => t.title)).toEqual(["How was your week?"]);
    expect(await listedOn(b)).toContain(groupId);
    await mendB();

    // Withdrawn on A (B is back on the bus): the link no longer opens B's door.
    const ben = await inviteOnA(groupId);
    const withdrawn = await callApi(
      a.url,
      "POST",
      `/api/groups/${groupId}/invites/${ben.inviteId}/withdraw`,
      {
        staff: noah,
      },
    );
    expect(withdrawn.status).toBe(200);
    await expect
      .poll(async () => (await joinGroupAsync(b.url, { groupId, invite: ben.token, name: "Ben" })).refusal, {
        timeout: 10_000,
      })
      .toMatch(/withdrawn/);

    // Cancelled on A: Ana, in B's circle, is told why, and B's host page drops it.
    const cancelled = await callApi(a.url, "POST", `/api/groups/${groupId}/cancel`, { staff: noah });
    expect(cancelled.status).toBe(200);
    await waitFor(() => anaOnB.closed() !== null, "Ana told on B", 10_000);
    expect(anaOnB.closed()).toMatchObject({ reason: GroupCloseReason.cancelled });
    expect(await listedOn(b)).not.toContain(groupId);
    // Coming back to B afterwards, she hears how it closed there too, not "no such group".
    const again = await joinGroupAsync(b.url, { groupId, invite: ana.token, name: "Ana" });
    expect(again.refusal).toMatch(/cancelled this session/);
  }, 120_000);
});
