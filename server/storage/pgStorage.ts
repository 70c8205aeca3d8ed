/**
 * PostgreSQL storage (issue 11), chosen with `CHAIRSIDE_DATABASE_URL=postgres://…`: the whole
 * `Storage` contract with the meaning SQLite gives it, so several nodes can share one database.
 *
 * Order: the SQLite storage runs calls one after another on its thread, and callers rely on that
 * (a record put twice without awaiting keeps the second). Here every write goes through one lane
 * on one connection, in call order; a read waits for the writes called before it, then runs on the
 * pool beside other reads. Across nodes the database decides: batch keys and upserts are
 * constraints, the audit chain and the rollup take advisory locks, a deadlock is retried.
 */
import pg from "pg";
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
import { createLogger } from "../log.ts";
import {
  fromGroupRow,
  fromInviteRow,
  fromNoteRow,
  type GroupFilter,
  type GroupStatus,
  groupReads,
  groupWrites,
  type KeptGroupNote,
  numbered,
  type Statement,
  type StoredGroup,
  type StoredGroupInvite,
} from "./groupStore.ts";
import { LOCK_NAMESPACE, Lock, PgReadings, type Queryable } from "./pgReadings.ts";
import { migratePostgres } from "./pgSchema.ts";
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

const log = createLogger("pg-storage");

const INT8 = 20;
const NUMERIC = 1700;
/** Epoch ms, ids and counts are BIGINT: read them as numbers (all stay below 2^53), not strings. */
const numberTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8 || oid === NUMERIC
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/** An error that leaves the connection unusable: no SQLSTATE (the socket), connection or shutdown classes. */
function connectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code !== "string" || code.startsWith("08") || code.startsWith("57P");
}

/** Deadlock and serialization failures: the transaction did nothing, so it is safe to run again. */
const RETRYABLE = new Set(["40P01", "40001"]);

export interface PgOptions {
  /** Connections for reads (plus one for the write lane). */
  poolSize?: number;
}

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

/** Opens the pool, runs the schema steps this database lacks, and answers the storage. */
export async function openPgStorage(url: string, opts: PgOptions = {}): Promise<PgStorage> {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 8, types: numberTypes });
  // An idle connection the server dropped must not crash the process: the pool replaces it.
  pool.on("error", (error) => log.warn("idle database connection failed", { error: error.message }));
  const connections = new Set<pg.Client>();
  pool.on("connect", (client) => {
    connections.add(client);
    client.once("end", () => connections.delete(client));
  });
  try {
    await migratePostgres(pool);
    const writer = await pool.connect();
    return new PgStorage(pool, writer, connections);
  } catch (error) {
    await pool.end();
    throw error;
  }
}

