/** The room state writer: gathers everyday changes, hurries safety-critical ones, never loses a change. */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SessionState } from "./roomState.ts";
import { RoomStateWriter, Urgency } from "./roomStateWriter.ts";
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
    delays: { safety: 0, event: 250, readings: 2_000 },
  });
}

describe("RoomStateWriter", () => {
  it("gathers changes into one write at the earliest time any of them asked for", async () => {
    vi.useFakeTimers();
    const rows: RoomStateRow[] = [];
    const w = writer(async (row) => void rows.push(row));
    w.markDirty(Urgency.readings);
    w.markDirty(Urgency.event);
    w.markDirty(Urgency.readings);
    w.markDirty(Urgency.event);
    expect(rows).toHaveLength(0);
    // The earliest urgency sets the time: one write after 250 ms, none at 2 s.
    await vi.advanceTimersByTimeAsync(250);
    expect(rows.map((r) => r.version)).toEqual([8]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(rows).toHaveLength(1);
    w.markDirty(Urgency.readings);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(rows).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(rows.map((r) => r.version)).toEqual([8, 9]);
  });

  it("writes an urgent change at the next turn of the event loop", async () => {
    const rows: RoomStateRow[] = [];
    const w = writer(async (row) => void rows.push(row));
    w.markDirty(Urgency.event);
    w.markDirty(Urgency.safety);
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
    w.markDirty(Urgency.safety);
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
    w.markDirty(Urgency.event);
    await w.flushAsync();
    expect(rows).toHaveLength(0);
    fail = false;
    await w.closeAsync();
    expect(rows).toHaveLength(1);
    w.markDirty(Urgency.safety);
    await w.flushAsync();
    expect(rows).toHaveLength(1);
  });
});
