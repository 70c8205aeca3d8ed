/**
 * The pose relay's timing decisions, with the real room and injected turns and timers: a pose
 * goes out at the end of the turn after the one it arrived in, poses of those two turns share a
 * batch, a room over its budget batches until the gap has passed, and the keyframe carries every
 * pose again.
 */
import { describe, expect, it } from "vitest";
import { decodeBatch, encodePose, type Pose } from "../shared/poseCodec.ts";
import { Role } from "../shared/roles.ts";
import {
  BatchKind,
  budgetUnderLoad,
  eventLoopBusyShare,
  mainThreadBusyShare,
  PoseRelay,
  threadCpuMsOf,
} from "./poseRelay.ts";
import { Room } from "./room.ts";

const at = (x: number): Pose => ({
  head: { p: { x, y: 1.2, z: 0 }, q: { x: 0, y: 0, z: 0, w: 1 } },
  left: null,
  right: null,
});

interface Sent {
  roomId: string;
  slots: number[];
  xs: number[];
  except: string | null;
  serverTime: number;
  kind: BatchKind;
}

/** A relay whose rooms may send `perSecond` batches a second, `burst` at once. */
function setup(perSecond = 500, burst = 1, load?: { busy: () => number; underLoadPerSecond: number }) {
  let now = 1_000;
  const turn: (() => void)[] = [];
  const timers: { due: number; task: () => void }[] = [];
  const sent: Sent[] = [];
  const relay = new PoseRelay({
    now: () => now,
    send: (roomId, batch, except, kind) => {
      const b = decodeBatch(batch);
      sent.push({
        roomId,
        slots: b.poses.map((p) => p.slot),
        xs: b.poses.map((p) => p.pose.head.p.x),
        except,
        serverTime: b.serverTime,
        kind,
      });
    },
    endOfTurn: (task) => turn.push(task),
    later: (task, ms) => timers.push({ due: now + ms, task }),
    budget: { perSecond, burst, ...(load ? { underLoadPerSecond: load.underLoadPerSecond } : {}) },
    ...(load ? { busyShare: load.busy } : {}),
  });
  const room = new Room(
    {
      appointmentId: "a",
      roomId: "room-a",
      patientName: "P",
      clinicianName: "C",
      scheduledAt: "2026-11-27T09:00:00Z",
    },
    { now: () => now },
  );
  const join = (personId: string) => {
    const joined = room.join({ personId, displayName: personId, role: Role.observer });
    if (!joined.ok) throw new Error("room full");
    return joined.member;
  };
  return {
    relay,
    room,
    sent,
    join,
    pose(memberId: string, socketId: string, x: number) {
      expect(room.setPose(memberId, encodePose(at(x)))).toBe(true);
      relay.arrived("room-a", room, socketId);
    },
    /** Ends the current turn: runs what was queued for its end. */
    endOneTurn() {
      for (const task of turn.splice(0)) task();
    },
    /** Ends this turn and the next, without time passing: a batch for this turn's poses is out. */
    endTurn() {
      for (let i = 0; i < 2; i++) for (const task of turn.splice(0)) task();
    },
    /** Moves the clock and fires the timers that are due. */
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((t) => t.due <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.task();
      }
    },
    pendingTimers: () => timers.length,
  };
}

