/**
 * The pose relay (issue 11): a pose is forwarded as soon as it arrives, not on the next room tick.
 *
 * A fixed tick made every pose wait up to a whole tick (7 ms at 72 Hz on average) for nothing. Now
 * an accepted pose marks its room, and at the end of the current event-loop turn every marked room
 * sends one batch of the poses that changed in it (the 31-byte client encodings, as before). So a
 * pose is on the wire within the turn it was read in, and poses that arrive together (a busy turn,
 * a burst) share one batch: batching happens only under load, by itself.
 *
 * Each room also has an outbound budget, a token bucket of batches: `perSecond` on average, up to
 * `burst` at once. A room over its budget keeps collecting (latest pose per member wins) and sends
 * when a token is back. That bounds what a room costs the server (and every receiver) however
 * fast and however out of step its members send, which is what the old tick did, without making
 * a quiet room wait.
 *
 * Poses are a volatile stream (a packet may be lost when a connection is busy): once a second each
 * room sends a keyframe with every member's latest pose, so a viewer that missed a pose of someone
 * who then stood still converges within a second; a late joiner gets every pose in its welcome.
 *
 * The room (server/room.ts) keeps the poses; this module decides only when they go out. Sending is
 * injected, so the timing decisions are tested without sockets.
 */
import { encodeBatch } from "../shared/poseCodec.ts";

/** What the relay needs of a room: its poses (server/room.ts Room provides them). */
export interface RelayRoom {
  hasPeople(): boolean;
  takeDirtyPoses(): { slot: number; bytes: Uint8Array }[];
  takePoseBatch(keyframe: true): { slot: number; bytes: Uint8Array }[];
  readonly lastSeq: number;
}

export interface PoseRelayDeps {
  now: () => number;
  /**
   * Sends one encoded batch to everyone in the room, except the connection `exceptSocketId` when
   * given (the only sender in the batch: its own pose is no news to it).
   */
  send(roomId: string, batch: Uint8Array, exceptSocketId: string | null): void;
  /** Runs `task` at the end of the current turn (setImmediate, or the turn's uncorking). */
  endOfTurn(task: () => void): void;
  /** A timer for a room over its budget (setTimeout); the relay never keeps more than one per room. */
  later(task: () => void, ms: number): void;
  /** A room's outbound budget: batches per second on average, and how many may go at once. */
  budget: { perSecond: number; burst: number };
}

/** Counters for the benchmark and tests. */
export interface RelayStats {
  /** Poses accepted into a room. */
  arrived: number;
  /** Batches sent as poses arrived. */
  batches: number;
  /** Poses in those batches. */
  poses: number;
  /** Batches that waited for their room's budget. */
  deferred: number;
  keyframes: number;
}

interface RoomState {
  roomId: string;
  room: RelayRoom;
  /** Marked for this turn's flush, or waiting for its budget. */
  pending: boolean;
  /** The one connection whose poses the pending batch holds; null when none yet, "" when several. */
  sender: string | null;
  /** Batches the room may send now (its token bucket), as of `refilledAt`. */
  tokens: number;
  refilledAt: number;
  /** A budget timer is set. */
  waiting: boolean;
}

export class PoseRelay {
  readonly stats: RelayStats = { arrived: 0, batches: 0, poses: 0, deferred: 0, keyframes: 0 };
  private readonly rooms = new Map<string, RoomState>();
  private readonly due: RoomState[] = [];
  private scheduled = false;
  private readonly flushDue = () => this.flush();
  private endOfTurn: (task: () => void) => void;

  constructor(private readonly deps: PoseRelayDeps) {
    this.endOfTurn = deps.endOfTurn;
  }

  /** Sends at the end of the turn through this instead (the gateway's uncorking: one write per socket). */
  runAtEndOfTurnWith(endOfTurn: (task: () => void) => void): void {
    this.endOfTurn = endOfTurn;
  }

  /** A pose from connection `socketId` was accepted into `room`: it goes out at the end of this turn. */
  arrived(roomId: string, room: RelayRoom, socketId: string): void {
    this.stats.arrived += 1;
    let state = this.rooms.get(roomId);
    if (!state || state.room !== room) {
      state = {
        roomId,
        room,
        pending: false,
        sender: null,
        tokens: this.deps.budget.burst,
        refilledAt: this.deps.now(),
        waiting: false,
      };
      this.rooms.set(roomId, state);
    }
    state.sender = state.sender === null || state.sender === socketId ? socketId : "";
    if (state.pending) return;
    state.pending = true;
    if (state.waiting) return;
    this.due.push(state);
    if (!this.scheduled) {
      this.scheduled = true;
      this.endOfTurn(this.flushDue);
    }
  }

  /** Every member's latest pose to everyone in each room with people (once a second). */
  keyframe(rooms: Iterable<{ roomId: string; room: RelayRoom }>): void {
    const now = this.deps.now();
    for (const { roomId, room } of rooms) {
      if (!room.hasPeople()) continue;
      const entries = room.takePoseBatch(true);
      const state = this.rooms.get(roomId);
      if (state && state.room === room) {
        state.pending = false;
        state.sender = null;
      }
      this.stats.keyframes += 1;
      this.deps.send(roomId, encodeBatch(now, room.lastSeq, entries), null);
    }
  }

  /** Forgets a room that closed. */
  forget(roomId: string): void {
    this.rooms.delete(roomId);
  }

  private flush(): void {
    this.scheduled = false;
    const now = this.deps.now();
    const due = this.due.splice(0);
    for (const state of due) {
      if (!state.pending) continue;
      const wait = this.waitForToken(state, now);
      if (wait > 0) {
        this.stats.deferred += 1;
        state.waiting = true;
        this.deps.later(() => this.afterWait(state), wait);
        continue;
      }
      this.send(state, now);
    }
  }

  private afterWait(state: RoomState): void {
    state.waiting = false;
    // The room closed (or was reset) while it waited: its poses are nobody's news now.
    if (!state.pending || this.rooms.get(state.roomId) !== state) return;
    const now = this.deps.now();
    const wait = this.waitForToken(state, now);
    if (wait > 0) {
      state.waiting = true;
      this.deps.later(() => this.afterWait(state), wait);
      return;
    }
    this.send(state, now);
  }

  /** Refills the room's bucket; 0 when a batch may go now, else how long until it may (ms). */
  private waitForToken(state: RoomState, now: number): number {
    const { perSecond, burst } = this.deps.budget;
    state.tokens = Math.min(burst, state.tokens + ((now - state.refilledAt) * perSecond) / 1000);
    state.refilledAt = now;
    return state.tokens >= 1 ? 0 : ((1 - state.tokens) * 1000) / perSecond;
  }

  private send(state: RoomState, now: number): void {
    const { room } = state;
    const sender = state.sender;
    state.pending = false;
    state.sender = null;
    const entries = room.takeDirtyPoses();
    if (entries.length === 0) return;
    state.tokens -= 1;
    this.stats.batches += 1;
    this.stats.poses += entries.length;
    this.deps.send(state.roomId, encodeBatch(now, room.lastSeq, entries), sender === "" ? null : sender);
  }
}
