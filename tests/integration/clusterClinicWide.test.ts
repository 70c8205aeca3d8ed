/**
 * What reaches beyond one node (issue 11), on two real nodes sharing Redis and one database:
 * - a firmware quarantine run on node A reaches the rooms of that clinic owned by node B (the care
 *   team sees it, the patient does not), B marks that firmware's devices, and a lift run on B
 *   reaches A's room;
 * - a person's newer window on one node closes their older window on the other ("This seat is open
 *   in another window"), both ways, and the person stays in the room throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STABLE_FIRMWARE } from "../../server/clinic.ts";
import { CloseReason, Ev } from "../../shared/protocol.ts";
import { type ClusterFixture, startCluster } from "../clusterNodes.ts";
import { type TestClient, waitFor } from "../harness.ts";
import type { ChairsideNode } from "../services/chairsideNodes.ts";

let cluster: ClusterFixture;
let a: ChairsideNode;
let b: ChairsideNode;

beforeAll(async () => {
  cluster = await startCluster({ postgres: false, prefix: "chairside-clinicwide-" });
  [a, b] = await Promise.all([cluster.node("a"), cluster.node("b")]);
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

/** A client once welcomed in its room. */
async function welcomed(client: TestClient, role: string): Promise<TestClient> {
  await client.welcomedAsync(role);
  return client;
}

const typesOf = (c: TestClient) => c.events.map((e) => e.body.type);

describe("two nodes, one clinic", () => {
  it("a quarantine on one node reaches the clinic's rooms on the other, for the care team only", async () => {
    // Julian's room is owned by A, Flower's (same demo clinic) by B.
    const rayAtJulian = await welcomed(cluster.member(a.url, "clinician", "julian"), "clinician");
    await waitFor(
      () => a.find("room taken", { roomId: "room-julian" }) !== undefined,
      "A owns Julian's room",
    );
    const rayAtFlower = await welcomed(cluster.member(b.url, "clinician", "flower"), "clinician");
    const flower = await welcomed(cluster.member(b.url, "patient", "flower"), "patient");
    await waitFor(
      () => b.find("room taken", { roomId: "room-flower" }) !== undefined,
      "B owns Flower's room",
    );
    expect(rayAtFlower.view!.quarantinedFirmware).toEqual([]);

    const reason = "pH readings stuck at one value since the update";
    const quarantined = await rayAtJulian.command(Ev.firmwareQuarantine, {
      firmware: STABLE_FIRMWARE,
      since: Date.now() - 60_000,
      reason,
      confirm: true,
    });
    expect(quarantined.ok).toBe(true);
    await waitFor(
      () => rayAtFlower.view!.quarantinedFirmware.includes(STABLE_FIRMWARE),
      "the quarantine in B's room",
      10_000,
    );
    expect(rayAtFlower.view!.firmwareHistory).toEqual([
      expect.objectContaining({ action: "quarantine", firmware: STABLE_FIRMWARE, reason }),
    ]);
    expect(typesOf(rayAtFlower)).toContain("firmware_quarantined");
    // B's own view of the clinic follows: Flower's devices on that firmware are flagged.
    await waitFor(() => rayAtFlower.view!.devices.every((d) => d.quarantined), "B flags the devices", 10_000);
    expect(b.find("firmware action from another node applied", { action: "quarantine" })).toBeDefined();
    // The patient is not told (shared/access.ts: clinic-wide events go to the care team).
    expect(typesOf(flower)).not.toContain("firmware_quarantined");
    expect(flower.view!.quarantinedFirmware).toEqual([]);

    // And back: a lift on B reaches A's room, once.
    const lifted = await rayAtFlower.command(Ev.firmwareLift, {
      firmware: STABLE_FIRMWARE,
      reason: "Vendor confirmed the fault was in the charger",
    });
    expect(lifted.ok).toBe(true);
    await waitFor(() => typesOf(rayAtJulian).includes("firmware_lifted"), "the lift in A's room", 10_000);
    expect(rayAtJulian.view!.quarantinedFirmware).toEqual([]);
    expect(rayAtJulian.view!.firmwareHistory.map((f) => f.action)).toEqual(["quarantine", "lift"]);
    for (const c of [rayAtJulian, rayAtFlower, flower]) c.close();
  }, 60_000);

  it("a newer window on one node closes the older window on the other, both ways", async () => {
    const first = await welcomed(cluster.member(a.url, "assistant", "julian"), "assistant");
    // The same person (Noah) opens the room again, on B this time.
    const second = await welcomed(cluster.member(b.url, "assistant", "julian"), "assistant");
    await waitFor(() => !first.socket.connected, "the older window on A closed", 10_000);
    expect(first.errors).toContainEqual(expect.objectContaining({ event: CloseReason.replaced }));
    expect(second.socket.connected).toBe(true);

    // And a third window back on A closes the one on B.
    const third = await welcomed(cluster.member(a.url, "assistant", "julian"), "assistant");
    await waitFor(() => !second.socket.connected, "the older window on B closed", 10_000);
    expect(second.errors).toContainEqual(expect.objectContaining({ event: CloseReason.replaced }));
    expect(third.socket.connected).toBe(true);

    // Noah never left the room: one member, connected, and no departure announced.
    const noah = third.view!.members.filter((m) => m.personId === "noah");
    expect(noah).toEqual([expect.objectContaining({ connection: "connected" })]);
    const events = [...first.events, ...second.events, ...third.events];
    expect(events.some((e) => e.body.type === "member_left")).toBe(false);
    // A command from the newest window works.
    expect((await third.command(Ev.snapshot)).ok).toBe(true);
  }, 60_000);
});
