/**
 * The pose relay (issue 11): a pose is forwarded as soon as it arrives, not on the next room tick.
 *
 * A fixed tick made every pose wait up to a whole tick (7 ms at 72 Hz on average) for nothing. Now
 * an accepted pose marks its room, and at the end of the next event-loop turn every marked room
 * sends one batch of the poses that changed in it (the 31-byte client encodings, as before, in one
 * text frame: shared/poseCodec.ts says why). So poses that arrive together (a busy turn, a burst)
 * share one batch: batching happens only under load, by itself.
 *
 * Why the next turn and not this one: poses that are sent together (one headset's frame on several
 * connections, a client process with several participants, two headsets in step) reach the server
 * a few microseconds apart, and the loop often wakes for the first before the others are in. The
 * turn after that one polls again without waiting (an end-of-turn task is pending), takes in the
 * rest, and they all leave in one batch: in bench:room a tenth fewer batches, each a write to every
 * receiver, for a few microseconds of delay on an idle server. On a busy one a turn is longer, and
 * waiting for the next one is the batching that load calls for.
 *
 * Each room also has an outbound budget, a token bucket of batches: `perSecond` on average, up to
 * `burst` at once. A room over its budget keeps collecting (latest pose per member wins) and sends
 * when a token is back. That bounds what a room costs the server (and every receiver) however
 * fast and however out of step its members send, which is what the old tick did, without making
 * a quiet room wait.
 *
 * The budget also follows the server's load (`busyShare`, the main thread's own CPU share): up to half
 * busy, every room has its full budget; beyond that the budget shrinks in step, down to
 * `underLoadPerSecond` (the old tick's one batch a tick) when the loop is never idle. A busy
 * server is where each batch's cost (a write to every receiver) delays every other room's poses
 * and commands most, and where poses already come in bunches, so batching them loses little.
 *
 * Poses are a volatile stream (a packet may be lost when a connection is busy): once a second each
 * room sends a keyframe with every member's latest pose, so a viewer that missed a pose of someone
 * who then stood still converges within a second; a late joiner gets every pose in its welcome.
 *
 * The room (server/room.ts) keeps the poses; this module decides only when they go out. Sending is
 * injected, so the timing decisions are tested without sockets.
 */
