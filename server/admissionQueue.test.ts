import { describe, expect, it } from "vitest";
import { AdmissionQueue } from "./admissionQueue.ts";

/** A hand-cranked event loop: each `turn()` runs what was scheduled before it. */
function manualLoop() {
  let pending: (() => void)[] = [];
  return {
    schedule: (run: () => void) => pending.push(run),
    turn() {
      const now = pending;
      pending = [];
      for (const run of now) run();
    },
    get scheduled() {
      return pending.length;
    },
  };
}

describe("AdmissionQueue", () => {
  it("admits at most perTurn joins per turn, in arrival order", () => {
    const loop = manualLoop();
    const queue = new AdmissionQueue(3, loop.schedule);
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
    const queue = new AdmissionQueue(2, loop.schedule);
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
    const queue = new AdmissionQueue(2, loop.schedule, (error) => errors.push(error));
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
    const queue = new AdmissionQueue(1, loop.schedule);
    const order: string[] = [];
    queue.admit(() => order.push("leave m-1"));
    queue.admit(() => order.push("join m-1"));
    loop.turn();
    loop.turn();
    expect(order).toEqual(["leave m-1", "join m-1"]);
  });
});
