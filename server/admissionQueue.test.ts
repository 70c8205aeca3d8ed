import { describe, expect, it } from "vitest";
import { AdmissionQueue } from "./admissionQueue.ts";

/**
 * A hand-cranked event loop with a clock: `turn()` runs what was scheduled for the next turn
 * before it; `advance(ms)` moves the clock and runs the timers that came due.
 */
function manualLoop() {
  let pending: (() => void)[] = [];
  let timers: { due: number; run: () => void }[] = [];
  let clock = 0;
  return {
    nextTurn: (run: () => void) => pending.push(run),
    later: (run: () => void, ms: number) => timers.push({ due: clock + ms, run }),
    now: () => clock,
    turn() {
      const now = pending;
      pending = [];
      for (const run of now) run();
    },
    /** Time spent inside a callback: the clock moves, nothing else runs. */
    spend(ms: number) {
      clock += ms;
    },
    advance(ms: number) {
      clock += ms;
      const due = timers.filter((t) => t.due <= clock);
      timers = timers.filter((t) => t.due > clock);
      for (const t of due) t.run();
    },
    get scheduled() {
      return pending.length + timers.length;
    },
  };
}

function queueOn(
  loop: ReturnType<typeof manualLoop>,
  perTurn: number,
  gapMs = 0,
  onError?: (e: unknown) => void,
) {
  return new AdmissionQueue({
    perTurn,
    gapMs,
    nextTurn: loop.nextTurn,
    later: loop.later,
    now: loop.now,
    ...(onError ? { onError } : {}),
  });
}

describe("AdmissionQueue", () => {
  it("says when everything queued so far has run, however many batches that takes", async () => {
    const loop = manualLoop();
    const queue = queueOn(loop, 2, 10);
    await queue.emptyAsync(); // nothing waits: at once
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) queue.admit(() => ran.push(i));
    let empty = false;
    void queue.emptyAsync().then(() => {
      empty = true;
    });
    loop.turn();
    loop.advance(10);
    await Promise.resolve();
    expect([ran, empty]).toEqual([[0, 1, 2, 3], false]);
    loop.advance(10);
    await Promise.resolve();
    expect([ran, empty]).toEqual([[0, 1, 2, 3, 4], true]);
  });

  it("admits at most perTurn joins per turn, in arrival order", () => {
    const loop = manualLoop();
    const queue = queueOn(loop, 3);
    const admitted: number[] = [];
    for (let i = 0; i < 8; i++) queue.admit(() => admitted.push(i));
    expect(admitted).toEqual([]);
    loop.turn();
    expect(admitted).toEqual([0, 1, 2]);
    loop.turn();
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5]);
    loop.turn();
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(queue.length).toBe(0);
    expect(loop.scheduled).toBe(0);
  });

  it("schedules one drain at a time and starts again after running dry", () => {
    const loop = manualLoop();
    const queue = queueOn(loop, 2);
    const admitted: string[] = [];
    queue.admit(() => admitted.push("a"));
    queue.admit(() => admitted.push("b"));
    expect(loop.scheduled).toBe(1);
    loop.turn();
    expect(admitted).toEqual(["a", "b"]);
    expect(loop.scheduled).toBe(0);
    queue.admit(() => admitted.push("c"));
    expect(loop.scheduled).toBe(1);
    loop.turn();
    expect(admitted).toEqual(["a", "b", "c"]);
  });

  it("runs the rest of the batch and the queue after an entry throws, and reports the error", () => {
    const loop = manualLoop();
    const errors: unknown[] = [];
    const queue = queueOn(loop, 2, 0, (error) => errors.push(error));
    const admitted: string[] = [];
    queue.admit(() => {
      throw new Error("a handler that escaped its guard");
    });
    queue.admit(() => admitted.push("b"));
    queue.admit(() => admitted.push("c"));
    loop.turn();
    expect(admitted).toEqual(["b"]);
    expect(errors).toHaveLength(1);
    loop.turn();
    expect(admitted).toEqual(["b", "c"]);
    expect(loop.scheduled).toBe(0);
  });

  it("keeps joins and departures in arrival order (a quick reconnect's join after its own leave)", () => {
    const loop = manualLoop();
    const queue = queueOn(loop, 1);
    const order: string[] = [];
    queue.admit(() => order.push("leave m-1"));
    queue.admit(() => order.push("join m-1"));
    loop.turn();
    loop.turn();
    expect(order).toEqual(["leave m-1", "join m-1"]);
  });

  it("with a gap, spaces a crowd's batches in time and leaves the turns between them free", () => {
    const loop = manualLoop();
    const queue = queueOn(loop, 4, 10);
    const admitted: number[] = [];
    for (let i = 0; i < 10; i++) queue.admit(() => admitted.push(i));
    // The first batch goes on the next turn: nothing ran just before it.
    loop.turn();
    expect(admitted).toEqual([0, 1, 2, 3]);
    // Other work's turns pass; the crowd waits until 10 ms after its last batch began.
    loop.turn();
    loop.turn();
    loop.advance(9);
    expect(admitted).toHaveLength(4);
    loop.advance(1);
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    loop.advance(10);
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(loop.scheduled).toBe(0);
  });

  it("with a gap, counts it from the end of a long batch, so other work always gets that time", () => {
    const loop = manualLoop();
    const queue = queueOn(loop, 2, 10);
    const admitted: number[] = [];
    for (let i = 0; i < 4; i++)
      queue.admit(() => {
        loop.spend(8);
        admitted.push(i);
      });
    loop.turn();
    expect(admitted).toEqual([0, 1]);
    // The batch took 16 ms: the next one waits 10 ms from its end, not from its start.
    loop.turn();
    loop.advance(9);
    expect(admitted).toEqual([0, 1]);
    loop.advance(1);
    expect(admitted).toEqual([0, 1, 2, 3]);
  });

  it("with a gap, a lone join after a quiet spell goes on the next turn, one soon after waits", () => {
    const loop = manualLoop();
    const queue = queueOn(loop, 4, 10);
    const admitted: string[] = [];
    queue.admit(() => admitted.push("a"));
    loop.turn();
    expect(admitted).toEqual(["a"]);
    loop.advance(3);
    queue.admit(() => admitted.push("b"));
    loop.turn();
    expect(admitted).toEqual(["a"]);
    loop.advance(7);
    expect(admitted).toEqual(["a", "b"]);
    loop.advance(50);
    queue.admit(() => admitted.push("c"));
    loop.turn();
    expect(admitted).toEqual(["a", "b", "c"]);
  });
});
