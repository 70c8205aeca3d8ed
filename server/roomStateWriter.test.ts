/** The room state writer: coalesces everyday changes, hurries urgent ones, never loses a change. */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SessionState } from "./roomState.ts";
import { RoomStateWriter } from "./roomStateWriter.ts";
import type { RoomStateRow } from "./storage/storage.ts";

afterEach(() => {
  vi.useRealTimers();
});

function writer(save: (row: RoomStateRow) => Promise<void>) {
  let n = 0;
  // The writer only encodes what it is given; a marker object is enough to follow the writes.
  const snapshot = () => ({ n: ++n }) as unknown as SessionState;
  return new RoomStateWriter({
    roomId: "room-julian",
    appointmentId: "julian",
    snapshot,
    save,
    now: () => 0,
    lastVersion: 7,
    coalesceMs: 250,
  });
}

describe("RoomStateWriter", () => {
  it("gathers everyday changes into one write after the coalescing time", async () => {
    vi.useFakeTimers();
    const rows: RoomStateRow[] = [];
    const w = writer(async (row) => void rows.push(row));
    w.markDirty(false);
    w.markDirty(false);
    w.markDirty(false);
    expect(rows).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(250);
    expect(rows.map((r) => r.version)).toEqual([8]);
  });

  it("writes an urgent change at the next turn of the event loop", async () => {
    const rows: RoomStateRow[] = [];
    const w = writer(async (row) => void rows.push(row));
    w.markDirty(false);
    w.markDirty(true);
    await new Promise((r) => setImmediate(r));
    expect(rows).toHaveLength(1);
    // Nothing new: a flush writes nothing more, but still waits for the last write.
    await w.flushAsync();
    expect(rows).toHaveLength(1);
  });

  it("resolves a flush only once the write is stored", async () => {
    let release: () => void = () => {};
    const stored: string[] = [];
    const w = writer(
      (row) =>
        new Promise<void>((resolve) => {
          release = () => {
            stored.push(row.body);
            resolve();
          };
        }),
    );
    w.markDirty(true);
    let done = false;
    const flushed = w.flushAsync().then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    release();
    await flushed;
    expect(stored).toEqual(['{"n":1}']);
  });

  it("tries again with the next change after a failed write, and writes nothing once closed", async () => {
    const rows: RoomStateRow[] = [];
    let fail = true;
    const w = writer(async (row) => {
      if (fail) throw new Error("disk full");
      rows.push(row);
    });
    await w.flushAsync();
    w.markDirty(false);
    await w.flushAsync();
    expect(rows).toHaveLength(0);
    fail = false;
    await w.closeAsync();
    expect(rows).toHaveLength(1);
    w.markDirty(true);
    await w.flushAsync();
    expect(rows).toHaveLength(1);
  });
});
