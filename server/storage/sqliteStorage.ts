/** The default storage: one SQLite file in the data folder (WAL), no server to install. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type Database from "better-sqlite3-multiple-ciphers";
import type { Alarm } from "../../shared/alarms.ts";
import type { FirmwareAction, RoomEvent } from "../../shared/protocol.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import {
  AUDIT_COLUMNS,
  type AuditRow,
  auditColumnValues,
  auditHash,
  type ChainedAuditRow,
  fromAuditRow,
  GENESIS_HASH,
} from "../audit/auditChain.ts";
import { openDatabase } from "./encryption.ts";
import {
  fromGroupRow,
  fromInviteRow,
  fromNoteRow,
  type GroupFilter,
  type GroupStatus,
  groupReads,
  groupWrites,
  type KeptGroupNote,
  type Statement,
  type StoredGroup,
  type StoredGroupInvite,
} from "./groupStore.ts";
import {
  AUDIT_CHAIN_MIGRATION,
  BASE_SCHEMA,
  MIGRATIONS,
  newerSchemaMessage,
  SCHEMA_VERSION,
} from "./migrations.ts";
import { migrateToPacks, READING_PACKS_MIGRATION, ReadingStore } from "./readingStore.ts";
import { readMinutes, rollupBatch } from "./retention.ts";
import type {
  AuditEntry,
  AuditFilter,
  AuditPage,
  FirmwareRecord,
  FirmwareUsage,
  PoseKeyframe,
  ReadingMinute,
  ReadingRange,
  RecordKind,
  RollupOutcome,
  RoomEventRange,
  RoomStateRow,
  Storage,
  StoredBatch,
  StoredReading,
  StoredRecord,
  StoreOutcome,
} from "./storage.ts";

// A row per reading and per batch key, only until READING_PACKS_MIGRATION
// moves them into packs (server/storage/readingStore.ts); a fresh file gets them for that step too.
const LEGACY_READINGS = `
CREATE TABLE IF NOT EXISTS readings (
  id INTEGER PRIMARY KEY, patient_id TEXT NOT NULL, device_id TEXT NOT NULL, batch_seq INTEGER NOT NULL,
  firmware TEXT NOT NULL, signal TEXT NOT NULL, t INTEGER NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL,
  tooth INTEGER, quality TEXT NOT NULL, reason TEXT, status TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS readings_patient_received ON readings (patient_id, received_at);
CREATE INDEX IF NOT EXISTS readings_firmware_t ON readings (firmware, t);
CREATE TABLE IF NOT EXISTS device_boot_batches (
  device_id TEXT NOT NULL, boot_id TEXT NOT NULL, seq INTEGER NOT NULL, digest TEXT NOT NULL,
  received_at INTEGER NOT NULL, PRIMARY KEY (device_id, boot_id, seq)) WITHOUT ROWID;
`;

/**
 * The schema: version 0 and the numbered steps come from the one history both backends share
 * (server/storage/migrations.ts, issue 11); only the legacy tables above and the data moves in
 * `migrate` are SQLite's own. Each step runs once, in a transaction, so an existing folder upgrades
 * in place. The audit step also chains the rows already there (`chainExistingAudit`); after it,
 * triggers refuse UPDATE and DELETE on the trail. The packs step moves the per-reading rows.
 */
const AUDIT_APPEND_ONLY = `
  CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;`;

export { SCHEMA_VERSION };
const PACKS_VERSION = MIGRATIONS.findIndex((m) => m.sqlite === READING_PACKS_MIGRATION) + 1;

const LEGACY_CLINIC = "main";
const LEGACY_REASON = "Recorded before quarantines needed a reason and a clinic";

interface FirmwareActionRow {
  clinic_id: string;
  firmware: string;
  action: string;
  since: number | null;
  at: number;
  by: string;
  reason: string;
  retracted: number;
}

interface RecordRow {
  kind: RecordKind;
  id: string;
  clinic_id: string;
  body: string;
  updated_at: number;
}

function fromRecordRow(row: RecordRow): StoredRecord {
  return { kind: row.kind, id: row.id, clinicId: row.clinic_id, body: row.body, updatedAt: row.updated_at };
}

