/** The default storage: one SQLite file in the data folder (WAL), no server to install. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Alarm } from "../../shared/alarms.ts";
import type { RoomEvent } from "../../shared/protocol.ts";
import type { CheckedReading, Quality, ReadingStatus, Signal } from "../../shared/soe/signals.ts";
import type { AuditEntry, Quarantine, RoomStateRow, Storage, StoredBatch, StoreOutcome } from "./storage.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS device_batches (
  device_id TEXT NOT NULL, seq INTEGER NOT NULL, received_at INTEGER NOT NULL,
  PRIMARY KEY (device_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS readings (
  id INTEGER PRIMARY KEY, patient_id TEXT NOT NULL, device_id TEXT NOT NULL, batch_seq INTEGER NOT NULL,
  firmware TEXT NOT NULL, signal TEXT NOT NULL, t INTEGER NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL,
  tooth INTEGER, quality TEXT NOT NULL, reason TEXT, status TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS readings_patient_received ON readings (patient_id, received_at);
CREATE INDEX IF NOT EXISTS readings_firmware_t ON readings (firmware, t);
CREATE TABLE IF NOT EXISTS quarantines (firmware TEXT PRIMARY KEY, since INTEGER NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS alarms (id TEXT PRIMARY KEY, room_id TEXT NOT NULL, raised_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alarms_room ON alarms (room_id, raised_at);
CREATE TABLE IF NOT EXISTS room_events (
  id INTEGER PRIMARY KEY, room_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS room_events_room ON room_events (room_id, id);
CREATE TABLE IF NOT EXISTS room_state (
  room_id TEXT PRIMARY KEY, appointment_id TEXT NOT NULL, version INTEGER NOT NULL, saved_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, why TEXT NOT NULL);
`;

interface ReadingRow {
  device_id: string;
  signal: string;
  t: number;
  value: number;
  unit: string;
  tooth: number | null;
  quality: string;
  reason: string | null;
  status: string;
  received_at: number;
}

export interface SqliteOptions {
  /** "full" fsyncs every commit; "normal" (default) survives a process kill, which is what acks promise. */
  synchronous?: "full" | "normal";
}

export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly insertBatch: Database.Statement;
  private readonly insertReading: Database.Statement;
  private readonly storeTx: (batches: readonly StoredBatch[]) => StoreOutcome[];

  constructor(path: string, opts: SqliteOptions = {}) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${opts.synchronous === "full" ? "FULL" : "NORMAL"}`);
    this.db.pragma("busy_timeout = 2000");
    this.db.exec(SCHEMA);
    this.insertBatch = this.db.prepare(
      "INSERT OR IGNORE INTO device_batches (device_id, seq, received_at) VALUES (?, ?, ?)",
    );
    this.insertReading = this.db.prepare(
      `INSERT INTO readings (patient_id, device_id, batch_seq, firmware, signal, t, value, unit, tooth, quality, reason, status, received_at)
       VALUES (@patientId, @deviceId, @seq, @firmware, @signal, @t, @value, @unit, @tooth, @quality, @reason, @status, @receivedAt)`,
    );
    // One transaction for many device batches: group commit keeps ingest fast and atomic.
    this.storeTx = this.db.transaction((batches: readonly StoredBatch[]) =>
      batches.map((b) => {
        const receivedAt = b.readings[0]?.receivedAt ?? Date.now();
        if (this.insertBatch.run(b.deviceId, b.seq, receivedAt).changes === 0)
          return { duplicate: true, stored: 0 };
        for (const r of b.readings) {
          this.insertReading.run({
            patientId: b.patientId,
            deviceId: b.deviceId,
            seq: b.seq,
            firmware: b.firmware,
            signal: r.signal,
            t: r.t,
            value: r.value,
            unit: r.unit,
            tooth: r.tooth ?? null,
            quality: r.quality,
            reason: r.reason ?? null,
            status: r.status,
            receivedAt: r.receivedAt,
          });
        }
        return { duplicate: false, stored: b.readings.length };
      }),
    );
  }

  async storeBatches(batches: readonly StoredBatch[]): Promise<StoreOutcome[]> {
    return this.storeTx(batches);
  }

  async lastSeq(deviceId: string): Promise<number> {
    const row = this.db
      .prepare("SELECT MAX(seq) AS seq FROM device_batches WHERE device_id = ?")
      .get(deviceId) as { seq: number | null } | undefined;
    return row?.seq ?? 0;
  }

  async recentReadings(patientId: string, sinceMs: number, limit: number): Promise<CheckedReading[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT device_id, signal, t, value, unit, tooth, quality, reason, status, received_at, id
           FROM readings WHERE patient_id = ? AND received_at >= ? ORDER BY id DESC LIMIT ?) ORDER BY id ASC`,
      )
      .all(patientId, sinceMs, limit) as ReadingRow[];
    return rows.map((row) => ({
      deviceId: row.device_id,
      signal: row.signal as Signal,
      t: row.t,
      value: row.value,
      unit: row.unit,
      ...(row.tooth === null ? {} : { tooth: row.tooth }),
      quality: row.quality as Quality,
      ...(row.reason === null ? {} : { reason: row.reason }),
      status: row.status as ReadingStatus,
      receivedAt: row.received_at,
    }));
  }

  async retractReadings(firmware: string, sinceMs: number): Promise<number> {
    return this.db
      .prepare(
        "UPDATE readings SET status = 'entered-in-error' WHERE firmware = ? AND t >= ? AND status != 'entered-in-error'",
      )
      .run(firmware, sinceMs).changes;
  }

  async countReadings(filter: { deviceId?: string; status?: string } = {}): Promise<number> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.deviceId) {
      where.push("device_id = ?");
      args.push(filter.deviceId);
    }
    if (filter.status) {
      where.push("status = ?");
      args.push(filter.status);
    }
    const sql = `SELECT COUNT(*) AS n FROM readings${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
    return (this.db.prepare(sql).get(...args) as { n: number }).n;
  }

  async saveQuarantine(q: Quarantine): Promise<void> {
    this.db
      .prepare("INSERT OR REPLACE INTO quarantines (firmware, since, by, at) VALUES (?, ?, ?, ?)")
      .run(q.firmware, q.since, q.by, q.at);
  }

  async quarantines(): Promise<Quarantine[]> {
    return this.db
      .prepare("SELECT firmware, since, by, at FROM quarantines ORDER BY at")
      .all() as Quarantine[];
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

  async audit(entry: AuditEntry): Promise<void> {
    this.db
      .prepare("INSERT INTO audit_log (at, who, action, subject, why) VALUES (?, ?, ?, ?, ?)")
      .run(entry.at, entry.who, entry.action, entry.subject, entry.why);
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    return (
      this.db
        .prepare("SELECT at, who, action, subject, why FROM audit_log ORDER BY id DESC LIMIT ?")
        .all(limit) as AuditEntry[]
    ).reverse();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
