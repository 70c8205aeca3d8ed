import { describe, expect, it } from "vitest";
import { decodeBatch, encodePose } from "../../shared/poseCodec.ts";
import type { PoseKeyframe } from "../storage/storage.ts";
import {
  type KeyframeRoom,
  PoseKeyframeRecorder,
  poseKeyframeHzFromEnv,
  takeKeyframes,
} from "./replayKeyframes.ts";

const pose = encodePose({
  head: { p: { x: 0.1, y: 1.2, z: 0.3 }, q: { x: 0, y: 0, z: 0, w: 1 } },
  left: null,
  right: null,
});

function room(people: boolean, slots: number[], lastSeq = 7): KeyframeRoom {
  return { hasPeople: () => people, allPoses: () => slots.map((slot) => ({ slot, bytes: pose })), lastSeq };
}

describe("pose keyframes", () => {
  it("takes one keyframe per room with people and poses, carrying every slot and the room's seq", () => {
    const frames = takeKeyframes(
      [
        { roomId: "a", room: room(true, [1, 2]) },
        { roomId: "empty", room: room(false, [1]) },
        { roomId: "still", room: room(true, []) },
      ],
      1000,
    );
    expect(frames.map((f) => f.roomId)).toEqual(["a"]);
    expect(frames[0]!.seq).toBe(7);
    expect(decodeBatch(frames[0]!.poses).poses.map((p) => p.slot)).toEqual([1, 2]);
  });

  it("skips a tick while the previous write is in flight instead of queueing", async () => {
    const writes: PoseKeyframe[][] = [];
    let release: () => void = () => undefined;
    const recorder = new PoseKeyframeRecorder({
      storage: {
        appendPoseKeyframes: (frames) => {
          writes.push([...frames]);
          return new Promise<void>((resolve) => {
            release = resolve;
          });
        },
      },
      rooms: () => [{ roomId: "a", room: room(true, [1]) }],
      now: () => 5000,
      hz: 10,
    });
    recorder.tick();
    recorder.tick();
    expect(writes).toHaveLength(1);
    expect(recorder.skipped).toBe(1);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    recorder.tick();
    expect(writes).toHaveLength(2);
  });

  it.each([
    [undefined, 10],
    ["", 10],
    ["0", 0],
    ["25", 25],
  ])("reads CHAIRSIDE_POSE_KEYFRAME_HZ=%s as %d", (raw, hz) => {
    expect(poseKeyframeHzFromEnv(raw === undefined ? {} : { CHAIRSIDE_POSE_KEYFRAME_HZ: raw })).toBe(hz);
  });

  it.each(["31", "-1", "2.5", "fast"])("refuses CHAIRSIDE_POSE_KEYFRAME_HZ=%s with a clear error", (raw) => {
    expect(() => poseKeyframeHzFromEnv({ CHAIRSIDE_POSE_KEYFRAME_HZ: raw })).toThrow(/from 0 to 30/);
  });
});
