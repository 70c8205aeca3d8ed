import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Alarm } from "../../shared/alarms.ts";
import type { RoomEvent } from "../../shared/protocol.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import { SqliteStorage } from "./sqliteStorage.ts";
import type { Storage, StoredBatch } from "./storage.ts";
import { methodNames } from "./storageMessages.ts";
import { openWorkerStorage } from "./workerStorage.ts";

const dirs: string[] = [];
const open: { close(): Promise<void> }[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "chairside-worker-db-"));
  dirs.push(dir);
  return join(dir, "chairside.db");
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openAsync(path = tempDb()): Promise<Storage> {
  const storage: Storage = await openWorkerStorage(path);
  open.push(storage);
  return storage;
}

function batch(seq: number, readings = 2): StoredBatch {
  return {
    deviceId: "soe-julian-36",
    bootId: "boot-1",
    patientId: "julian",
    seq,
    digest: `digest-${seq}`,
    firmware: "2.3.1",
    readings: Array.from(
      { length: readings },
      (_, i): CheckedReading => ({
        deviceId: "soe-julian-36",
        signal: "ph",
        t: seq * 1000 + i,
        value: 7.1,
        unit: "[pH]",
        tooth: 36,
        quality: "valid",
        status: "final",
        receivedAt: seq * 1000 + i + 5,
      }),
    ),
  };
}

