/**
 * Pose batches and connection-state recovery (issue 11) over a real server: the adapter keeps every
 * recoverable broadcast for its window to replay it to a connection that comes back, and before
 * this, every pose batch too. Relayed pose batches now go outside that buffer
 * (server/sessionRegistry.ts `POSE_BATCH_FLAGS`), yet every one still arrives; only the keyframe a
 * second is kept, and a connection that comes back catches up with the poses it missed from it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBatch, encodePose, type Pose } from "../../shared/poseCodec.ts";
import { Ev } from "../../shared/protocol.ts";
import { startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stopAsync();
});

const headAt = (x: number): Pose => ({
  head: { p: { x, y: 1.1, z: 0.5 }, q: { x: 0, y: 0, z: 0, w: 1 } },
  left: null,
  right: null,
});

const slotOf = (c: TestClient) => c.view!.members.find((m) => m.memberId === c.memberId)!.slot;

/** Head x of every pose of `slot` a client received, in order. */
const xsOf = (c: TestClient, slot: number) =>
  c.poseBatches.flatMap((b) =>
    decodeBatch(b)
      .poses.filter((p) => p.slot === slot)
      .map((p) => p.pose.head.p.x),
  );

/** What the main namespace's adapter keeps for recovery (socket.io-adapter's SessionAwareAdapter). */
const recoveryBuffer = () =>
  (server.io.of("/").adapter as unknown as { packets: { data: unknown[] }[] }).packets;
const storedPoseBatches = () => recoveryBuffer().filter((p) => p.data[0] === Ev.poses).length;

describe("pose batches and connection-state recovery", () => {
  it("keeps no pose batch for recovery, and delivers every one", async () => {
    const ray = await TestClient.joinAsync(server, "flower", "clinician");
    const flower = await TestClient.joinAsync(server, "flower", "patient");
    await waitFor(() => ray.view!.members.some((m) => m.personId === "flower"), "flower visible to ray");
    // Ray has a pose too, so every keyframe holds two entries: a one-entry batch of Flower's pose
    // at Ray can only be the relay's, not a keyframe making good a lost one.
    ray.socket.emit(Ev.pose, encodePose(headAt(-0.2)));
    await waitFor(() => xsOf(flower, slotOf(ray)).includes(-0.2), "ray's pose at flower");
    const storedBefore = storedPoseBatches();
    const bufferBefore = recoveryBuffer().length;
    const keyframesBefore = server.sessions.poses.stats.keyframes;
    const xs = Array.from({ length: 60 }, (_, i) => (i + 1) / 100);
    for (const x of xs) {
      flower.socket.emit(Ev.pose, encodePose(headAt(x)));
      // One at a time, so each is its own batch (the relay batches only what arrives together).
      await waitFor(() => xsOf(ray, slotOf(flower)).includes(x), `pose ${x} at ray`);
    }
    const relayed = ray.poseBatches
      .map((b) => decodeBatch(b).poses)
      .filter((poses) => poses.length === 1 && poses[0]!.slot === slotOf(flower))
      .map((poses) => poses[0]!.pose.head.p.x);
    // Every pose came on its own relayed batch: none was dropped behind a write still in flight.
    expect(relayed).toEqual(xs);
    // None of those batches is in the recovery buffer: only the keyframes sent meanwhile (one a
    // second, which give every connection a recovery offset).
    const keyframes = server.sessions.poses.stats.keyframes - keyframesBefore;
    expect(storedPoseBatches() - storedBefore).toBeLessThanOrEqual(keyframes);
    expect(recoveryBuffer().length - bufferBefore).toBeLessThan(keyframes + 10);
    ray.close();
    flower.close();
  });

  it("brings a recovered connection the poses it missed, from the keyframe", async () => {
    const ray = await TestClient.joinAsync(server, "julian", "clinician");
    const julian = await TestClient.joinAsync(server, "julian", "patient");
    await waitFor(() => ray.view!.members.some((m) => m.personId === "julian"), "julian visible to ray");
    julian.socket.emit(Ev.pose, encodePose(headAt(0.25)));
    await waitFor(() => xsOf(ray, slotOf(julian)).includes(0.25), "julian's first pose at ray");

    // Ray's link drops for a moment; Julian moves meanwhile.
    ray.socket.io.engine.close();
    await waitFor(() => !ray.socket.connected, "ray's link down");
    julian.socket.emit(Ev.pose, encodePose(headAt(0.5)));
    await waitFor(() => ray.socket.connected, "ray back");
    expect(ray.socket.recovered).toBe(true);
    // No replay brings the pose sent while Ray was away: the relay's next keyframe does.
    await waitFor(() => xsOf(ray, slotOf(julian)).includes(0.5), "julian's missed pose at ray", 5_000);
    ray.close();
    julian.close();
  });
});
