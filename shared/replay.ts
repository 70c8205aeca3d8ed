/**
 * Replay of a past visit (issue 9): the room view at any time t, rebuilt from the stored room
 * events through the live clients' own reducer (shared/roomView.ts `applyRoomEvent`), so a replay
 * and what was seen live cannot disagree, and the poses from the stored keyframes. Pure and
 * deterministic: no clock, no randomness; seeking to the same t twice gives the same state.
 */
import { decodeBatch, type PoseBatch } from "./poseCodec.ts";
import type { AppointmentView, DeliveredRoomEvent, RoomSnapshot } from "./protocol.ts";
import { applyRoomEvent } from "./roomView.ts";

/** Replay speeds offered: 1× to 8×. */
export const REPLAY_SPEEDS = [1, 2, 4, 8] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

/** One stored pose keyframe: every pose in the room at `at`, as a shared/poseCodec.ts batch. */
export interface ReplayKeyframe {
  at: number;
  seq: number;
  poses: Uint8Array;
}

/** What `GET /api/visits/:id/replay` answers; keyframe poses travel as base64. */
export interface ReplayRecording {
  visitId: string;
  /** The room before anything of the room's log was applied (nobody in it, Otto idle). */
  initial: RoomSnapshot;
  /**
   * The room's events up to the visit's last one, oldest first: those before `firstSeq` set the
   * scene. As an observer received them (the server projects them; withheld ones keep their seq).
   */
  events: DeliveredRoomEvent[];
  /** The visit's own events start here (seq). */
  firstSeq: number;
  keyframes: { at: number; seq: number; poses: string }[];
}

/** The room at one moment of a replay. */
export interface ReplayState {
  t: number;
  view: RoomSnapshot;
  /** The newest keyframe at or before t (null before the first one). */
  poses: PoseBatch | null;
  /** What Otto said last, if anything: shown as a caption. */
  caption: string | null;
}

/** An empty room for `appointment`, the state every replay starts from. */
export function emptyRoomView(
  appointment: AppointmentView,
  comfort: RoomSnapshot["comfort"],
  you: string,
  protocolVersion: number,
): RoomSnapshot {
  return {
    protocolVersion,
    appointment,
    you,
    seq: 0,
    members: [],
    otto: { state: "idle", lookAt: null, lastUtterance: null },
    procedure: null,
    comfort,
    alarms: [],
    teamChecking: false,
    devices: [],
    quarantinedFirmware: [],
    firmwareHistory: [],
    serverTime: 0,
  };
}

/**
 * Applies one stored event through the live reducer. The stored log may lack an event (a write
 * that failed): a live client would resync from a snapshot, a replay has none, so it goes on from
 * the next event it has rather than freezing.
 */
function applyStored(view: RoomSnapshot, event: DeliveredRoomEvent): void {
  if (applyRoomEvent(view, event) === "gap") {
    view.seq = event.seq - 1;
    applyRoomEvent(view, event);
  }
}

/** The index of the last item with `at` <= t, or -1. Items are sorted by `at`. */
function lastAtOrBefore(items: readonly { at: number }[], t: number): number {
  let lo = 0;
  let hi = items.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.at <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export class ReplayEngine {
  /** First and last instant of the visit: its first event (or keyframe) to its last. */
  readonly startAt: number;
  readonly endAt: number;
  private readonly base: RoomSnapshot;
  private readonly events: DeliveredRoomEvent[];
  private readonly keyframes: ReplayKeyframe[];
  private view: RoomSnapshot;
  /** Events applied to `view` so far. */
  private applied = 0;
  private t: number;

  constructor(
    initial: RoomSnapshot,
    events: readonly DeliveredRoomEvent[],
    firstSeq: number,
    keyframes: readonly ReplayKeyframe[],
  ) {
    const sorted = [...events].sort((a, b) => a.seq - b.seq);
    // The scene as it stood when the visit began: people already in the room, devices, quarantines.
    const base = structuredClone(initial);
    const before = sorted.filter((e) => e.seq < firstSeq);
    if (before.length > 0) base.seq = before[0]!.seq - 1;
    for (const e of before) applyStored(base, e);
    this.events = sorted.filter((e) => e.seq >= firstSeq);
    if (before.length === 0 && this.events.length > 0) base.seq = this.events[0]!.seq - 1;
    this.base = base;
    // The visit begins at its first own event; keyframes from before it belong to the scene, not the visit.
    const sortedFrames = [...keyframes].sort((a, b) => a.at - b.at || a.seq - b.seq);
    const firstEventAt = this.events[0]?.at;
    // The last keyframe before the visit stays, so its people stand where they were from its first instant.
    const lead = firstEventAt === undefined ? -1 : lastAtOrBefore(sortedFrames, firstEventAt - 1);
    this.keyframes = firstEventAt === undefined ? sortedFrames : sortedFrames.slice(Math.max(lead, 0));
    this.startAt = firstEventAt ?? this.keyframes[0]?.at ?? 0;
    this.endAt = Math.max(this.startAt, this.events.at(-1)?.at ?? 0, sortedFrames.at(-1)?.at ?? 0);
    this.view = structuredClone(base);
    this.t = this.startAt;
  }

  /** The room at time t (clamped to the visit). Moving forward applies only the new events. */
  seek(t: number): ReplayState {
    const at = Math.min(Math.max(t, this.startAt), this.endAt);
    if (at < this.t) {
      this.view = structuredClone(this.base);
      this.applied = 0;
    }
    this.t = at;
    while (this.applied < this.events.length && this.events[this.applied]!.at <= at) {
      applyStored(this.view, this.events[this.applied]!);
      this.applied += 1;
    }
    this.view.serverTime = at;
    const k = lastAtOrBefore(this.keyframes, at);
    return {
      t: at,
      view: structuredClone(this.view),
      poses: k >= 0 ? decodeBatch(this.keyframes[k]!.poses) : null,
      caption: this.view.otto.lastUtterance?.text ?? null,
    };
  }

  /** The first time at or after `from` at which `match` holds, checking each event's instant; or null. */
  findTime(match: (view: RoomSnapshot) => boolean, from = this.startAt): number | null {
    for (const e of this.events) {
      if (e.at < from) continue;
      if (match(this.seek(e.at).view)) return e.at;
    }
    return null;
  }

  /** Every instant a stored event happened, oldest first (seek marks on the timeline). */
  eventTimes(): number[] {
    return this.events.map((e) => e.at);
  }
}

/** Keyframes as they travel in JSON (base64), and back. */
export function keyframeToJson(k: ReplayKeyframe): { at: number; seq: number; poses: string } {
  let binary = "";
  for (const byte of k.poses) binary += String.fromCharCode(byte);
  return { at: k.at, seq: k.seq, poses: btoa(binary) };
}

export function keyframeFromJson(k: { at: number; seq: number; poses: string }): ReplayKeyframe {
  const binary = atob(k.poses);
  const poses = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) poses[i] = binary.charCodeAt(i);
  return { at: k.at, seq: k.seq, poses };
}

/** A recording's engine, ready to seek. */
export function replayEngineOf(recording: ReplayRecording): ReplayEngine {
  return new ReplayEngine(
    recording.initial,
    recording.events,
    recording.firstSeq,
    recording.keyframes.map(keyframeFromJson),
  );
}