export interface SqliteOptions {
  /** "full" fsyncs every commit; "normal" (default) survives a process kill, which is what acks promise. */
  synchronous?: "full" | "normal";
  /** CHAIRSIDE_DB_KEY: the file is encrypted with it (server/storage/encryption.ts); none: plain. */
  key?: string;
}

/*
 * Every write transaction is IMMEDIATE: it takes the write lock before its first read. A deferred one
 * that reads and then writes cannot wait for a lock another connection (a second node on the same
 * file, the audit CLI) took meanwhile: SQLite fails it at once, "database is locked".
 */
/** How long a statement waits for another connection's write lock before "database is locked". */
const BUSY_MS = 2_000;
/** At start, how long to wait for another node that is setting up (or upgrading) the same file. */
const SETUP_BUSY_MS = 60_000;

/**
 * Runs `setUp` again while SQLite says another connection holds the file. Switching a new file to
 * WAL answers "database is locked" at once, without waiting in the busy timeout, when another node
 * opening the same file at the same moment holds it (seen when two cluster nodes start together),
 * so the wait is here. Blocking is fine: this runs once, before the storage takes any call.
 */
function whileBusy(forMs: number, setUp: () => void): void {
  const until = Date.now() + forMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      setUp();
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const busy =
        typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
      if (!busy || Date.now() >= until) throw error;
      Atomics.wait(pause, 0, 0, 25);
    }
  }
}

