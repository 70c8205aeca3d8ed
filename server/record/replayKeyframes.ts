/**
 * Pose keyframes for replay (issue 9): a few times a second (10 Hz by default,
 * `CHAIRSIDE_POSE_KEYFRAME_HZ`) every room with people in it has all its poses taken as one row.
 * Replay runs only from stored events and these keyframes.
 *
 * The rows of a second are stored together, in one storage call (which the storage thread commits
 * with whatever else is waiting): a call per tick woke the storage thread ten times a second for a
 * row each. Recording then cost about 7 % of the server's CPU in a quiet 8-person room; a call a
 * second saves most of that (bench:room 1x8x72, 4 interleaved rounds). A crash loses at most the
 * last second of keyframes, which replay bridges like any gap. While a write is in flight new rows
 * wait; a slow disk that lets more than `MAX_WAITING_SECONDS` pile up has later ticks skipped, so
 * memory stays bounded.
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

/** Keyframes are stored once a second, in one call. */
export const WRITE_EVERY_MS = 1000;
/** At most this many seconds of keyframes wait for a slow write; later ticks are skipped. */
export const MAX_WAITING_SECONDS = 10;

export class PoseKeyframeRecorder {
  private timer: NodeJS.Timeout | null = null;
  private writing = false;
  /** Taken, not yet handed to storage. */
  private waiting: PoseKeyframe[] = [];
  private waitingTicks = 0;
  private lastWriteAt: number | null = null;
  /** Ticks skipped because too much was waiting for a write (a sign of a slow disk). */
  skipped = 0;

  constructor(private readonly deps: KeyframeDeps) {}

  start(): void {
    if (this.timer || this.deps.hz <= 0) return;
    this.timer = setInterval(() => this.tick(), 1000 / this.deps.hz);
    this.timer.unref();
  }

  /** Stops taking keyframes and stores the ones still waiting. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.write();
  }

  /** Takes one keyframe per room now, and stores the second's keyframes when it is time (the timer calls it; tests may too). */
  tick(): void {
    const now = this.deps.now();
    if (this.waitingTicks >= MAX_WAITING_SECONDS * Math.max(1, this.deps.hz)) {
      this.skipped += 1;
    } else {
      const frames = takeKeyframes(this.deps.rooms(), now);
      if (frames.length > 0) {
        this.waiting.push(...frames);
        this.waitingTicks += 1;
      }
    }
    this.lastWriteAt ??= now;
    if (now - this.lastWriteAt >= WRITE_EVERY_MS) this.write();
  }

  private write(): void {
    if (this.writing || this.waiting.length === 0) return;
    const frames = this.waiting;
    this.waiting = [];
    this.waitingTicks = 0;
    this.lastWriteAt = this.deps.now();
    this.writing = true;
    this.deps.storage
      .appendPoseKeyframes(frames)
      .catch((error: unknown) => log.error("storing pose keyframes failed", { error: String(error) }))
      .finally(() => {
        this.writing = false;
      });
  }
}