describe("PoseRelay", () => {
  it("sends a pose at the end of the next turn, to everyone but its sender", () => {
    const t = setup();
    const a = t.join("a");
    t.join("b");
    t.pose(a.memberId, "sock-a", 0.1);
    expect(t.sent).toEqual([]);
    t.endOneTurn();
    expect(t.sent).toEqual([]);
    t.endOneTurn();
    expect(t.sent).toEqual([
      {
        roomId: "room-a",
        slots: [a.slot],
        xs: [0.1],
        except: "sock-a",
        serverTime: 1000,
        kind: BatchKind.relayed,
      },
    ]);
  });

  it("puts the poses of one turn in one batch, sent to everyone when several members sent", () => {
    const t = setup();
    const a = t.join("a");
    const b = t.join("b");
    t.pose(a.memberId, "sock-a", 0.1);
    t.pose(b.memberId, "sock-b", 0.2);
    t.pose(a.memberId, "sock-a", 0.3);
    t.endTurn();
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]).toMatchObject({ slots: [a.slot, b.slot], xs: [0.3, 0.2], except: null });
  });

  it("puts the poses that arrive in the next turn in the same batch: a burst read over two polls", () => {
    const t = setup(500, 2);
    const a = t.join("a");
    const b = t.join("b");
    const c = t.join("c");
    t.pose(a.memberId, "sock-a", 0.1);
    t.endOneTurn();
    t.pose(b.memberId, "sock-b", 0.2);
    t.pose(c.memberId, "sock-c", 0.3);
    t.endOneTurn();
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]).toMatchObject({ slots: [a.slot, b.slot, c.slot], xs: [0.1, 0.2, 0.3], except: null });
    // What arrives after that batch waits for a turn of its own.
    t.pose(a.memberId, "sock-a", 0.4);
    t.endOneTurn();
    expect(t.sent).toHaveLength(1);
    t.endOneTurn();
    expect(t.sent.map((s) => s.xs)).toEqual([[0.1, 0.2, 0.3], [0.4]]);
  });

  it("sends each turn's pose at once while the room is within its budget", () => {
    const t = setup(500);
    const a = t.join("a");
    for (let i = 0; i < 5; i++) {
      t.pose(a.memberId, "sock-a", i / 10);
      t.endTurn();
      t.advance(3);
    }
    expect(t.sent.map((s) => s.xs[0])).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(t.relay.stats.deferred).toBe(0);
  });

  it("batches a room over its budget until a batch may go again, latest pose per member", () => {
    const t = setup(100);
    const a = t.join("a");
    const b = t.join("b");
    t.pose(a.memberId, "sock-a", 0.1);
    t.endTurn();
    t.advance(1);
    t.pose(a.memberId, "sock-a", 0.2);
    t.endTurn();
    t.advance(1);
    t.pose(b.memberId, "sock-b", 0.5);
    t.pose(a.memberId, "sock-a", 0.3);
    t.endTurn();
    expect(t.sent).toHaveLength(1);
    expect(t.pendingTimers()).toBe(1);
    t.advance(7);
    expect(t.sent).toHaveLength(1);
    t.advance(1);
    expect(t.sent).toHaveLength(2);
    expect(t.sent[1]).toMatchObject({ slots: [a.slot, b.slot], xs: [0.3, 0.5], except: null });
    expect(t.relay.stats.deferred).toBe(1);
    // One timer per room however many poses wait.
    expect(t.pendingTimers()).toBe(0);
  });

  it("sends a keyframe of every pose to everyone, also of members who stopped moving", () => {
    const t = setup();
    const a = t.join("a");
    const b = t.join("b");
    t.pose(a.memberId, "sock-a", 0.1);
    t.pose(b.memberId, "sock-b", 0.2);
    t.endTurn();
    t.advance(500);
    t.relay.keyframe([{ roomId: "room-a", room: t.room }]);
    // The relayed batch is not kept for recovery; the keyframe is (sessionRegistry.ts).
    expect(t.sent[0]!.kind).toBe(BatchKind.relayed);
    expect(t.sent[1]).toMatchObject({
      slots: [a.slot, b.slot],
      xs: [0.1, 0.2],
      except: null,
      kind: BatchKind.keyframe,
    });
    // Nothing new after the keyframe: no batch at the end of the turn.
    t.endTurn();
    expect(t.sent).toHaveLength(2);
  });

  it("sends no keyframe for an empty room and nothing for a dropped member's stale pose", () => {
    const t = setup();
    const a = t.join("a");
    t.join("b");
    t.pose(a.memberId, "sock-a", 0.1);
    t.room.drop(a.memberId);
    t.endTurn();
    expect(t.sent).toEqual([]);
    const empty = new Room(
      {
        appointmentId: "e",
        roomId: "room-e",
        patientName: "P",
        clinicianName: "C",
        scheduledAt: "2026-11-27T09:00:00Z",
      },
      { now: () => 0 },
    );
    t.relay.keyframe([{ roomId: "room-e", room: empty }]);
    expect(t.sent).toEqual([]);
  });

  it("starts afresh for a room that was reset (a new Room under the same id)", () => {
    const t = setup(100);
    const a = t.join("a");
    t.pose(a.memberId, "sock-a", 0.1);
    t.endTurn();
    const fresh = new Room(
      {
        appointmentId: "a",
        roomId: "room-a",
        patientName: "P",
        clinicianName: "C",
        scheduledAt: "2026-11-27T09:00:00Z",
      },
      { now: () => 1_000 },
    );
    const joined = fresh.join({ personId: "a", displayName: "a", role: Role.observer });
    if (!joined.ok) throw new Error("full");
    fresh.setPose(joined.member.memberId, encodePose(at(0.9)));
    t.relay.arrived("room-a", fresh, "sock-a2");
    t.endTurn();
    // The fresh room has no budget history: its first pose goes at once.
    expect(t.sent.map((s) => s.xs)).toEqual([[0.1], [0.9]]);
  });

  it("lets a burst through at once, then holds the room to its average rate", () => {
    const t = setup(100, 3);
    const a = t.join("a");
    for (let i = 0; i < 3; i++) {
      t.pose(a.memberId, "sock-a", i / 10);
      t.endTurn();
    }
    expect(t.sent).toHaveLength(3);
    t.pose(a.memberId, "sock-a", 0.9);
    t.endTurn();
    expect(t.sent).toHaveLength(3);
    // One token comes back every 10 ms.
    t.advance(9);
    expect(t.sent).toHaveLength(3);
    t.advance(1);
    expect(t.sent.map((s) => s.xs[0])).toEqual([0, 0.1, 0.2, 0.9]);
  });

  it("drops what a closed room was waiting to send", () => {
    const t = setup(100);
    const a = t.join("a");
    t.pose(a.memberId, "sock-a", 0.1);
    t.endTurn();
    t.pose(a.memberId, "sock-a", 0.2);
    t.endTurn();
    expect(t.pendingTimers()).toBe(1);
    t.relay.forget("room-a");
    t.advance(20);
    expect(t.sent.map((s) => s.xs)).toEqual([[0.1]]);
  });

  it("keeps the full budget up to half busy, then shrinks it in step down to the floor", () => {
    const budget = { perSecond: 288, underLoadPerSecond: 72 };
    expect(budgetUnderLoad(budget, 0)).toBe(288);
    expect(budgetUnderLoad(budget, 0.5)).toBe(288);
    expect(budgetUnderLoad(budget, 0.75)).toBe(180);
    expect(budgetUnderLoad(budget, 1)).toBe(72);
    expect(budgetUnderLoad(budget, 7)).toBe(72);
    expect(budgetUnderLoad({ perSecond: 288 }, 1)).toBe(288);
  });

  it("spaces a room's batches out while the server is busy, and sends at once again when it is not", () => {
    let busy = 1;
    const t = setup(500, 1, { busy: () => busy, underLoadPerSecond: 100 });
    const a = t.join("a");
    t.pose(a.memberId, "sock-a", 0.1);
    t.endTurn();
    t.advance(2);
    t.pose(a.memberId, "sock-a", 0.2);
    t.endTurn();
    // Fully busy, the room's budget is 100 a second: the second batch waits 10 ms, not 2.
    t.advance(2);
    expect(t.sent.map((s) => s.xs)).toEqual([[0.1]]);
    t.advance(6);
    expect(t.sent.map((s) => s.xs)).toEqual([[0.1], [0.2]]);
    // The server is quiet again: 2 ms between batches is within the full budget.
    busy = 0.2;
    t.advance(10);
    t.pose(a.memberId, "sock-a", 0.3);
    t.endTurn();
    t.advance(2);
    t.pose(a.memberId, "sock-a", 0.4);
    t.endTurn();
    expect(t.sent.map((s) => s.xs)).toEqual([[0.1], [0.2], [0.3], [0.4]]);
  });

  it("measures the event loop's busy share: near 1 after a turn that never let go", () => {
    const busyShare = eventLoopBusyShare(50);
    expect(busyShare()).toBe(0);
    const until = performance.now() + 120;
    while (performance.now() < until) {
      // A turn that keeps the loop busy, as a flood of work would.
    }
    expect(busyShare()).toBeGreaterThan(0.5);
    expect(busyShare()).toBeLessThanOrEqual(1);
  });

  it("reads a thread's CPU time from its /proc stat line, whatever its name holds", () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
    const line = (name: string) => `4242 (${name}) R 1 4242 4242 0 -1 4194560 900 0 0 0 250 37 0 0 20 0 11 0`;
    expect(threadCpuMsOf(line("node"))).toBe(2870);
    expect(threadCpuMsOf(line("node (worker) x"))).toBe(2870);
    expect(threadCpuMsOf("garbage")).toBeNull();
    expect(threadCpuMsOf("1 (x) R")).toBeNull();
  });

  it("measures the main thread's own busy share: near 1 after a turn that never let go", () => {
    const busyShare = mainThreadBusyShare(50);
    expect(busyShare()).toBe(0);
    // CPU time, not wall time: spin until the thread has used 150 ms of CPU (however long that
    // takes on a shared machine), over a wall time of at least that.
    const started = performance.now();
    const cpuAtStart = process.cpuUsage();
    while ((process.cpuUsage(cpuAtStart).user + process.cpuUsage(cpuAtStart).system) / 1000 < 150) {
      // A turn that keeps the thread busy, as a flood of work would.
    }
    const share = busyShare();
    const wall = performance.now() - started;
    // At least the CPU it provably used over the wall time it took, less the kernel's 10 ms ticks at
    // both ends and what other threads of the process used meanwhile.
    expect(share).toBeGreaterThanOrEqual(Math.min(0.8, (150 - 40) / wall));
    expect(share).toBeLessThanOrEqual(1);
  });
});
