/**
 * Three Chairside nodes, one Redis, one PostgreSQL (issue 11): a clinician on node A and a patient on
 * node B share a room (poses, events and the stop arrive both ways), SOE devices on node C feed it,
 * and when the room's owner is killed with SIGKILL another node takes the room within 5 s, restored
 * from the database: the stop still holds and every acknowledged reading is stored exactly once.
 * The clinician's page reaches node A through a link that, like HAProxy, sends it to a live node once
 * A is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import { openPgStorage } from "../../server/storage/pgStorage.ts";
import { deviceKey } from "../../server/tokens.ts";
import { encodePose } from "../../shared/poseCodec.ts";
import { Ev } from "../../shared/protocol.ts";
import { type ClusterFixture, startCluster } from "../clusterNodes.ts";
import { waitFor } from "../harness.ts";
import type { ChairsideNode } from "../services/chairsideNodes.ts";

let cluster: ClusterFixture;
let a: ChairsideNode;
let b: ChairsideNode;
let c: ChairsideNode;
const devices: DeviceClient[] = [];

// The nodes start before the test's clock: on a loaded machine three starts take a minute.
beforeAll(async () => {
  cluster = await startCluster({ postgres: true });
  [a, b, c] = await Promise.all([cluster.node("a"), cluster.node("b"), cluster.node("c")]);
}, 240_000);

afterAll(async () => {
  for (const d of devices) d.close();
  await cluster?.stop();
});

const pose = (x: number) =>
  encodePose({ head: { p: { x, y: 1.2, z: 0 }, q: { x: 0, y: 0, z: 0, w: 1 } }, left: null, right: null });

function heartRateBatch(seq: number, at: number) {
  return {
    seq,
    firmware: "2.3.1",
    readings: Array.from({ length: 5 }, (_, i) => ({
      signal: "heartRate" as const,
      t: at + i * 200,
      value: 70 + (i % 3),
      unit: "/min",
    })),
  };
}

describe("three nodes, one room", () => {
  it("shares a room across nodes and moves it within 5 s when its owner is killed", async () => {
    const toA = await cluster.link(a.port);

    // The clinician comes first, on A: A takes the room. The patient joins on B.
    const ray = cluster.member(toA.url, "clinician");
    await ray.welcomedAsync("clinician");
    await waitFor(() => a.find("room taken", { roomId: "room-julian" }) !== undefined, "A owns the room");
    const julian = cluster.member(b.url, "patient");
    await julian.welcomedAsync("patient");
    expect(b.find("remote member connected", { owner: "a" })).toBeDefined();
    await waitFor(
      () => ray.view!.members.some((m) => m.personId === "julian" && m.connection === "connected"),
      "clinician on A sees the patient on B",
    );

    // Poses cross both ways.
    julian.socket.emit(Ev.pose, pose(0.5));
    ray.socket.emit(Ev.pose, pose(-0.5));
    await waitFor(() => ray.poseBatches.length > 0 && julian.poseBatches.length > 0, "poses across nodes");

    // Events: the patient's intake on B reaches A; the clinician's start on A reaches B.
    expect((await julian.command(Ev.mdasSubmit, { answers: [3, 3, 3, 3, 3] })).ok).toBe(true);
    await waitFor(() => ray.view!.comfort.mdasScore !== null, "intake on the clinician's view");
    expect((await ray.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);
    await waitFor(() => julian.view!.procedure?.status === "running", "start on the patient's view");

    // Devices on C feed the room owned by A.
    const hr = new DeviceClient({
      url: c.url,
      deviceId: "hr-julian",
      deviceKey: deviceKey(cluster.secret, "hr-julian"),
      ackTimeoutMs: 2000,
    });
    devices.push(hr);
    let readingsSeen = 0;
    ray.socket.on(Ev.readings, (batch) => {
      readingsSeen += batch.readings.length;
    });
    let seq = 0;
    const t0 = Date.now() - 25_000;
    for (let i = 0; i < 20; i++) hr.send(heartRateBatch(++seq, t0 + seq * 1000));
    expect(await hr.flushAsync(15_000)).toBe(true);
    await waitFor(() => readingsSeen > 0, "readings from C reach the care team on A", 10_000);

    // The patient stops, from B; the clinician on A sees it.
    expect((await julian.command(Ev.procedureCommand, { command: "stop" })).ok).toBe(true);
    await waitFor(() => ray.view!.procedure?.status === "paused_by_patient", "stop reaches A");
    const seqBeforeKill = ray.view!.seq;

    // -- the owner dies --------------------------------------------------------------------------
    const rayView = ray.view;
    const killedAt = Date.now();
    await a.kill("SIGKILL");
    toA.retarget(c.port); // the balancer sends A's clients elsewhere
    // Readings keep coming from C while the room has no owner.
    for (let i = 0; i < 10; i++) hr.send(heartRateBatch(++seq, t0 + seq * 1000));
    await waitFor(() => ray.view !== rayView && ray.socket.connected, "clinician welcomed again", 10_000);
    const takenBy = [b, c].find((n) => n.find("room taken", { roomId: "room-julian" }));
    const movedMs = Date.now() - killedAt;
    expect(takenBy).toBeDefined();
    expect(movedMs).toBeLessThan(5000);
    // The stop holds on the new owner, restored from the database.
    expect(ray.view!.procedure?.status).toBe("paused_by_patient");
    expect(ray.view!.seq).toBeGreaterThanOrEqual(seqBeforeKill);
    expect((await ray.command(Ev.procedureCommand, { command: "next" })).ok).toBe(false);
    // The patient on B reconnects by itself and is back in the room.
    await waitFor(
      () => ray.view!.members.some((m) => m.personId === "julian" && m.connection === "connected"),
      "patient back after the failover",
      10_000,
    );
    expect(julian.view!.procedure?.status).toBe("paused_by_patient");

    // Every acknowledged reading is stored exactly once.
    expect(await hr.flushAsync(15_000)).toBe(true);
    hr.close();
    for (const n of [b, c]) await n.kill("SIGTERM");
    const storage = await openPgStorage(cluster.databaseUrl!);
    try {
      expect(await storage.countReadings({ deviceId: "hr-julian" })).toBe(seq * 5);
    } finally {
      await storage.close();
    }
  }, 90_000);
});
