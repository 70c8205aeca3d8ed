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

  /** A recorder at 10 Hz over one room, on a clock the test moves, with writes it releases. */
  function recorderAt10Hz() {
    const writes: PoseKeyframe[][] = [];
    const releases: (() => void)[] = [];
    let now = 5000;
    const recorder = new PoseKeyframeRecorder({
      storage: {
        appendPoseKeyframes: (frames) => {
          writes.push([...frames]);
          return new Promise<void>((resolve) => releases.push(resolve));
        },
      },
      rooms: () => [{ roomId: "a", room: room(true, [1]) }],
      now: () => now,
      hz: 10,
    });
    const ticks = (n: number) => {
      for (let i = 0; i < n; i += 1) {
        recorder.tick();
        now += 100;
      }
    };
    return { recorder, writes, releases, ticks };
  }

  it("stores a second of keyframes in one call, each keyframe at its own instant", () => {
    const { writes, ticks } = recorderAt10Hz();
    ticks(10);
    expect(writes).toHaveLength(0);
    ticks(1);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.map((f) => f.at)).toEqual(Array.from({ length: 11 }, (_, i) => 5000 + i * 100));
  });

  it("keeps keyframes waiting while a write is in flight, and skips ticks once ten seconds wait", async () => {
    const { recorder, writes, releases, ticks } = recorderAt10Hz();
    ticks(11);
    expect(writes).toHaveLength(1);
    ticks(100);
    expect(writes).toHaveLength(1);
    expect(recorder.skipped).toBe(0);
    ticks(5);
    expect(recorder.skipped).toBe(5);
    releases[0]!();
    await new Promise((resolve) => setImmediate(resolve));
    ticks(1);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toHaveLength(100);
  });

  it("stores what is waiting when it stops", () => {
    const { recorder, writes, ticks } = recorderAt10Hz();
    ticks(3);
    recorder.stop();
    expect(writes).toEqual([[expect.objectContaining({ at: 5000 }), expect.anything(), expect.anything()]]);
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
