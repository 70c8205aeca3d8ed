import { describe, expect, it } from "vitest";
import { HistoryLoad, type HistoryLoadTimers, type LoadOutcome, retryDelayMs } from "./historyLoad.ts";

/** A hand-driven clock: timers fire only when the test says so. */
class ManualTimers implements HistoryLoadTimers {
  readonly queue: { fn: () => void; ms: number; id: number }[] = [];
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.queue.push({ fn, ms, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    const i = this.queue.findIndex((t) => t.id === handle);
    if (i >= 0) this.queue.splice(i, 1);
  }
  fire(): number {
    const t = this.queue.shift();
    if (t === undefined) throw new Error("no timer pending");
    t.fn();
    return t.ms;
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const fail = (message: string): LoadOutcome<string> => ({ ok: false, error: { message } });

describe("retryDelayMs", () => {
  it("doubles from 1 s and stops growing at 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(retryDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });
});

describe("HistoryLoad", () => {
  it("retries a failed load with backoff, says so, and delivers the data once", async () => {
    const outcomes = [
      fail("No answer from the server"),
      fail("No answer from the server"),
      { ok: true as const, value: "rows" },
    ];
    const statuses: (string | null)[] = [];
    const loaded: string[] = [];
    const timers = new ManualTimers();
    const load = new HistoryLoad<string>({
      load: async () => outcomes.shift()!,
      status: (t) => statuses.push(t),
      loaded: (v) => loaded.push(v),
      timers,
    });
    load.start();
    await flush();
    expect(statuses.at(-1)).toMatch(
      /could not be loaded \(No answer from the server\)\. Trying again in 1 s/,
    );
    expect(timers.fire()).toBe(1000);
    await flush();
    expect(statuses).toContain("Loading recent readings (try 2)…");
    expect(statuses.at(-1)).toMatch(/Trying again in 2 s/);
    expect(timers.fire()).toBe(2000);
    await flush();
    expect(statuses.at(-1)).toBeNull();
    expect(loaded).toEqual(["rows"]);
    expect(load.attempts).toBe(3);
    expect(timers.queue).toHaveLength(0);
  });

  it("retryNow skips the pause, and stop ends the retries", async () => {
    let calls = 0;
    const timers = new ManualTimers();
    const load = new HistoryLoad<string>({
      load: async () => {
        calls++;
        return fail("offline");
      },
      status: () => {},
      loaded: () => {},
      timers,
    });
    load.start();
    await flush();
    load.retryNow();
    await flush();
    expect(calls).toBe(2);
    expect(timers.queue).toHaveLength(1);
    load.stop();
    expect(timers.queue).toHaveLength(0);
  });
});