describe("WorkerStorage (SQLite on a worker thread, real database file)", () => {
  it("answers like the SQLite storage it forwards to", async () => {
    const storage = await openAsync();
    expect(await storage.storeBatches([batch(1), batch(2)])).toEqual([
      { duplicate: false, conflict: false, stored: 2 },
      { duplicate: false, conflict: false, stored: 2 },
    ]);
    expect(await storage.storeBatches([batch(2)])).toEqual([{ duplicate: true, conflict: false, stored: 0 }]);
    expect(await storage.lastSeq("soe-julian-36", "boot-1")).toBe(2);
    expect(await storage.countReadings()).toBe(4);
    const readings = await storage.recentReadings("julian", 0, 10);
    expect(readings.map((r) => r.t)).toEqual([1000, 1001, 2000, 2001]);
    expect(readings[0]).toEqual(batch(1).readings[0]);
  });

  it("serves every method of SqliteStorage, with no list kept by hand", async () => {
    const storage = await openAsync();
    const reference = new SqliteStorage(":memory:");
    const expected = methodNames(reference);
    await reference.close();
    expect(expected).toContain("storeBatches");
    for (const name of expected)
      expect(typeof (storage as unknown as Record<string, unknown>)[name]).toBe("function");
    // Not a thenable, so it can be awaited and returned from async functions as itself.
    expect((storage as unknown as Record<string, unknown>).then).toBeUndefined();
  });

  it("resolves a batch only once it is committed: another connection already sees it", async () => {
    const path = tempDb();
    const storage = await openAsync(path);
    await storage.storeBatches([batch(7)]);
    const reader = new SqliteStorage(path);
    try {
      expect(await reader.countReadings({ deviceId: "soe-julian-36" })).toBe(2);
    } finally {
      await reader.close();
    }
  });

  it("runs calls in the order they were made", async () => {
    const storage = await openAsync();
    const writes: Promise<void>[] = [];
    for (let seq = 1; seq <= 200; seq++) {
      const event: RoomEvent = { seq, at: seq, body: { type: "checkin", score: seq % 10, by: "m-julian" } };
      writes.push(storage.appendRoomEvent("room-1", event));
    }
    // Not awaited before the read: the read must still come after every write above.
    const events = await storage.roomEvents("room-1", 500);
    await Promise.all(writes);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it("keeps the order when device batches go as a second message in flight", async () => {
    const storage = await openAsync();
    const event = (seq: number): RoomEvent => ({
      seq,
      at: seq,
      body: { type: "checkin", score: seq % 10, by: "m-julian" },
    });
    const writes: Promise<unknown>[] = [];
    // One message in flight (100 events), then a batch that may overtake the one-in-flight rule
    // and an event behind it, then the same batch again while both are in flight.
    for (let seq = 1; seq <= 100; seq++) writes.push(storage.appendRoomEvent("room-1", event(seq)));
    await new Promise((r) => setImmediate(r));
    const first = storage.storeBatches([batch(1)]);
    writes.push(storage.appendRoomEvent("room-1", event(101)));
    await new Promise((r) => setImmediate(r));
    const again = storage.storeBatches([batch(1)]);
    const events = storage.roomEvents("room-1", 500);
    expect(await first).toEqual([{ stored: 2, duplicate: false, conflict: false }]);
    expect(await again).toEqual([{ stored: 0, duplicate: true, conflict: false }]);
    expect((await events).map((e) => e.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    await Promise.all(writes);
    expect(await storage.countReadings({ deviceId: "soe-julian-36" })).toBe(2);
  });

  it("turns the storage's errors into rejections with the SQLite code", async () => {
    const storage = await openAsync();
    const broken = { id: "al-1", raisedAt: null } as unknown as Alarm;
    const error = await storage.saveAlarm("room-1", broken).then(
      () => null,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toMatch(/NOT NULL/);
    expect(error?.code).toBe("SQLITE_CONSTRAINT_NOTNULL");
    // The thread survives a failed call.
    expect(await storage.countReadings()).toBe(0);
  });

  it("commits a burst of calls together, and a failing one undoes nothing of the others", async () => {
    const path = tempDb();
    const storage = await openAsync(path);
    const broken = { id: "al-1", raisedAt: null } as unknown as Alarm;
    // Made in one callback, so they travel and commit together.
    const before = storage.audit({
      at: 1,
      who: "dr-lee",
      action: "read_snapshot",
      subject: "julian",
      why: "a",
    });
    const failing = storage.saveAlarm("room-1", broken);
    const stored = storage.storeBatches([batch(1)]);
    const after = storage.audit({
      at: 2,
      who: "dr-lee",
      action: "read_snapshot",
      subject: "julian",
      why: "b",
    });
    await expect(failing).rejects.toThrow(/NOT NULL/);
    await Promise.all([before, stored, after]);
    const reader = new SqliteStorage(path);
    try {
      expect((await reader.auditLog(10)).map((e) => e.why)).toEqual(["a", "b"]);
      expect(await reader.countReadings()).toBe(2);
      expect(await reader.alarms("room-1")).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it("rejects an argument that cannot cross to the thread, without sending anything", async () => {
    const storage = await openAsync();
    const notCloneable = { at: 1, who: "x", action: "a", subject: "s", why: "w", f: () => 1 };
    await expect(storage.audit(notCloneable)).rejects.toThrow();
    expect(await storage.auditLog(10)).toEqual([]);
  });

  it("refuses to open what is not a database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chairside-worker-db-"));
    dirs.push(dir);
    // A folder where the database file should be.
    await expect(openWorkerStorage(dir)).rejects.toThrow();
  });

  it("closes cleanly: pending writes land first, later calls reject, the file is released", async () => {
    const path = tempDb();
    const storage = await openWorkerStorage(path);
    const write = storage.storeBatches([batch(1), batch(2), batch(3)]);
    await storage.close();
    expect(await write).toHaveLength(3);
    await expect(storage.countReadings()).rejects.toThrow(/ended|closing/);
    await storage.close();
    const again = new SqliteStorage(path);
    try {
      expect(await again.countReadings()).toBe(6);
    } finally {
      await again.close();
    }
  });

  it("keeps the event loop turning while a large group commit is written", async () => {
    const storage = await openAsync();
    const big = Array.from({ length: 20 }, (_, i) => batch(i + 1, 2_000));
    let turns = 0;
    const timer = setInterval(() => {
      turns += 1;
    }, 1);
    try {
      const outcomes = await storage.storeBatches(big);
      expect(outcomes.every((o) => o.stored === 2_000)).toBe(true);
    } finally {
      clearInterval(timer);
    }
    // 40,000 rows take many milliseconds; on the main thread no timer could have fired meanwhile.
    expect(turns).toBeGreaterThan(2);
  }, 30_000);
});
