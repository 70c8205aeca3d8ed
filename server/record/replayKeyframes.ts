/**
 * Pose keyframes for replay (issue 9): a few times a second (10 Hz by default,
 * `CHAIRSIDE_POSE_KEYFRAME_HZ`) every room with people in it has all its poses stored as one row.
 * Replay runs only from stored events and these keyframes. One tick makes one storage call for all
 * rooms, which the storage thread commits together with whatever else is waiting (its group commit),
 * so recording never blocks the event loop on the disk; a tick whose write is still in flight is
 * skipped rather than queued, so a slow disk cannot pile up memory.
 */
import { encodeBatch } from "../../shared/poseCodec.ts";
import { createLogger } from "../log.ts";
import type { PoseKeyframe, Storage } from "../storage/storage.ts";

const log = createLogger("pose-keyframes");

export const DEFAULT_POSE_KEYFRAME_HZ = 10;

/** What a keyframe needs from a live room (server/room.ts Room provides it). */
export interface KeyframeRoom {
  hasPeople(): boolean;
  allPoses(): { slot: number; bytes: Uint8Array }[];
  readonly lastSeq: number;
}

export interface KeyframeDeps {
  storage: Pick<Storage, "appendPoseKeyframes">;
  /** The open rooms now, by room id. */
  rooms: () => Iterable<{ roomId: string; room: KeyframeRoom }>;
  now: () => number;
  hz: number;
}

/** `CHAIRSIDE_POSE_KEYFRAME_HZ`: 1 to 30 keyframes a second, 0 turns recording off. */
export function poseKeyframeHzFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CHAIRSIDE_POSE_KEYFRAME_HZ;
  if (raw === undefined || raw === "") return DEFAULT_POSE_KEYFRAME_HZ;
  const hz = Number(raw);
  if (!Number.isInteger(hz) || hz < 0 || hz > 30) {
    throw new Error(`CHAIRSIDE_POSE_KEYFRAME_HZ must be a whole number from 0 to 30, got "${raw}"`);
  }
  return hz;
}

/** The keyframes of one instant: one per room with people and at least one pose. Pure. */
export function takeKeyframes(
  rooms: Iterable<{ roomId: string; room: KeyframeRoom }>,
  at: number,
): PoseKeyframe[] {
  const frames: PoseKeyframe[] = [];
  for (const { roomId, room } of rooms) {
    if (!room.hasPeople()) continue;
    const poses = room.allPoses();
    if (poses.length === 0) continue;
    frames.push({ roomId, at, seq: room.lastSeq, poses: encodeBatch(at, room.lastSeq, poses) });
  }
  return frames;
}

export class PoseKeyframeRecorder {
  private timer: NodeJS.Timeout | null = null;
  private writing = false;
  /** Ticks skipped because the previous write had not finished (a sign of a slow disk). */
  skipped = 0;

  constructor(private readonly deps: KeyframeDeps) {}

  start(): void {
    if (this.timer || this.deps.hz <= 0) return;
    this.timer = setInterval(() => this.tick(), 1000 / this.deps.hz);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes and stores one keyframe per room now (the timer calls it; tests may too). */
  tick(): void {
    if (this.writing) {
      this.skipped += 1;
      return;
    }
    const frames = takeKeyframes(this.deps.rooms(), this.deps.now());
    if (frames.length === 0) return;
    this.writing = true;
    this.deps.storage
      .appendPoseKeyframes(frames)
      .catch((error: unknown) => log.error("storing pose keyframes failed", { error: String(error) }))
      .finally(() => {
        this.writing = false;
      });
  }
}
