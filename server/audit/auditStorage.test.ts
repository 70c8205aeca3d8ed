/**
 * The chain as storage writes it: a data folder from before the chain is chained once at upgrade,
 * concurrent writes through the storage thread never fork it, quarantines' own audit rows join it;
 * the verify command reads an encrypted folder with the server's key.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import CipherDatabase from "better-sqlite3-multiple-ciphers";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../storage/migrations.ts";
import { SqliteStorage } from "../storage/sqliteStorage.ts";
import { openWorkerStorage } from "../storage/workerStorage.ts";
import { auditHash, canonicalAuditContent, GENESIS_HASH, verifyAuditChainAsync } from "./auditChain.ts";
import { verifyDataFolderAsync } from "./auditVerify.ts";

const dirs: string[] = [];
function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "chairside-audit-"));
  dirs.push(dir);
  return join(dir, "chairside.db");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the audit chain in storage", () => {
  it("chains the rows of a data folder from before the chain, once, and keeps appending to it", async () => {
    const path = dbPath();
    const legacy = new Database(path);
    legacy.exec(`
      CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, why TEXT NOT NULL);
      CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, clinic_id TEXT NOT NULL, body TEXT NOT NULL,
        updated_at INTEGER NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
      INSERT INTO audit_log (at, who, action, subject, why) VALUES (1, 'ray', 'read_snapshot', 'julian', 'joined'),
        (2, 'ray', 'read_readings', 'julian', 'chart'), (3, 'kim', 'firmware_lift', 'fw 1.2', 'fixed');
      PRAGMA user_version = 1;`);
    legacy.close();

    const storage = new SqliteStorage(path);
    await storage.audit({
      at: 4,
      who: "ray",
      action: "record.read",
      subject: "julian",
      why: "",
      patientId: "julian",
    });
    const rows = await storage.auditChain(0, 100);
    expect(rows.map((r) => [r.id, r.action])).toEqual([
      [1, "read_snapshot"],
      [2, "read_readings"],
      [3, "firmware_lift"],
      [4, "record.read"],
    ]);
    expect(rows[0]!.prevHash).toBe(GENESIS_HASH);
    const report = await verifyAuditChainAsync((a, l) => storage.auditChain(a, l));
    expect(report).toMatchObject({ checked: 4, broken: null, lastHash: rows[3]!.hash });
    await storage.close();

    // A second start changes nothing of what is there.
    const again = new SqliteStorage(path);
    expect(await again.auditChain(0, 100)).toEqual(rows);
    await again.close();
  });

  it("never forks under concurrent writes through the storage thread", async () => {
    const storage = await openWorkerStorage(dbPath());
    try {
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          storage.audit({
            at: i,
            who: `w${i % 7}`,
            action: "soe.history",
            subject: "p",
            why: "",
            patientId: "p",
          }),
        ),
      );
      await storage.liftFirmware("main", {
        action: "lift",
        firmware: "9.9",
        at: 400,
        by: "kim",
        reason: "fixed",
      });
      const report = await verifyAuditChainAsync((a, l) => storage.auditChain(a, l), 64);
      expect(report).toMatchObject({ checked: 301, broken: null });
      const last = (await storage.auditChain(300, 10))[0]!;
      expect(last).toMatchObject({ action: "firmware_lift", who: "kim", why: "fixed" });
    } finally {
      await storage.close();
    }
  });

  it("keeps the chain when a grouped call fails and is rolled back", async () => {
    const storage = await openWorkerStorage(dbPath());
    try {
      const writes = [
        storage.audit({ at: 1, who: "a", action: "x", subject: "s", why: "" }),
        // Cannot be stored (who is NOT NULL): its savepoint is undone, the chain goes on from the row before.
        storage.audit({ at: 2, who: null as unknown as string, action: "x", subject: "s", why: "" }),
        storage.audit({ at: 3, who: "c", action: "x", subject: "s", why: "" }),
      ];
      const settled = await Promise.allSettled(writes);
      expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      const report = await verifyAuditChainAsync((a, l) => storage.auditChain(a, l));
      expect(report).toMatchObject({ checked: 2, broken: null });
    } finally {
      await storage.close();
    }
  });
});

describe("audit:verify on an encrypted data folder", () => {
  it("opens the file with CHAIRSIDE_DB_KEY as the server does, and says so when the key is missing", async () => {
    const path = dbPath();
    const db = new CipherDatabase(path);
    db.pragma("cipher = 'sqlcipher'");
    db.pragma("legacy = 4");
    db.pragma("key = 'correct horse'");
    db.exec(`CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
      subject TEXT NOT NULL, why TEXT NOT NULL, patient_id TEXT, room_id TEXT, prev_hash TEXT, hash TEXT)`);
    let prev = GENESIS_HASH;
    for (let id = 1; id <= 3; id++) {
      const entry = { at: id, who: "ray", action: "record.read", subject: "p", why: "", patientId: "p" };
      const hash = auditHash(prev, id, entry);
      db.prepare("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)").run(
        id,
        entry.at,
        entry.who,
        entry.action,
        entry.subject,
        entry.why,
        entry.patientId,
        prev,
        hash,
      );
      prev = hash;
    }
    db.close();

    const folder = dirname(path);
    const saved = process.env.CHAIRSIDE_DB_KEY;
    try {
      delete process.env.CHAIRSIDE_DB_KEY;
      const without: string[] = [];
      expect(await verifyDataFolderAsync(folder, (l) => without.push(l))).toBe(2);
      expect(without.join("\n")).toMatch(/^Could not read the audit trail/);
      process.env.CHAIRSIDE_DB_KEY = "correct horse";
      const lines: string[] = [];
      expect(await verifyDataFolderAsync(folder, (l) => lines.push(l))).toBe(0);
      expect(lines[0]).toBe("The audit trail is intact: 3 entries, every link holds.");
    } finally {
      if (saved === undefined) delete process.env.CHAIRSIDE_DB_KEY;
      else process.env.CHAIRSIDE_DB_KEY = saved;
    }
  });

  it("stamps each entry with its clinic (given, or the patient's, or the person's) and filters by it", async () => {
    const storage = new SqliteStorage(dbPath());
    const rec = (kind: "patient" | "staff", id: string, clinicId: string) => ({
      kind,
      id,
      clinicId,
      body: JSON.stringify({ patientId: id, clinicId }),
      updatedAt: 1,
    });
    await storage.putRecords([rec("patient", "ann", "north"), rec("staff", "kim", "main")]);
    const base = { why: "", subject: "s", action: "record.read" };
    await storage.audit({ ...base, at: 1, who: "kim", patientId: "ann" });
    await storage.audit({ ...base, at: 2, who: "kim" });
    await storage.audit({ ...base, at: 3, who: "ghost", clinicId: "east" });
    await storage.audit({ ...base, at: 4, who: "system" });
    const rows = await storage.auditChain(0, 10);
    expect(rows.map((r) => r.clinicId ?? null)).toEqual(["north", "main", "east", null]);
    // An entry without a clinic hashes exactly as entries did before the clinic column existed.
    expect(canonicalAuditContent(4, rows[3]!)).toBe(
      JSON.stringify([4, 4, "system", "record.read", "s", "", null, null]),
    );
    expect(canonicalAuditContent(2, rows[1]!)).toContain('"main"');
    expect((await verifyAuditChainAsync((a, l) => storage.auditChain(a, l))).broken).toBeNull();
    const main = await storage.auditQuery({ clinicId: "main", limit: 10, offset: 0 });
    expect(main.entries.map((e) => e.at).sort()).toEqual([2, 4]);
    await storage.close();
  });

  it("still verifies a chained trail written before entries carried a clinic, after the upgrade", async () => {
    const path = dbPath();
    const storage = new SqliteStorage(path);
    await storage.audit({
      at: 1,
      who: "ray",
      action: "record.read",
      subject: "julian",
      why: "",
      patientId: "julian",
    });
    await storage.close();
    // Back to the schema before the clinic column, as an old server wrote the file: undo that step
    // and every later one, then re-open. A new step needs its undo here.
    const clinicStep = MIGRATIONS.findIndex((m) =>
      m.why.startsWith("issue 9 record: audit entries carry the clinic"),
    );
    const undoFromClinicStep = [
      "DROP INDEX audit_log_clinic; ALTER TABLE audit_log DROP COLUMN clinic_id;",
      "DROP TABLE group_kept_notes; DROP TABLE group_invites; DROP TABLE support_groups;",
    ];
    expect(MIGRATIONS.length - clinicStep).toBe(undoFromClinicStep.length);
    const db = new Database(path);
    db.exec(`${undoFromClinicStep.reverse().join("\n")} PRAGMA user_version = ${clinicStep};`);
    db.close();
    const upgraded = new SqliteStorage(path);
    await upgraded.audit({
      at: 2,
      who: "ray",
      action: "record.read",
      subject: "julian",
      why: "",
      clinicId: "main",
    });
    const report = await verifyAuditChainAsync((a, l) => upgraded.auditChain(a, l));
    expect(report).toMatchObject({ checked: 2, broken: null });
    await upgraded.close();
  });
});
