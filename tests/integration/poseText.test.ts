/**
 * A pose as the browser sends it (issue 11): its 31 bytes as base64 text, one WebSocket frame
 * instead of a binary event's two, over a real server and a real Socket.IO client. The text form
 * is checked as the bytes are (length, base64, flags): anything else is a typed refusal, never a
 * crash, and tools that send bytes are still served.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBatch, decodePose, encodePose, encodePoseText, type Pose } from "../../shared/poseCodec.ts";
import { ErrorCode, Ev } from "../../shared/protocol.ts";
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
  left: { p: { x: 0.2, y: 0.9, z: 0.3 }, q: { x: 0, y: 0, z: 0, w: 1 } },
  right: null,
});

const slotOf = (c: TestClient) => c.view!.members.find((m) => m.memberId === c.memberId)!.slot;
const posesOf = (c: TestClient, slot: number) =>
  c.poseBatches.flatMap((b) =>
    decodeBatch(b)
      .poses.filter((p) => p.slot === slot)
      .map((p) => p.pose),
  );

describe("poses sent as text", () => {
  it("relays a text pose like a binary one, and refuses a malformed one with a typed error", async () => {
    const ray = await TestClient.joinAsync(server, "flower", "clinician");
    const flower = await TestClient.joinAsync(server, "flower", "patient");
    await waitFor(() => ray.view!.members.some((m) => m.personId === "flower"), "flower visible to ray");

    flower.socket.emit(Ev.pose, encodePoseText(headAt(0.31)));
    await waitFor(() => posesOf(ray, slotOf(flower)).some((p) => p.head.p.x === 0.31), "text pose at ray");
    const seen = posesOf(ray, slotOf(flower)).find((p) => p.head.p.x === 0.31)!;
    expect(seen.left?.p).toEqual({ x: 0.2, y: 0.9, z: 0.3 });
    expect(seen.right).toBeNull();

    // A tool's binary pose still works.
    flower.socket.emit(Ev.pose, encodePose(headAt(0.32)));
    await waitFor(() => posesOf(ray, slotOf(flower)).some((p) => p.head.p.x === 0.32), "binary pose at ray");

    // Text of the right length that is not base64: a typed refusal, and the room keeps the last pose.
    const bad = `$${encodePoseText(headAt(0.33)).slice(1)}`;
    flower.socket.emit(Ev.pose, bad);
    await waitFor(() => flower.errors.some((e) => e.event === Ev.pose), "flower's refusal");
    expect(flower.errors.find((e) => e.event === Ev.pose)?.code).toBe(ErrorCode.badPayload);
    expect(flower.socket.connected).toBe(true);
    const room = server.sessions.forAppointment("flower").room;
    const kept = room.allPoses().find((p) => p.slot === slotOf(flower))!;
    expect(decodePose(kept.bytes).head.p.x).toBe(0.32);
    ray.close();
    flower.close();
  });
});
