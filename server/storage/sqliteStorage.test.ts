import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { batch, outcome } from "../../tests/storedBatches.ts";
import { SCHEMA_VERSION, SqliteStorage } from "./sqliteStorage.ts";
import { RecordKind } from "./storage.ts";

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "chairside-db-"));
  dirs.push(dir);
  return join(dir, "chairside.db");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const { duplicate, conflict } = outcome;

/** Opens `path` from `count` threads at the same moment; each says how its open went. */
async function openAtOnceAsync(path: string, count: number): Promise<{ ok: boolean; error?: string }[]> {
  const barrier = new SharedArrayBuffer(8);
  const gate = new Int32Array(barrier);
  const opener = new URL("../../tests/sqliteOpener.mjs", import.meta.url);
  const workers = Array.from({ length: count }, () => new Worker(opener, { workerData: { path, barrier } }));
  const results = workers.map(
    (w) =>
      new Promise<{ ok: boolean; error?: string }>((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
      }),
  );
  while (Atomics.load(gate, 1) < count) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
  try {
    return await Promise.all(results);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

// What both backends must do is asserted in tests/integration/storageContract.test.ts; here, what is
// only SQLite's: the in-place upgrades of data folders written by earlier versions.
describe("SqliteStorage (real database file)", () => {
  it("sets up a new file once when several nodes open it at the same moment", async () => {
    // Nodes sharing one file used to read the schema version before taking the write lock: two
    // read "0", and the second to migrate failed ("table … already exists", or "database is locked").
    for (let round = 0; round < 8; round++) {
      const path = tempDb();
      const opened = await openAtOnceAsync(path, 4);
      expect(opened, `round ${round}`).toEqual(opened.map(() => ({ ok: true })));
      const db = new Database(path, { readonly: true });
      expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
      db.close();
    }
  }, 120_000);

  it("waits for another node's write lock on a new file instead of failing at once", async () => {
    // Switching a new file to WAL while another connection holds its write lock answered "database
    // is locked" at once, without the busy timeout (a cluster node failed to start that way).
    const path = tempDb();
    const holder = new Worker(
      `const Database = require("better-sqlite3-multiple-ciphers");
       const { parentPort, workerData } = require("node:worker_threads");
       const db = new Database(workerData.path);
       db.exec("CREATE TABLE early(x); BEGIN IMMEDIATE; INSERT INTO early VALUES (1)");
       parentPort.postMessage("held");
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
       db.exec("COMMIT");
       db.close();`,
      { eval: true, workerData: { path } },
    );
    await new Promise((resolve, reject) => {
      holder.once("message", resolve);
      holder.once("error", reject);
    });
    const storage = new SqliteStorage(path);
    await storage.close();
    await holder.terminate();
    const db = new Database(path, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
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
});

describe("clinic records and schema migration", () => {
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