export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly readings: ReadingStore;
  private readonly storeTx: (batches: readonly StoredBatch[]) => StoreOutcome[];

  constructor(path: string, opts: SqliteOptions = {}) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = openDatabase(path, opts.key); // the key goes in before any read
    // Another node sharing this file may be setting it up: wait for it rather than fail.
    this.db.pragma(`busy_timeout = ${SETUP_BUSY_MS}`);
    whileBusy(SETUP_BUSY_MS, () => {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma(`synchronous = ${opts.synchronous === "full" ? "FULL" : "NORMAL"}`);
      // The schema's version is read under the write lock (IMMEDIATE), so of several nodes opening a
      // new or older file at once, one upgrades it and the others find it upgraded.
      this.db.transaction(() => this.setUpSchema()).immediate();
    });
    this.db.pragma(`busy_timeout = ${BUSY_MS}`);
    this.readings = new ReadingStore(this.db);
    // One transaction for many device batches: group commit keeps ingest fast and atomic.
    const storeTx = this.db.transaction((batches: readonly StoredBatch[]) =>
      batches.map((b) => this.readings.storeBatch(b)),
    );
    this.storeTx = (batches) => {
      try {
        return storeTx.immediate(batches);
      } catch (error) {
        this.readings.forget();
        throw error;
      }
    };
  }

  /** A transaction around these calls was rolled back: ids cached since may name rows that are gone. */
  forgetCachedIds(): void {
    this.readings.forget();
  }

  async storeBatches(batches: readonly StoredBatch[]): Promise<StoreOutcome[]> {
    return this.storeTx(batches);
  }

  async lastSeq(deviceId: string, bootId: string): Promise<number> {
    return this.readings.lastSeq(deviceId, bootId);
  }

  async recentReadings(patientId: string, sinceMs: number, limit: number): Promise<CheckedReading[]> {
    return this.readings.recentReadings(patientId, sinceMs, limit);
  }

  async countReadings(filter: { deviceId?: string; status?: string } = {}): Promise<number> {
    return this.readings.countReadings(filter);
  }

  async saveAlarm(roomId: string, alarm: Alarm): Promise<void> {
    this.db
      .prepare("INSERT OR REPLACE INTO alarms (id, room_id, raised_at, body) VALUES (?, ?, ?, ?)")
      .run(alarm.id, roomId, alarm.raisedAt, JSON.stringify(alarm));
  }

  async alarms(roomId: string): Promise<Alarm[]> {
    const rows = this.db
      .prepare("SELECT body FROM alarms WHERE room_id = ? ORDER BY raised_at")
      .all(roomId) as {
      body: string;
    }[];
    return rows.map((r) => JSON.parse(r.body) as Alarm);
  }

  async appendRoomEvent(roomId: string, event: RoomEvent): Promise<void> {
    this.db
      .prepare("INSERT INTO room_events (room_id, seq, at, type, body) VALUES (?, ?, ?, ?, ?)")
      .run(roomId, event.seq, event.at, event.body.type, JSON.stringify(event.body));
  }

  async roomEvents(roomId: string, limit: number): Promise<RoomEvent[]> {
    const rows = this.db
      .prepare("SELECT seq, at, body FROM room_events WHERE room_id = ? ORDER BY id DESC LIMIT ?")
      .all(roomId, limit) as { seq: number; at: number; body: string }[];
    return rows.reverse().map((r) => ({ seq: r.seq, at: r.at, body: JSON.parse(r.body) }));
  }

  async saveRoomState(row: RoomStateRow): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO room_state (room_id, appointment_id, version, saved_at, body) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (room_id) DO UPDATE SET appointment_id = excluded.appointment_id, version = excluded.version,
           saved_at = excluded.saved_at, body = excluded.body
         WHERE excluded.version >= room_state.version`,
      )
      .run(row.roomId, row.appointmentId, row.version, row.savedAt, row.body);
  }

  async roomStates(): Promise<RoomStateRow[]> {
    return this.db
      .prepare(
        "SELECT room_id AS roomId, appointment_id AS appointmentId, version, saved_at AS savedAt, body FROM room_state",
      )
      .all() as RoomStateRow[];
  }

  async deleteRoomState(roomId: string): Promise<void> {
    this.db.prepare("DELETE FROM room_state WHERE room_id = ?").run(roomId);
  }

  /** Appends one entry to the chain. Calls run one at a time on the storage thread, so it never forks. */
  async audit(entry: AuditEntry): Promise<void> {
    this.appendAudit(entry);
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    return (this.db.prepare("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?").all(limit) as AuditRow[])
      .reverse()
      .map((row) => {
        const { id: _id, prevHash: _p, hash: _h, ...entry } = fromAuditRow(row);
        return entry;
      });
  }

  /** One page of the trail, newest first, filtered by person, patient and time; and how many match. */
  async auditQuery(filter: AuditFilter): Promise<AuditPage> {
    const conditions: [string, string | number | undefined][] = [
      // One clinic's entries, and those from before entries carried a clinic.
      ["(clinic_id = ? OR clinic_id IS NULL)", filter.clinicId],
      ["who = ?", filter.who],
      ["patient_id = ?", filter.patientId],
      ["at >= ?", filter.from],
      ["at < ?", filter.to],
    ];
    const used = conditions.filter(([, value]) => value !== undefined);
    const where = used.map(([sql]) => sql);
    const args = used.map(([, value]) => value as string | number);
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM audit_log ${clause}`).get(...args) as { n: number }
    ).n;
    const rows = this.db
      .prepare(`SELECT * FROM audit_log ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(...args, filter.limit, filter.offset) as AuditRow[];
    return { total, entries: rows.map(fromAuditRow) };
  }

  /** Rows of the chain after an id, oldest first, hashes included: what the verify command walks. */
  async auditChain(afterId: number, limit: number): Promise<ChainedAuditRow[]> {
    return (
      this.db
        .prepare("SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?")
        .all(afterId, limit) as AuditRow[]
    ).map(fromAuditRow);
  }

  /**
   * Statements of the frequent writes, prepared once. A crowd joining a room is an audit row per
   * person, and each append prepared its 3-4 statements anew (compiling the append-only triggers
   * each time) on the storage thread, where device batches queue behind them; pose keyframes are
   * stored ten times a second.
   */
  private readonly preparedStatements = new Map<string, Database.Statement>();
  private readonly prepared = (sql: string): Database.Statement => {
    let statement = this.preparedStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.preparedStatements.set(sql, statement);
    }
    return statement;
  };

  private appendAudit(entry: AuditEntry): void {
    const last = this.prepared("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").get() as
      | { id: number; hash: string | null }
      | undefined;
    const id = (last?.id ?? 0) + 1;
    const prevHash = last ? (last.hash ?? "") : GENESIS_HASH;
    // The clinic, when not given, is the patient's or else the person's
    const clinicOf = (kind: RecordKind, recordId: string | undefined) =>
      recordId === undefined
        ? undefined
        : (
            this.prepared("SELECT clinic_id FROM records WHERE kind = ? AND id = ?").get(kind, recordId) as
              | { clinic_id: string }
              | undefined
          )?.clinic_id;
    const clinicId = entry.clinicId ?? clinicOf("patient", entry.patientId) ?? clinicOf("staff", entry.who);
    const full: AuditEntry = clinicId === undefined ? entry : { ...entry, clinicId };
    const columns = AUDIT_COLUMNS.map((c) => c.column);
    this.prepared(
      `INSERT INTO audit_log (id, ${columns.join(", ")}, prev_hash, hash)
         VALUES (${Array(columns.length + 3)
           .fill("?")
           .join(", ")})`,
    ).run(id, ...auditColumnValues(full), prevHash, auditHash(prevHash, id, full));
  }

  /** Chains the rows written before the trail was a chain, oldest first (inside the migration). */
  private chainExistingAudit(): void {
    const rows = this.db.prepare("SELECT * FROM audit_log ORDER BY id").all() as AuditRow[];
    const set = this.db.prepare("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?");
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const { prevHash: _p, hash: _h, ...entry } = fromAuditRow(row);
      const hash = auditHash(prev, row.id, entry);
      set.run(prev, hash, row.id);
      prev = hash;
    }
    this.db.exec(AUDIT_APPEND_ONLY);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** The base tables, then every step this file has not had yet (inside the caller's transaction). */
  private setUpSchema(): void {
    this.db.exec(BASE_SCHEMA.sqlite);
    // The per-reading tables exist only until the packs migration has run.
    if ((this.db.pragma("user_version", { simple: true }) as number) < PACKS_VERSION)
      this.db.exec(LEGACY_READINGS);
    this.migrateSoe();
    this.migrate();
  }

  private migrate(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(newerSchemaMessage(version));
    }
    for (let v = version; v < SCHEMA_VERSION; v++) {
      this.db
        .transaction(() => {
          const step = MIGRATIONS[v]!.sqlite;
          this.db.exec(step);
          if (step === AUDIT_CHAIN_MIGRATION) this.chainExistingAudit();
          if (step === READING_PACKS_MIGRATION) migrateToPacks(this.db);
          this.db.pragma(`user_version = ${v + 1}`);
        })
        .immediate();
    }
  }

  async rollupReadings(beforeMs: number, batchSize: number): Promise<RollupOutcome> {
    return rollupBatch(this.db, beforeMs, batchSize);
  }

  async readingMinutes(patientId: string, fromMs: number, toMs: number): Promise<ReadingMinute[]> {
    return readMinutes(this.db, patientId, fromMs, toMs);
  }

  async putRecords(records: readonly StoredRecord[]): Promise<void> {
    const put = this.db.prepare(
      "INSERT OR REPLACE INTO records (kind, id, clinic_id, body, updated_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.db
      .transaction(() => {
        for (const r of records) put.run(r.kind, r.id, r.clinicId, r.body, r.updatedAt);
      })
      .immediate();
  }

  async getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null> {
    const row = this.db
      .prepare("SELECT kind, id, clinic_id, body, updated_at FROM records WHERE kind = ? AND id = ?")
      .get(kind, id) as RecordRow | undefined;
    return row ? fromRecordRow(row) : null;
  }

  async listRecords(kind: RecordKind, clinicId?: string): Promise<StoredRecord[]> {
    const rows = (
      clinicId === undefined
        ? this.db.prepare("SELECT * FROM records WHERE kind = ? ORDER BY id").all(kind)
        : this.db
            .prepare("SELECT * FROM records WHERE kind = ? AND clinic_id = ? ORDER BY id")
            .all(kind, clinicId)
    ) as RecordRow[];
    return rows.map(fromRecordRow);
  }

  async deleteRecords(kind: RecordKind, ids: readonly string[]): Promise<void> {
    this.db
      .prepare("DELETE FROM records WHERE kind = ? AND id IN (SELECT value FROM json_each(?))")
      .run(kind, JSON.stringify(ids));
  }

  async roomEventsBetween(roomId: string, range: RoomEventRange): Promise<RoomEvent[]> {
    const where = ["room_id = ?"];
    const args: (string | number)[] = [roomId];
    const bound = (sql: string, value: number | undefined) => {
      if (value === undefined) return;
      where.push(sql);
      args.push(value);
    };
    bound("seq >= ?", range.fromSeq);
    bound("seq <= ?", range.toSeq);
    bound("at >= ?", range.fromAt);
    bound("at <= ?", range.toAt);
    if (range.types !== undefined) {
      where.push("type IN (SELECT value FROM json_each(?))");
      args.push(JSON.stringify(range.types));
    }
    const limit = range.limit ?? -1;
    const rows = this.db
      .prepare(`SELECT seq, at, body FROM room_events WHERE ${where.join(" AND ")} ORDER BY seq, id LIMIT ?`)
      .all(...args, limit) as { seq: number; at: number; body: string }[];
    return rows.map((r) => ({ seq: r.seq, at: r.at, body: JSON.parse(r.body) }));
  }

  async readingsBetween(patientId: string, range: ReadingRange): Promise<StoredReading[]> {
    return this.readings.readingsBetween(patientId, range);
  }

  async countReadingsBetween(patientId: string, range: ReadingRange): Promise<number> {
    return this.readings.countBetween(patientId, range);
  }

  async rawReadingMinutes(patientId: string, range: ReadingRange): Promise<ReadingMinute[]> {
    return this.readings.minutesBetween(patientId, range);
  }

  async recordsOfPatient(kind: RecordKind, patientId: string): Promise<StoredRecord[]> {
    // INDEXED BY: without ANALYZE statistics SQLite prefers the primary key and reads every record of the kind.
    const rows = this.db
      .prepare(
        "SELECT * FROM records INDEXED BY records_kind_patient WHERE kind = ? AND json_extract(body, '$.patientId') = ? ORDER BY id",
      )
      .all(kind, patientId) as RecordRow[];
    return rows.map(fromRecordRow);
  }

  async appendPoseKeyframes(frames: readonly PoseKeyframe[]): Promise<void> {
    const put = this.prepared("INSERT INTO pose_keyframes (room_id, at, seq, poses) VALUES (?, ?, ?, ?)");
    this.db
      .transaction(() => {
        // A Buffer arrived from the main thread as a plain Uint8Array, which SQLite will not bind.
        for (const f of frames)
          put.run(f.roomId, f.at, f.seq, Buffer.from(f.poses.buffer, f.poses.byteOffset, f.poses.byteLength));
      })
      .immediate();
  }

  async poseKeyframesBetween(roomId: string, fromAt: number, toAt: number): Promise<PoseKeyframe[]> {
    const rows = this.db
      .prepare(
        "SELECT room_id, at, seq, poses FROM pose_keyframes WHERE room_id = ? AND at >= ? AND at <= ? ORDER BY at, id",
      )
      .all(roomId, fromAt, toAt) as { room_id: string; at: number; seq: number; poses: Buffer }[];
    return rows.map((r) => ({ roomId: r.room_id, at: r.at, seq: r.seq, poses: new Uint8Array(r.poses) }));
  }

  async deletePoseKeyframesBefore(ms: number): Promise<number> {
    return this.db.prepare("DELETE FROM pose_keyframes WHERE at < ?").run(ms).changes;
  }

  // Firmware quarantines and lifts per clinic

  /**
   * `firmware_actions` is the append-only history of quarantines and lifts. Databases from before
   * keep their old `device_batches` rows (no longer read); their clinic-wide `quarantines` move into
   * `firmware_actions` as quarantines of the real clinic, liftable now.
   */
  private migrateSoe(): void {
    const legacy = this.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'quarantines'")
      .get();
    if (legacy === undefined) return;
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO firmware_actions (clinic_id, firmware, action, since, at, by, reason, retracted)
           SELECT ?, firmware, 'quarantine', since, at, by, ?, 0 FROM quarantines ORDER BY at`,
          )
          .run(LEGACY_CLINIC, LEGACY_REASON);
        this.db.exec("DROP TABLE quarantines");
      })
      .immediate();
  }

  async firmwareUsage(
    firmware: string,
    deviceIds: readonly string[],
    sinceMs: number,
  ): Promise<FirmwareUsage> {
    return this.readings.firmwareUsage(firmware, deviceIds, sinceMs);
  }

  async quarantineFirmware(
    clinicId: string,
    deviceIds: readonly string[],
    action: Omit<Extract<FirmwareAction, { action: "quarantine" }>, "retracted">,
  ): Promise<number> {
    return this.db
      .transaction(() => {
        const retracted = this.readings.retract(action.firmware, deviceIds, action.since);
        this.insertFirmwareAction(clinicId, { ...action, retracted });
        return retracted;
      })
      .immediate();
  }

  async liftFirmware(clinicId: string, action: Extract<FirmwareAction, { action: "lift" }>): Promise<void> {
    this.db.transaction(() => this.insertFirmwareAction(clinicId, action)).immediate();
  }

  async firmwareActions(): Promise<FirmwareRecord[]> {
    const rows = this.db
      .prepare(
        "SELECT clinic_id, firmware, action, since, at, by, reason, retracted FROM firmware_actions ORDER BY id",
      )
      .all() as FirmwareActionRow[];
    return rows.map((r) => ({
      clinicId: r.clinic_id,
      action:
        r.action === "quarantine"
          ? {
              action: "quarantine",
              firmware: r.firmware,
              since: r.since ?? 0,
              at: r.at,
              by: r.by,
              reason: r.reason,
              retracted: r.retracted,
            }
          : { action: "lift", firmware: r.firmware, at: r.at, by: r.by, reason: r.reason },
    }));
  }

  /** The action row and its audit row (who, when, why), inside the caller's transaction. */
  private insertFirmwareAction(clinicId: string, a: FirmwareAction): void {
    const since = a.action === "quarantine" ? a.since : null;
    const retracted = a.action === "quarantine" ? a.retracted : 0;
    this.db
      .prepare(
        `INSERT INTO firmware_actions (clinic_id, firmware, action, since, at, by, reason, retracted)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(clinicId, a.firmware, a.action, since, a.at, a.by, a.reason, retracted);
    const what =
      a.action === "quarantine"
        ? `firmware ${a.firmware} in clinic ${clinicId}, readings since ${a.since} (${a.retracted} retracted)`
        : `firmware ${a.firmware} in clinic ${clinicId}`;
    this.appendAudit({ at: a.at, who: a.by, action: `firmware_${a.action}`, subject: what, why: a.reason });
  }

  // Support groups, statements in groupStore.ts
  /** Runs a group write's statements in one transaction. */
  private groupWrite(statements: readonly Statement[]): void {
    this.db
      .transaction(() => {
        for (const [sql, params] of statements) this.db.prepare(sql).run(...params);
      })
      .immediate();
  }

  private groupRead<T>(statement: Statement, map: (row: unknown) => T): T[] {
    const [sql, params] = statement;
    return this.db
      .prepare(sql)
      .all(...params)
      .map(map);
  }

  async saveSupportGroup(group: StoredGroup): Promise<void> {
    this.groupWrite(groupWrites.save(group));
  }

  async supportGroups(filter: GroupFilter): Promise<StoredGroup[]> {
    return this.groupRead(groupReads.groups(filter), fromGroupRow);
  }

  async recentlyClosedGroups(limit: number): Promise<StoredGroup[]> {
    return this.groupRead(groupReads.recentlyClosed(limit), fromGroupRow);
  }

  async closeSupportGroup(
    groupId: string,
    status: GroupStatus,
    at: number,
    kept: readonly KeptGroupNote[],
  ): Promise<void> {
    this.groupWrite(groupWrites.close(groupId, status, at, kept));
  }

  async saveGroupInvite(invite: StoredGroupInvite): Promise<void> {
    this.groupWrite(groupWrites.saveInvite(invite));
  }

  async withdrawGroupInvite(inviteId: string, at: number): Promise<void> {
    this.groupWrite(groupWrites.withdrawInvite(inviteId, at));
  }

  async groupInvites(groupId: string): Promise<StoredGroupInvite[]> {
    return this.groupRead(groupReads.invites(groupId), fromInviteRow);
  }

  async keptGroupNotes(groupId: string): Promise<KeptGroupNote[]> {
    return this.groupRead(groupReads.keptNotes(groupId), fromNoteRow);
  }
}