import { openSync, readSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { encodeBatchText } from "../shared/poseCodec.ts";

/** What the relay needs of a room: its poses (server/room.ts Room provides them). */
export interface RelayRoom {
  hasPeople(): boolean;
  takeDirtyPoses(): { slot: number; bytes: Uint8Array }[];
  takePoseBatch(keyframe: true): { slot: number; bytes: Uint8Array }[];
  readonly lastSeq: number;
}

/**
 * A batch of the poses that just arrived, or the keyframe a second of every pose. Only keyframes
 * are kept for connection-state recovery (sessionRegistry.ts): each connection gets a recovery
 * offset at least once a second from them (across nodes the welcome and other packets for one
 * connection carry none), and replaying one costs one batch a second per room.
 */
export const BatchKind = { relayed: "relayed", keyframe: "keyframe" } as const;
export type BatchKind = (typeof BatchKind)[keyof typeof BatchKind];

export interface PoseRelayDeps {
  now: () => number;
  /**
   * Sends one encoded batch to everyone in the room, except the connection `exceptSocketId` when
   * given (the only sender in the batch: its own pose is no news to it). The batch is text (base64
   * of the batch bytes, shared/poseCodec.ts): one WebSocket frame, framed once for every receiver.
   */
  send(roomId: string, batch: string, exceptSocketId: string | null, kind: BatchKind): void;
  /** Runs `task` at the end of the current turn (setImmediate, or the turn's uncorking). */
  endOfTurn(task: () => void): void;
  /** A timer for a room over its budget (setTimeout); the relay never keeps more than one per room. */
  later(task: () => void, ms: number): void;
  /**
   * A room's outbound budget: batches per second on average, and how many may go at once;
   * `underLoadPerSecond` (default `perSecond`) is the average left when the server is fully busy.
   */
  budget: { perSecond: number; burst: number; underLoadPerSecond?: number };
  /** The server's recent busy share, 0–1 (mainThreadBusyShare); without it the budget is fixed. */
  busyShare?: () => number;
}

/** Up to this busy share every room has its full budget. */
export const FULL_BUDGET_BELOW_BUSY = 0.5;

/** A room's average batches per second when the server is `busy` (0–1) busy. */
export function budgetUnderLoad(
  budget: { perSecond: number; underLoadPerSecond?: number },
  busy: number,
): number {
  const floor = Math.min(budget.perSecond, budget.underLoadPerSecond ?? budget.perSecond);
  const over = (Math.min(1, Math.max(0, busy)) - FULL_BUDGET_BELOW_BUSY) / (1 - FULL_BUDGET_BELOW_BUSY);
  return over <= 0 ? budget.perSecond : budget.perSecond - (budget.perSecond - floor) * over;
}

/**
 * The main thread's own busy share over the last `everyMs` or so: the CPU time it ran, from the
 * kernel's account of the thread (Linux `/proc/self/task/<pid>/stat`), over the wall time. Unlike
 * event-loop utilization, which counts the wall time inside callbacks, it does not rise when other
 * processes take the cores and the thread waits for one mid-callback: on a shared machine that
 * made the budget shrink, and poses wait for a token, for work that was not the server's own.
 * Where there is no such file it is the event loop's busy share (`eventLoopBusyShare`).
 */
export function mainThreadBusyShare(everyMs = 250): () => number {
  const cpuMs = mainThreadCpuMs;
  let lastCpu = cpuMs();
  if (lastCpu === null) return eventLoopBusyShare(everyMs);
  let at = performance.now();
  let share = 0;
  return () => {
    const now = performance.now();
    if (now - at >= everyMs) {
      const cpu = cpuMs() ?? lastCpu!;
      share = Math.min(1, Math.max(0, (cpu - lastCpu!) / (now - at)));
      lastCpu = cpu;
      at = now;
    }
    return share;
  };
}

/**
 * The main thread's stat file, opened once for the process and read again from its start each
 * time: opening it on every reading (readFileSync) was a few per cent of the main thread's work in
 * bench:room, more than the rest of this module. Null where there is none (not Linux).
 */
let statFd: number | null | undefined;
const statBuffer = Buffer.alloc(1024);

/** The main thread's CPU time so far, ms (null where the kernel does not say). */
export function mainThreadCpuMs(): number | null {
  if (statFd === undefined) {
    try {
      statFd = openSync(`/proc/self/task/${process.pid}/stat`, "r");
    } catch {
      statFd = null;
    }
  }
  if (statFd === null) return null;
  try {
    const length = readSync(statFd, statBuffer, 0, statBuffer.length, 0);
    return threadCpuMsOf(statBuffer.toString("latin1", 0, length));
  } catch {
    return null;
  }
}

/** Linux's clock ticks per second in /proc (USER_HZ: 100 on every architecture Node runs on). */
const USER_HZ = 100;

/**
 * A thread's CPU time so far (user + system), ms, from its `/proc/.../stat` line; null when the
 * line is not one. The command name in parentheses may hold spaces: fields are counted after it.
 */
export function threadCpuMsOf(stat: string): number | null {
  const close = stat.lastIndexOf(")");
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(" ");
  // After the name: state is field 3 of the line; utime and stime are fields 14 and 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : null;
}

/**
 * The event loop's busy share over the last `everyMs` or so (Node's event-loop utilization),
 * measured at most once per `everyMs`, so asking for it per batch costs a clock read.
 */
export function eventLoopBusyShare(everyMs = 250): () => number {
  let last = performance.eventLoopUtilization();
  let at = performance.now();
  let share = 0;
  return () => {
    const now = performance.now();
    if (now - at >= everyMs) {
      const current = performance.eventLoopUtilization();
      share = performance.eventLoopUtilization(current, last).utilization;
      last = current;
      at = now;
    }
    return share;
  };
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
  /** Marked for a flush (at the end of the next turn), or waiting for its budget. */
  pending: boolean;
  /** The one connection whose poses the pending batch holds; null when none yet, "" when several. */
  sender: string | null;
  /** Batches the room may send now (its token bucket), as of `refilledAt`. */
  tokens: number;
  refilledAt: number;
  /** A budget timer is set. */
  waiting: boolean;
  /** Marked in this turn: its batch waits for the end of the next (PoseRelay says why). */
  settling: boolean;
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

  /** A pose from connection `socketId` was accepted into `room`: it goes out at the end of the next turn. */
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
        settling: false,
      };
      this.rooms.set(roomId, state);
    }
    state.sender = state.sender === null || state.sender === socketId ? socketId : "";
    if (state.pending) return;
    state.pending = true;
    if (state.waiting) return;
    state.settling = true;
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
      this.deps.send(roomId, encodeBatchText(now, room.lastSeq, entries), null, BatchKind.keyframe);
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
      if (state.settling) {
        // One more pass of the loop's poll first (see PoseRelay).
        state.settling = false;
        this.due.push(state);
        continue;
      }
      const wait = this.waitForToken(state, now);
      if (wait > 0) {
        this.stats.deferred += 1;
        state.waiting = true;
        this.deps.later(() => this.afterWait(state), wait);
        continue;
      }
      this.send(state, now);
    }
    if (this.due.length > 0 && !this.scheduled) {
      this.scheduled = true;
      this.endOfTurn(this.flushDue);
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
    const { burst } = this.deps.budget;
    const busy = this.deps.busyShare?.() ?? 0;
    const perSecond =
      busy > FULL_BUDGET_BELOW_BUSY ? budgetUnderLoad(this.deps.budget, busy) : this.deps.budget.perSecond;
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
    this.deps.send(
      state.roomId,
      encodeBatchText(now, room.lastSeq, entries),
      sender === "" ? null : sender,
      BatchKind.relayed,
    );
  }
}
