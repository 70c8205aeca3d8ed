import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import { SqliteStorage } from "./sqliteStorage.ts";
import type { StoredBatch } from "./storage.ts";

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "chairside-db-"));
  dirs.push(dir);
  return join(dir, "chairside.db");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function reading(t: number, value: number): CheckedReading {
  return {
    deviceId: "soe-julian-36",
    signal: "ph",
    t,
    value,
    unit: "[pH]",
    tooth: 36,
    quality: "valid",
    status: "final",
    receivedAt: t + 5,
  };
}

function batch(seq: number, firmware = "2.3.1"): StoredBatch {
  return {
    deviceId: "soe-julian-36",
    patientId: "julian",
    seq,
    firmware,
    readings: [reading(seq * 1000, 7.1), reading(seq * 1000 + 500, 7.0)],
  };
}

describe("SqliteStorage (real database file)", () => {
  it("stores each device batch exactly once, even when resent", async () => {
    const db = new SqliteStorage(tempDb());
    expect(await db.storeBatches([batch(1), batch(2)])).toEqual([
      { duplicate: false, stored: 2 },
      { duplicate: false, stored: 2 },
    ]);
    expect(await db.storeBatches([batch(2), batch(3)])).toEqual([
      { duplicate: true, stored: 0 },
      { duplicate: false, stored: 2 },
    ]);
    expect(await db.countReadings()).toBe(6);
    expect(await db.lastSeq("soe-julian-36")).toBe(3);
    await db.close();
  });

  it("keeps everything across a reopen of the same file", async () => {
    const path = tempDb();
    const first = new SqliteStorage(path);
    await first.storeBatches([batch(1)]);
    await first.saveQuarantine({ firmware: "2.4.0-beta.1", since: 0, by: "dr-ray", at: 10 });
    await first.appendRoomEvent("room-julian", {
      seq: 1,
      at: 5,
      body: { type: "checkin", score: 7, by: "m-julian" },
    });
    await first.close();
    const again = new SqliteStorage(path);
    expect(await again.countReadings()).toBe(2);
    expect(await again.quarantines()).toEqual([{ firmware: "2.4.0-beta.1", since: 0, by: "dr-ray", at: 10 }]);
    expect(await again.roomEvents("room-julian", 10)).toEqual([
      { seq: 1, at: 5, body: { type: "checkin", score: 7, by: "m-julian" } },
    ]);
    expect(await again.storeBatches([batch(1)])).toEqual([{ duplicate: true, stored: 0 }]);
    await again.close();
  });

  it("retracts readings of a firmware since a time without deleting them", async () => {
    const db = new SqliteStorage(tempDb());
    await db.storeBatches([batch(1, "2.3.1"), batch(2, "2.4.0-beta.1"), batch(3, "2.4.0-beta.1")]);
    expect(await db.retractReadings("2.4.0-beta.1", 3000)).toBe(2);
    expect(await db.retractReadings("2.4.0-beta.1", 3000)).toBe(0);
    expect(await db.countReadings()).toBe(6);
    expect(await db.countReadings({ status: "entered-in-error" })).toBe(2);
    const recent = await db.recentReadings("julian", 0, 100);
    expect(recent.map((r) => r.status)).toEqual([
      "final",
      "final",
      "final",
      "final",
      "entered-in-error",
      "entered-in-error",
    ]);
    expect(recent[0]).toEqual(reading(1000, 7.1));
    await db.close();
  });

  it("returns the newest readings up to a limit, oldest first", async () => {
    const db = new SqliteStorage(tempDb());
    await db.storeBatches([batch(1), batch(2), batch(3)]);
    const last = await db.recentReadings("julian", 0, 3);
    expect(last.map((r) => r.t)).toEqual([2500, 3000, 3500]);
    expect(await db.recentReadings("flower", 0, 10)).toEqual([]);
    await db.close();
  });
});

describe("room state", () => {
  it("keeps the newest save per room, survives reopening, and forgets on delete", async () => {
    const path = tempDb();
    const db = new SqliteStorage(path);
    const row = { roomId: "room-julian", appointmentId: "julian", savedAt: 1, body: "{}" };
    await db.saveRoomState({ ...row, version: 2, body: '{"v":2}' });
    // An older save arriving late never overwrites a newer one.
    await db.saveRoomState({ ...row, version: 1, body: '{"v":1}' });
    await db.saveRoomState({ ...row, roomId: "room-flower", appointmentId: "flower", version: 1 });
    await db.close();
    const again = new SqliteStorage(path);
    const rows = await again.roomStates();
    expect(rows.find((r) => r.roomId === "room-julian")).toMatchObject({ version: 2, body: '{"v":2}' });
    await again.deleteRoomState("room-julian");
    expect((await again.roomStates()).map((r) => r.roomId)).toEqual(["room-flower"]);
    await again.close();
  });
});
