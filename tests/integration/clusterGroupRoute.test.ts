/**
 * A support circle's live state (who sits in it, raised hands, the board, the topic) lives on the
 * node its people are connected to (issue 11). Through the real HAProxy running deploy/haproxy.cfg
 * in front of two real nodes, people who join one group as the group page connects
 * (`groupSocketOptions`, with its `room` routing hint) all reach the same node and sit in one
 * circle; a second group may land elsewhere. Without the hint HAProxy takes turns between the
 * nodes, and Ana and Ben each sat alone in a circle of their own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupSocketOptions } from "../../client/group/groupConnection.ts";
import type { GroupView } from "../../shared/supportGroup.ts";
import { type ClusterFixture, startCluster } from "../clusterNodes.ts";
import { closeGroupClients, joinGroupAsync } from "../groupClient.ts";
import { startTestServer } from "../harness.ts";
import { callApi } from "../pairingFixture.ts";
import type { ChairsideNode } from "../services/chairsideNodes.ts";
import { type HaproxyService, startHaproxy } from "../services/haproxy.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

let cluster: ClusterFixture;
let haproxy: HaproxyService | null = null;
let nodes: ChairsideNode[];
let noah: SignedInStaff;

beforeAll(async () => {
  cluster = await startCluster({ postgres: false, prefix: "chairside-group-route-" });
  // Noah's staff account, stored in the shared SQLite file before the nodes start.
  const setup = await startTestServer({ dataDir: cluster.dataDir });
  try {
    noah = await signedInStaff(setup, { staffId: "noah", role: "assistant", displayName: "Noah Park" });
  } finally {
    await setup.stopAsync();
  }
  nodes = await Promise.all([cluster.node("a"), cluster.node("b")]);
  haproxy = await startHaproxy(nodes);
  // Both nodes in rotation before anyone joins (HAProxy's own health check).
  const until = Date.now() + 15_000;
  while (Object.values(await haproxy.serverStatesAsync()).join() !== "UP,UP") {
    if (Date.now() > until) throw new Error("HAProxy never saw both nodes up");
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);

afterAll(async () => {
  closeGroupClients();
  await haproxy?.stop();
  await cluster?.stop();
});

async function scheduleGroup(title: string): Promise<string> {
  const res = await callApi(nodes[0]!.url, "POST", "/api/groups", {
    staff: noah,
    body: {
      title,
      startsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      agenda: [{ title: "How was your week?", minutes: 10 }],
    },
  });
  expect(res.status).toBe(201);
  return (res.body as { groupId: string }).groupId;
}

async function inviteToken(groupId: string): Promise<string> {
  const res = await callApi(nodes[0]!.url, "POST", `/api/groups/${groupId}/invites`, {
    staff: noah,
    body: {},
  });
  expect(res.status).toBe(201);
  return decodeURIComponent((res.body as { link: string }).link.split("#invite=")[1]!);
}

/** Joins a group through the balancer as the group page does (its auth and routing hint). */
async function joinThroughBalancer(groupId: string, name: string): Promise<() => GroupView | null> {
  const page = groupSocketOptions(groupId, { invite: await inviteToken(groupId), name });
  const joined = await joinGroupAsync(haproxy!.url, page.auth, { query: page.query });
  expect(joined.refusal).toBeNull();
  return joined.view;
}

const namesIn = (view: GroupView | null) =>
  (view?.members ?? [])
    .filter((m) => m.role !== "otto")
    .map((m) => m.name)
    .sort();

/** The nodes on which someone joined this group. */
const nodesServing = (groupId: string) =>
  nodes
    .filter((n) => n.logs.some((l) => l.msg === "group member connected" && l.group === groupId))
    .map((n) => n.nodeId);

describe("support groups behind the balancer", () => {
  it("one group's people all reach one node and sit in one circle", async () => {
    const groupIds = [await scheduleGroup("Smiles without worry"), await scheduleGroup("Brave mouths")];
    for (const groupId of groupIds) {
      const people = ["Ana", "Ben", "Cleo", "Dev"];
      const views = [];
      for (const name of people) views.push(await joinThroughBalancer(groupId, name));
      // Everyone sees everyone: one circle, not one per node.
      for (const view of views) await expect.poll(() => namesIn(view()), { timeout: 15_000 }).toEqual(people);
      expect(nodesServing(groupId)).toHaveLength(1);
    }
  }, 120_000);
});
