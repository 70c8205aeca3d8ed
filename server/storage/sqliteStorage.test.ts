import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import { SCHEMA_VERSION, SqliteStorage } from "./sqliteStorage.ts";
import { RecordKind, type StoredBatch } from "./storage.ts";

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

function batch(seq: number, firmware = "2.3.1", bootId = "boot-one", digest = `d${seq}`): StoredBatch {
  return {
    deviceId: "soe-julian-36",
    bootId,
    patientId: "julian",
    seq,
    digest,
    firmware,
    readings: [reading(seq * 1000, 7.1), reading(seq * 1000 + 500, 7.0)],
  };
}

const stored = { duplicate: false, conflict: false, stored: 2 };
const duplicate = { duplicate: true, conflict: false, stored: 0 };
const conflict = { duplicate: false, conflict: true, stored: 0 };

describe("SqliteStorage (real database file)", () => {
  it("stores each device batch exactly once, even when resent", async () => {
    const db = new SqliteStorage(tempDb());
    expect(await db.storeBatches([batch(1), batch(2)])).toEqual([stored, stored]);
    expect(await db.storeBatches([batch(2), batch(3)])).toEqual([duplicate, stored]);
    expect(await db.countReadings()).toBe(6);
    expect(await db.lastSeq("soe-julian-36", "boot-one")).toBe(3);
    await db.close();
  });

  it("keys batches by boot: a rebooted counter is stored, other content under a used seq is a conflict", async () => {
    const db = new SqliteStorage(tempDb());
    expect(await db.storeBatches([batch(1), batch(2)])).toEqual([stored, stored]);
    // The device rebooted and counts from 1 again under a new boot id: new data, stored.
    expect(await db.storeBatches([batch(1, "2.3.1", "boot-two", "x1")])).toEqual([stored]);
    // Same boot and seq, other content (even in one group commit): nothing stored twice or overwritten.
    expect(
      await db.storeBatches([batch(2, "2.3.1", "boot-two", "x2"), batch(2, "2.3.1", "boot-two", "other")]),
    ).toEqual([stored, conflict]);
    expect(await db.storeBatches([batch(1, "2.3.1", "boot-one", "changed")])).toEqual([conflict]);
    expect(await db.countReadings()).toBe(8);
    expect(await db.lastSeq("soe-julian-36", "boot-two")).toBe(2);
    await db.close();
  });

  it("keeps everything across a reopen of the same file", async () => {
    const path = tempDb();
    const first = new SqliteStorage(path);
    await first.storeBatches([batch(1)]);
    const quarantine = {
      action: "quarantine" as const,
      firmware: "2.4.0-beta.1",
      since: 0,
      at: 10,
      by: "dr-ray",
      reason: "Stuck pH values after the update",
    };
    await first.quarantineFirmware("main", ["soe-julian-36"], quarantine);
    await first.liftFirmware("demo", {
      action: "lift",
      firmware: "2.3.1",
      at: 11,
      by: "x",
      reason: "Fixed again",
    });
    await first.appendRoomEvent("room-julian", {
      seq: 1,
      at: 5,
      body: { type: "checkin", score: 7, by: "m-julian" },
    });
    await first.close();
    const again = new SqliteStorage(path);
    expect(await again.countReadings()).toBe(2);
    expect(await again.firmwareActions()).toEqual([
      { clinicId: "main", action: { ...quarantine, retracted: 0 } },
      {
        clinicId: "demo",
        action: { action: "lift", firmware: "2.3.1", at: 11, by: "x", reason: "Fixed again" },
      },
    ]);
    expect(await again.roomEvents("room-julian", 10)).toEqual([
      { seq: 1, at: 5, body: { type: "checkin", score: 7, by: "m-julian" } },
    ]);
    expect(await again.storeBatches([batch(1)])).toEqual([duplicate]);
    expect(await again.storeBatches([batch(1, "2.3.1", "boot-one", "other")])).toEqual([conflict]);
    await again.close();
  });

  it("retracts readings of a firmware since a time, only of the given devices, without deleting them", async () => {
    const db = new SqliteStorage(tempDb());
    await db.storeBatches([batch(1, "2.3.1"), batch(2, "2.4.0-beta.1"), batch(3, "2.4.0-beta.1")]);
    const q = (since: number) => ({
      action: "quarantine" as const,
      firmware: "2.4.0-beta.1",
      since,
      at: 9000,
      by: "dr-ray",
      reason: "Spikes after the update",
    });
    expect(await db.firmwareUsage("2.4.0-beta.1", ["soe-julian-36"], 3000)).toEqual({
      readings: 2,
      patientIds: ["julian"],
      seen: true,
    });
    expect(await db.firmwareUsage("2.4.0-beta.1", ["soe-flower-36"], 0)).toEqual({
      readings: 0,
      patientIds: [],
      seen: false,
    });
    // Another clinic's devices: nothing of Julian's changes.
    expect(await db.quarantineFirmware("demo", ["soe-flower-36"], q(0))).toBe(0);
    expect(await db.quarantineFirmware("main", ["soe-julian-36"], q(3000))).toBe(2);
    expect(await db.quarantineFirmware("main", ["soe-julian-36"], q(3000))).toBe(0);
    expect((await db.auditLog(10)).map((a) => [a.who, a.action, a.why])).toEqual([
      ["dr-ray", "firmware_quarantine", "Spikes after the update"],
      ["dr-ray", "firmware_quarantine", "Spikes after the update"],
      ["dr-ray", "firmware_quarantine", "Spikes after the update"],
    ]);
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

  it("moves the old clinic-wide quarantines into the real clinic's history, where they can be lifted", async () => {
    const path = tempDb();
    const old = new Database(path);
    old.exec(
      "CREATE TABLE quarantines (firmware TEXT PRIMARY KEY, since INTEGER NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL)",
    );
    old.prepare("INSERT INTO quarantines VALUES (?, ?, ?, ?)").run("2.3.1", 0, "dr-ray", 10);
    old.close();
    const db = new SqliteStorage(path);
    expect(await db.firmwareActions()).toEqual([
      {
        clinicId: "main",
        action: {
          action: "quarantine",
          firmware: "2.3.1",
          since: 0,
          at: 10,
          by: "dr-ray",
          reason: "Recorded before quarantines needed a reason and a clinic",
          retracted: 0,
        },
      },
    ]);
    await db.close();
    const again = new SqliteStorage(path);
    expect(await again.firmwareActions()).toHaveLength(1);
    await again.close();
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

describe("clinic records and schema migration", () => {
  it("keeps records by kind and id, per clinic, and deletes only what is named", async () => {
    const storage = new SqliteStorage(tempDb());
    const rec = (id: string, clinicId: string) => ({
      kind: RecordKind.patient,
      id,
      clinicId,
      body: JSON.stringify({ name: id }),
      updatedAt: 1,
    });
    await storage.putRecords([rec("p2", "main"), rec("p1", "main"), rec("p3", "demo")]);
    await storage.putRecords([{ ...rec("p1", "main"), body: '{"name":"renamed"}', updatedAt: 2 }]);
    expect((await storage.getRecord(RecordKind.patient, "p1"))?.body).toBe('{"name":"renamed"}');
    expect(await storage.getRecord(RecordKind.staff, "p1")).toBeNull();
    expect((await storage.listRecords(RecordKind.patient, "main")).map((r) => r.id)).toEqual(["p1", "p2"]);
    expect((await storage.listRecords(RecordKind.patient)).map((r) => r.id)).toEqual(["p1", "p2", "p3"]);
    await storage.deleteRecords(RecordKind.patient, ["p2", "nobody"]);
    expect((await storage.listRecords(RecordKind.patient)).map((r) => r.id)).toEqual(["p1", "p3"]);
    await storage.close();
  });

  it("upgrades a data folder from before the records in place, keeping what it held", async () => {
    const path = tempDb();
    const old = new Database(path);
    // The schema as the first wave left it: no records table, user_version 0.
    old.exec(
      "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, why TEXT NOT NULL)",
    );
    old
      .prepare(
        "INSERT INTO audit_log (at, who, action, subject, why) VALUES (1, 'dr-ray', 'ack', 'a1', 'seen')",
      )
      .run();
    old.close();

    const storage = new SqliteStorage(path);
    expect((await storage.auditLog(10)).map((e) => e.subject)).toEqual(["a1"]);
    await storage.putRecords([
      { kind: RecordKind.staff, id: "s1", clinicId: "main", body: "{}", updatedAt: 1 },
    ]);
    await storage.close();

    const check = new Database(path, { readonly: true });
    expect(check.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
    // Opening again runs no step twice.
    const again = new SqliteStorage(path);
    expect(await again.listRecords(RecordKind.staff)).toHaveLength(1);
    await again.close();
  });

  // -- store (issue 9) --
  it("moves a folder's per-reading rows and batch keys into packs, reading back the same", async () => {
    const path = tempDb();
    const old = new Database(path);
    // The tables as they were before the packs: a row per reading and per batch key.
    old.exec(`
      CREATE TABLE readings (
        id INTEGER PRIMARY KEY, patient_id TEXT NOT NULL, device_id TEXT NOT NULL, batch_seq INTEGER NOT NULL,
        firmware TEXT NOT NULL, signal TEXT NOT NULL, t INTEGER NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL,
        tooth INTEGER, quality TEXT NOT NULL, reason TEXT, status TEXT NOT NULL, received_at INTEGER NOT NULL);
      CREATE TABLE device_boot_batches (
        device_id TEXT NOT NULL, boot_id TEXT NOT NULL, seq INTEGER NOT NULL, digest TEXT NOT NULL,
        received_at INTEGER NOT NULL, PRIMARY KEY (device_id, boot_id, seq)) WITHOUT ROWID;`);
    const put = old.prepare(
      `INSERT INTO readings (patient_id, device_id, batch_seq, firmware, signal, t, value, unit, tooth, quality, reason, status, received_at)
       VALUES ('julian', 'soe-julian-36', ?, '2.3.1', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    put.run(1, "ph", 1000, 7.1, "[pH]", 36, "valid", null, "final", 1005);
    put.run(1, "heartRate", 1000, 72, "/min", null, "valid", null, "final", 1005);
    put.run(1, "ph", 1500, 2.2, "[pH]", 36, "invalid", "below the sensor's range", "final", 1505);
    put.run(2, "ph", 2000, 7.0, "[pH]", 36, "valid", null, "entered-in-error", 2005);
    const key = old.prepare("INSERT INTO device_boot_batches VALUES ('soe-julian-36', 'boot-one', ?, ?, ?)");
    key.run(1, "d1", 1005);
    key.run(2, "d2", 2005);
    old.close();

    const storage = new SqliteStorage(path);
    const all = await storage.readingsBetween("julian", { from: 0, to: 10_000 });
    expect(
      all.map((r) => [r.signal, r.t, r.value, r.tooth ?? null, r.quality, r.reason ?? null, r.status]),
    ).toEqual([
      ["ph", 1000, 7.1, 36, "valid", null, "final"],
      ["heartRate", 1000, 72, null, "valid", null, "final"],
      ["ph", 1500, 2.2, 36, "invalid", "below the sensor's range", "final"],
      ["ph", 2000, 7.0, 36, "valid", null, "entered-in-error"],
    ]);
    expect(all.every((r) => r.firmware === "2.3.1" && r.receivedAt === r.t + 5)).toBe(true);
    expect(await storage.countReadings({ status: "entered-in-error" })).toBe(1);
    expect(await storage.lastSeq("soe-julian-36", "boot-one")).toBe(2);
    // The batch keys came along: a resend is still a resend, other content under seq 2 a conflict.
    expect(await storage.storeBatches([batch(1), batch(2, "2.3.1", "boot-one", "other")])).toEqual([
      duplicate,
      conflict,
    ]);
    await storage.close();
    const check = new Database(path, { readonly: true });
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).not.toContain("readings");
    expect(check.prepare("SELECT COUNT(*) FROM device_boot_batches").pluck().get()).toBe(2);
    check.close();
  });

  it("refuses a data folder written by a newer server instead of guessing", () => {
    const path = tempDb();
    const newer = new Database(path);
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    expect(() => new SqliteStorage(path)).toThrow(/newer Chairside/);
  });
});