export class PgStorage implements Storage {
  private readonly readings = new PgReadings();
  /** The tail of the write lane: every write starts after the one called before it has ended. */
  private lane: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    writer: pg.PoolClient,
    /** Every open connection of the pool, so `close()` can wait until they have all ended. */
    private readonly connections: ReadonlySet<pg.Client>,
  ) {
    this.adoptWriter(writer);
  }

  /** The write connection; a lost one (the database restarted, the network cut) is replaced on the next write. */
  private writer: pg.PoolClient | null = null;

  private adoptWriter(client: pg.PoolClient): void {
    this.writer = client;
    const lost = (error?: Error) => {
      if (this.writer !== client) return;
      this.writer = null;
      if (error) log.error("write connection lost", { error: error.message });
      client.release(error ?? true);
    };
    client.on("error", lost);
    client.on("end", () => lost());
  }

  private async writerClient(): Promise<pg.PoolClient> {
    if (!this.writer) this.adoptWriter(await this.pool.connect());
    return this.writer!;
  }

  /** Runs `fn` on the write connection after every write called before it. */
  private write<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("The storage is closed."));
    const once = async () => {
      const client = await this.writerClient();
      try {
        return await fn(client);
      } catch (error) {
        // The connection may be dead before it says so ('end' comes later): do not hand it to the next write.
        if (connectionLost(error) && this.writer === client) {
          this.writer = null;
          client.release(true);
        }
        throw error;
      }
    };
    const run = this.lane.then(once, once);
    this.lane = run.catch(() => {});
    return run;
  }

  /** A transaction on the write lane; run again on a deadlock or serialization failure. */
  private transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.write((c) => this.inTransaction(c, () => fn(c)));
  }

  /** BEGIN, `fn`, COMMIT on the write connection (already in the lane); retried as above. */
  private async inTransaction<T>(c: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await c.query("BEGIN");
      try {
        const result = await fn();
        await c.query("COMMIT");
        return result;
      } catch (error) {
        await c.query("ROLLBACK").catch(() => {});
        // Ids cached during the rolled-back transaction may name rows that are gone.
        this.readings.forget();
        const code = (error as { code?: string }).code;
        if (attempt < 3 && code !== undefined && RETRYABLE.has(code)) continue;
        throw error;
      }
    }
  }

  /** A read on the pool, after the writes called before it (so it sees them). */
  private async read<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error("The storage is closed.");
    await this.lane;
    return fn(this.pool);
  }

  async storeBatches(batches: readonly StoredBatch[]): Promise<StoreOutcome[]> {
    if (batches.length === 0) return [];
    // Known boots and streams: one statement, atomic by itself. New ones are made in the same
    // transaction as the batch, so a failed batch leaves no stream that claims a reading was stored.
    return this.write((c) =>
      this.readings.knows(batches)
        ? this.readings.storeBatches(c, batches).catch((error: unknown) => {
            this.readings.forget();
            throw error;
          })
        : this.inTransaction(c, () => this.readings.storeBatches(c, batches)),
    );
  }

  async lastSeq(deviceId: string, bootId: string): Promise<number> {
    return this.read((c) => this.readings.lastSeq(c, deviceId, bootId));
  }

  async recentReadings(patientId: string, sinceMs: number, limit: number): Promise<CheckedReading[]> {
    return this.read((c) => this.readings.recentReadings(c, patientId, sinceMs, limit));
  }

  async countReadings(filter: { deviceId?: string; status?: string } = {}): Promise<number> {
    return this.read((c) => this.readings.countReadings(c, filter));
  }

  async firmwareUsage(
    firmware: string,
    deviceIds: readonly string[],
    sinceMs: number,
  ): Promise<FirmwareUsage> {
    return this.read((c) => this.readings.firmwareUsage(c, firmware, deviceIds, sinceMs));
  }

  async quarantineFirmware(
    clinicId: string,
    deviceIds: readonly string[],
    action: Omit<Extract<FirmwareAction, { action: "quarantine" }>, "retracted">,
  ): Promise<number> {
    return this.transaction(async (c) => {
      const retracted = await this.readings.retract(c, action.firmware, deviceIds, action.since);
      await this.insertFirmwareAction(c, clinicId, { ...action, retracted });
      return retracted;
    });
  }

  async liftFirmware(clinicId: string, action: Extract<FirmwareAction, { action: "lift" }>): Promise<void> {
    await this.transaction((c) => this.insertFirmwareAction(c, clinicId, action));
  }

  async firmwareActions(): Promise<FirmwareRecord[]> {
    const { rows } = await this.read((c) =>
      c.query<FirmwareActionRow>(
        `SELECT clinic_id, firmware, action, since, at, "by", reason, retracted FROM firmware_actions ORDER BY id`,
      ),
    );
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
  private async insertFirmwareAction(c: Queryable, clinicId: string, a: FirmwareAction): Promise<void> {
    const since = a.action === "quarantine" ? a.since : null;
    const retracted = a.action === "quarantine" ? a.retracted : 0;
    await c.query(
      `INSERT INTO firmware_actions (clinic_id, firmware, action, since, at, "by", reason, retracted)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [clinicId, a.firmware, a.action, since, a.at, a.by, a.reason, retracted],
    );
    const what =
      a.action === "quarantine"
        ? `firmware ${a.firmware} in clinic ${clinicId}, readings since ${a.since} (${a.retracted} retracted)`
        : `firmware ${a.firmware} in clinic ${clinicId}`;
    await this.appendAudit(c, {
      at: a.at,
      who: a.by,
      action: `firmware_${a.action}`,
      subject: what,
      why: a.reason,
    });
  }

  async saveAlarm(roomId: string, alarm: Alarm): Promise<void> {
    await this.write((c) =>
      c.query(
        `INSERT INTO alarms (id, room_id, raised_at, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET room_id = excluded.room_id, raised_at = excluded.raised_at, body = excluded.body`,
        [alarm.id, roomId, alarm.raisedAt, JSON.stringify(alarm)],
      ),
    );
  }

  async alarms(roomId: string): Promise<Alarm[]> {
    const { rows } = await this.read((c) =>
      c.query<{ body: string }>("SELECT body FROM alarms WHERE room_id = $1 ORDER BY raised_at", [roomId]),
    );
    return rows.map((r) => JSON.parse(r.body) as Alarm);
  }

  async appendRoomEvent(roomId: string, event: RoomEvent): Promise<void> {
    await this.write((c) =>
      c.query("INSERT INTO room_events (room_id, seq, at, type, body) VALUES ($1, $2, $3, $4, $5)", [
        roomId,
        event.seq,
        event.at,
        event.body.type,
        JSON.stringify(event.body),
      ]),
    );
  }

  async roomEvents(roomId: string, limit: number): Promise<RoomEvent[]> {
    const { rows } = await this.read((c) =>
      c.query<{ seq: number; at: number; body: string }>(
        "SELECT seq, at, body FROM room_events WHERE room_id = $1 ORDER BY id DESC LIMIT $2",
        [roomId, limit],
      ),
    );
    return rows.reverse().map((r) => ({ seq: r.seq, at: r.at, body: JSON.parse(r.body) }));
  }

  async saveRoomState(row: RoomStateRow): Promise<void> {
    await this.write((c) =>
      c.query(
        `INSERT INTO room_state (room_id, appointment_id, version, saved_at, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (room_id) DO UPDATE SET appointment_id = excluded.appointment_id, version = excluded.version,
           saved_at = excluded.saved_at, body = excluded.body
         WHERE excluded.version >= room_state.version`,
        [row.roomId, row.appointmentId, row.version, row.savedAt, row.body],
      ),
    );
  }

  async roomStates(): Promise<RoomStateRow[]> {
    const { rows } = await this.read((c) =>
      c.query<RoomStateRow>(
        `SELECT room_id AS "roomId", appointment_id AS "appointmentId", version, saved_at AS "savedAt", body
         FROM room_state ORDER BY room_id COLLATE "C"`,
      ),
    );
    return rows;
  }

  async deleteRoomState(roomId: string): Promise<void> {
    await this.write((c) => c.query("DELETE FROM room_state WHERE room_id = $1", [roomId]));
  }

  // -- records --

  async putRecords(records: readonly StoredRecord[]): Promise<void> {
    if (records.length === 0) return;
    // The last of equal keys wins, as one INSERT OR REPLACE after another would leave it.
    const last = new Map<string, StoredRecord>();
    for (const r of records) last.set(`${r.kind}\u0000${r.id}`, r);
    const list = [...last.values()];
    await this.write((c) =>
      c.query(
        `INSERT INTO records (kind, id, clinic_id, body, updated_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
         ON CONFLICT (kind, id) DO UPDATE SET clinic_id = excluded.clinic_id, body = excluded.body,
           updated_at = excluded.updated_at`,
        [
          list.map((r) => r.kind),
          list.map((r) => r.id),
          list.map((r) => r.clinicId),
          list.map((r) => r.body),
          list.map((r) => r.updatedAt),
        ],
      ),
    );
  }

  async getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null> {
    const { rows } = await this.read((c) =>
      c.query<RecordRow>(
        "SELECT kind, id, clinic_id, body, updated_at FROM records WHERE kind = $1 AND id = $2",
        [kind, id],
      ),
    );
    return rows[0] ? fromRecordRow(rows[0]) : null;
  }

  async listRecords(kind: RecordKind, clinicId?: string): Promise<StoredRecord[]> {
    const { rows } = await this.read((c) =>
      clinicId === undefined
        ? c.query<RecordRow>(`SELECT * FROM records WHERE kind = $1 ORDER BY id COLLATE "C"`, [kind])
        : c.query<RecordRow>(
            `SELECT * FROM records WHERE kind = $1 AND clinic_id = $2 ORDER BY id COLLATE "C"`,
            [kind, clinicId],
          ),
    );
    return rows.map(fromRecordRow);
  }

  async deleteRecords(kind: RecordKind, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.write((c) =>
      c.query("DELETE FROM records WHERE kind = $1 AND id = ANY($2::text[])", [kind, ids]),
    );
  }

  async recordsOfPatient(kind: RecordKind, patientId: string): Promise<StoredRecord[]> {
    const { rows } = await this.read((c) =>
      c.query<RecordRow>(
        `SELECT * FROM records WHERE kind = $1 AND ((body::jsonb) ->> 'patientId') = $2 ORDER BY id COLLATE "C"`,
        [kind, patientId],
      ),
    );
    return rows.map(fromRecordRow);
  }

  // -- a visit's record --

  async roomEventsBetween(roomId: string, range: RoomEventRange): Promise<RoomEvent[]> {
    const args: unknown[] = [roomId];
    const where = ["room_id = $1"];
    const bound = (sql: string, value: unknown) => {
      if (value === undefined) return;
      args.push(value);
      where.push(`${sql} $${args.length}`);
    };
    bound("seq >=", range.fromSeq);
    bound("seq <=", range.toSeq);
    bound("at >=", range.fromAt);
    bound("at <=", range.toAt);
    if (range.types !== undefined) {
      args.push(range.types);
      where.push(`type = ANY($${args.length}::text[])`);
    }
    args.push(range.limit === undefined || range.limit < 0 ? null : range.limit);
    const { rows } = await this.read((c) =>
      c.query<{ seq: number; at: number; body: string }>(
        `SELECT seq, at, body FROM room_events WHERE ${where.join(" AND ")} ORDER BY seq, id LIMIT $${args.length}`,
        args,
      ),
    );
    return rows.map((r) => ({ seq: r.seq, at: r.at, body: JSON.parse(r.body) }));
  }

  async readingsBetween(patientId: string, range: ReadingRange): Promise<StoredReading[]> {
    return this.read((c) => this.readings.readingsBetween(c, patientId, range));
  }

  async countReadingsBetween(patientId: string, range: ReadingRange): Promise<number> {
    return this.read((c) => this.readings.countBetween(c, patientId, range));
  }

  async rawReadingMinutes(patientId: string, range: ReadingRange): Promise<ReadingMinute[]> {
    return this.read((c) => this.readings.minutesBetween(c, patientId, range));
  }

  // -- replay --

  async appendPoseKeyframes(frames: readonly PoseKeyframe[]): Promise<void> {
    if (frames.length === 0) return;
    await this.write((c) =>
      c.query(
        `INSERT INTO pose_keyframes (room_id, at, seq, poses)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bytea[])`,
        [
          frames.map((f) => f.roomId),
          frames.map((f) => f.at),
          frames.map((f) => f.seq),
          frames.map((f) => Buffer.from(f.poses.buffer, f.poses.byteOffset, f.poses.byteLength)),
        ],
      ),
    );
  }

  async poseKeyframesBetween(roomId: string, fromAt: number, toAt: number): Promise<PoseKeyframe[]> {
    const { rows } = await this.read((c) =>
      c.query<{ room_id: string; at: number; seq: number; poses: Buffer }>(
        `SELECT room_id, at, seq, poses FROM pose_keyframes WHERE room_id = $1 AND at >= $2 AND at <= $3
         ORDER BY at, id`,
        [roomId, fromAt, toAt],
      ),
    );
    return rows.map((r) => ({ roomId: r.room_id, at: r.at, seq: r.seq, poses: new Uint8Array(r.poses) }));
  }

  async deletePoseKeyframesBefore(ms: number): Promise<number> {
    const result = await this.write((c) => c.query("DELETE FROM pose_keyframes WHERE at < $1", [ms]));
    return result.rowCount ?? 0;
  }

  // -- retention --

  async rollupReadings(beforeMs: number, batchSize: number): Promise<RollupOutcome> {
    return this.transaction((c) => this.readings.rollupBatch(c, beforeMs, batchSize));
  }

  async readingMinutes(patientId: string, fromMs: number, toMs: number): Promise<ReadingMinute[]> {
    return this.read((c) => this.readings.readMinutes(c, patientId, fromMs, toMs));
  }

  // -- audit: one hash chain for every node --

  async audit(entry: AuditEntry): Promise<void> {
    await this.transaction((c) => this.appendAudit(c, entry));
  }

  /**
   * Appends one entry to the chain inside the caller's transaction. Nodes take turns through an
   * advisory lock held to the commit, so each row chains onto the one committed before it.
   */
  private async appendAudit(c: Queryable, entry: AuditEntry): Promise<void> {
    const clinicOf = async (kind: RecordKind, recordId: string | undefined) => {
      if (recordId === undefined) return undefined;
      const { rows } = await c.query<{ clinic_id: string }>(
        "SELECT clinic_id FROM records WHERE kind = $1 AND id = $2",
        [kind, recordId],
      );
      return rows[0]?.clinic_id;
    };
    const clinicId =
      entry.clinicId ?? (await clinicOf("patient", entry.patientId)) ?? (await clinicOf("staff", entry.who));
    const full: AuditEntry = clinicId === undefined ? entry : { ...entry, clinicId };
    await c.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, Lock.audit]);
    const { rows } = await c.query<{ id: number; hash: string | null }>(
      "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
    );
    const last = rows[0];
    const id = (last?.id ?? 0) + 1;
    const prevHash = last ? (last.hash ?? "") : GENESIS_HASH;
    const columns = AUDIT_COLUMNS.map((col) => col.column);
    const placeholders = Array.from({ length: columns.length + 3 }, (_, i) => `$${i + 1}`).join(", ");
    await c.query(
      `INSERT INTO audit_log (id, ${columns.join(", ")}, prev_hash, hash) VALUES (${placeholders})`,
      [id, ...auditColumnValues(full), prevHash, auditHash(prevHash, id, full)],
    );
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    const { rows } = await this.read((c) =>
      c.query<AuditRow>("SELECT * FROM audit_log ORDER BY id DESC LIMIT $1", [limit]),
    );
    return rows.reverse().map((row) => {
      const { id: _id, prevHash: _p, hash: _h, ...entry } = fromAuditRow(row);
      return entry;
    });
  }

  async auditQuery(filter: AuditFilter): Promise<AuditPage> {
    const args: unknown[] = [];
    const where: string[] = [];
    const condition = (sql: (p: string) => string, value: unknown) => {
      if (value === undefined) return;
      args.push(value);
      where.push(sql(`$${args.length}`));
    };
    condition((p) => `(clinic_id = ${p} OR clinic_id IS NULL)`, filter.clinicId);
    condition((p) => `who = ${p}`, filter.who);
    condition((p) => `patient_id = ${p}`, filter.patientId);
    condition((p) => `at >= ${p}`, filter.from);
    condition((p) => `at < ${p}`, filter.to);
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    return this.read(async (c) => {
      const total = await c.query<{ n: number }>(`SELECT COUNT(*) AS n FROM audit_log ${clause}`, args);
      const page = await c.query<AuditRow>(
        `SELECT * FROM audit_log ${clause} ORDER BY id DESC LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
        [...args, filter.limit, filter.offset],
      );
      return { total: total.rows[0]?.n ?? 0, entries: page.rows.map(fromAuditRow) };
    });
  }

  async auditChain(afterId: number, limit: number): Promise<ChainedAuditRow[]> {
    const { rows } = await this.read((c) =>
      c.query<AuditRow>("SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2", [afterId, limit]),
    );
    return rows.map(fromAuditRow);
  }

  /** Waits for the writes called before, then closes every connection; later calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    const pending = this.lane;
    this.closed = true;
    await pending;
    // pool.end() resolves once it has asked each connection to end, not once they have: wait for
    // them, so a database stopped right after a close does not find (and fail) a live connection.
    const ended = [...this.connections].map(
      (client) => new Promise<void>((resolve) => client.once("end", () => resolve())),
    );
    const writer = this.writer;
    this.writer = null;
    writer?.release();
    await this.pool.end();
    await Promise.all(ended);
  }

  // Support groups, statements in groupStore.ts
  /** Runs a group write's statements in one transaction on the write lane. */
  private async groupWrite(statements: readonly Statement[]): Promise<void> {
    await this.transaction(async (c) => {
      for (const [sql, params] of statements) await c.query(numbered(sql), [...params]);
    });
  }

  private async groupRead<T>(statement: Statement, map: (row: unknown) => T): Promise<T[]> {
    const [sql, params] = statement;
    const { rows } = await this.read((c) => c.query(numbered(sql), [...params]));
    return rows.map(map);
  }

  async saveSupportGroup(group: StoredGroup): Promise<void> {
    await this.groupWrite(groupWrites.save(group));
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
    await this.groupWrite(groupWrites.close(groupId, status, at, kept));
  }

  async saveGroupInvite(invite: StoredGroupInvite): Promise<void> {
    await this.groupWrite(groupWrites.saveInvite(invite));
  }

  async withdrawGroupInvite(inviteId: string, at: number): Promise<void> {
    await this.groupWrite(groupWrites.withdrawInvite(inviteId, at));
  }

  async groupInvites(groupId: string): Promise<StoredGroupInvite[]> {
    return this.groupRead(groupReads.invites(groupId), fromInviteRow);
  }

  async keptGroupNotes(groupId: string): Promise<KeptGroupNote[]> {
    return this.groupRead(groupReads.keptNotes(groupId), fromNoteRow);
  }
}
