/**
 * The pose relay over a real server (issue 11): poses go out as they arrive, and since a volatile
 * pose can be lost, a late joiner starts from a keyframe of every pose and a member who stands
 * still is sent again (a lost pose never leaves an avatar frozen in a wrong place). Each batch the
 * relay sends is one WebSocket frame (text), the form Socket.IO frames once for all receivers.
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

/** Every (slot, head x) pair in each batch a client received, batch by batch. */
const received = (c: TestClient) =>
  c.poseBatches.map((b) => decodeBatch(b).poses.map((p) => ({ slot: p.slot, x: p.pose.head.p.x })));

describe("pose relay", () => {
  it("forwards a pose to the others as it arrives, not back to its sender", async () => {
    const ray = await TestClient.joinAsync(server, "flower", "clinician");
    const flower = await TestClient.joinAsync(server, "flower", "patient");
    await waitFor(() => ray.view!.members.some((m) => m.personId === "flower"), "flower visible to ray");
    // Ray has a pose too, so every keyframe (which carries every pose, Flower's own included)
    // holds two entries: a one-entry batch back to Flower could only be the relay echoing her.
    ray.socket.emit(Ev.pose, encodePose(headAt(-0.2)));
    await waitFor(
      () => received(flower).some((b) => b.some((p) => p.slot === slotOf(ray) && p.x === -0.2)),
      "ray's pose at flower",
    );
    const sentBefore = server.sessions.poses.stats.batches;
    for (const x of [0.11, 0.12, 0.13]) {
      flower.socket.emit(Ev.pose, encodePose(headAt(x)));
      await waitFor(
        () => received(ray).some((b) => b.some((p) => p.slot === slotOf(flower) && p.x === x)),
        `pose ${x} at ray`,
      );
    }
    // Each pose went out on its own batch (the relay, not a keyframe, carried it).
    expect(server.sessions.poses.stats.batches - sentBefore).toBeGreaterThanOrEqual(3);
    // Flower's own poses come back to her only inside keyframes (which carry every pose: two here).
    const relayedToFlower = received(flower).filter(
      (b) => b.length === 1 && b[0]!.slot === slotOf(flower) && [0.11, 0.12, 0.13].includes(b[0]!.x),
    );
    expect(relayedToFlower).toEqual([]);
    ray.close();
    flower.close();
  });

  it("starts a late joiner from a keyframe holding every member's current pose", async () => {
    const ray = await TestClient.joinAsync(server, "julian", "clinician");
    const julian = await TestClient.joinAsync(server, "julian", "patient");
    await waitFor(() => ray.view!.members.some((m) => m.personId === "julian"), "julian visible to ray");
    ray.socket.emit(Ev.pose, encodePose(headAt(-0.5)));
    julian.socket.emit(Ev.pose, encodePose(headAt(0.75)));
    await waitFor(
      () => received(ray).some((b) => b.some((p) => p.slot === slotOf(julian) && p.x === 0.75)),
      "julian's pose at ray",
    );
    // Both now stand still: nothing changes, so any batch the late joiner gets is a keyframe.
    const noah = await TestClient.joinAsync(server, "julian", "assistant");
    await waitFor(() => noah.poseBatches.length > 0, "noah's first pose batch");
    const first = received(noah)[0]!;
    expect(first).toEqual(
      expect.arrayContaining([
        { slot: slotOf(ray), x: -0.5 },
        { slot: slotOf(julian), x: 0.75 },
      ]),
    );
    for (const c of [ray, julian, noah]) c.close();
  });

  it("sends a still member's pose again, so a viewer that lost it catches up without new input", async () => {
    const ray = await TestClient.joinAsync(server, "flower", "clinician");
    const flower = await TestClient.joinAsync(server, "flower", "patient");
    await waitFor(() => ray.view!.members.some((m) => m.personId === "flower"), "flower visible to ray");
    flower.socket.emit(Ev.pose, encodePose(headAt(0.42)));
    const holds = () =>
      received(ray).filter((b) => b.some((p) => p.slot === slotOf(flower) && p.x === 0.42)).length;
    await waitFor(() => holds() >= 1, "flower's pose at ray");
    // Ray's copy is treated as lost. Flower sends nothing more; the pose must come again.
    await waitFor(() => holds() >= 2, "flower's still pose sent again", 5_000);
    ray.close();
    flower.close();
  });

  it("sends each relayed batch as one text frame, not a binary event and its attachment", async () => {
    const ray = await TestClient.joinAsync(server, "flower", "clinician");
    const flower = await TestClient.joinAsync(server, "flower", "patient");
    await waitFor(() => ray.view!.members.some((m) => m.personId === "flower"), "flower visible to ray");
    // Every Engine.IO message that reaches ray from here on, as it came off the socket.
    const frames: unknown[] = [];
    ray.socket.io.engine.on("packet", (packet: { type: string; data?: unknown }) => {
      if (packet.type === "message") frames.push(packet.data);
    });
    const before = ray.poseBatches.length;
    flower.socket.emit(Ev.pose, encodePose(headAt(0.31)));
    await waitFor(
      () => received(ray).some((b) => b.some((p) => p.slot === slotOf(flower) && p.x === 0.31)),
      "flower's pose at ray",
    );
    const batches = ray.poseBatches.length - before;
    const poseFrames = frames.filter((f) => typeof f === "string" && f.startsWith(`2["${Ev.poses}"`));
    expect(poseFrames.length).toBe(batches);
    expect(frames.filter((f) => typeof f !== "string")).toEqual([]);
    ray.close();
    flower.close();
  });
});
