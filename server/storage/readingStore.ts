/**
 * The SOE readings and device batch keys in SQLite, packed (issue 9). A row per reading cost ~165
 * bytes and three index entries; now a device batch is one key row (boot, seq, an 8-byte digest) and
 * one `reading_packs` row per stream it carries (server/storage/readingPack.ts), the stream's text
 * (patient, device, firmware, signal, tooth, unit) stored once in `reading_streams`. Reads decode
 * only the packs of the streams and times asked for. SqliteStorage calls these on the storage thread
 * with its handle; every read keeps the meaning it had with a row per reading.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3-multiple-ciphers";
import { type CheckedReading, type Quality, ReadingStatus, type Signal } from "../../shared/soe/signals.ts";
import { decodePack, effectiveStatus, encodePack, type PackedReading } from "./readingPack.ts";
import type {
  FirmwareUsage,
  ReadingMinute,
  ReadingRange,
  StoredBatch,
  StoredReading,
  StoreOutcome,
} from "./storage.ts";

/** Stored for readings without a tooth (heart rate): FDI tooth numbers are 11–48, never 0. */
export const NO_TOOTH = 0;
/** pH below which enamel demineralises (DOMAIN.md): minutes count the readings under it. */
export const CRITICAL_PH = 5.5;

/** Whether a usable reading counts towards a minute's `belowCriticalCount`. */
export function isBelowCritical(signal: string, value: number): boolean {
  return signal === "ph" && value < CRITICAL_PH;
}
const MINUTE_MS = 60_000;

/**
 * Schema step (appended to MIGRATIONS). `max_span` is the longest pack of a stream (device time),
 * so a time range finds its packs by their first time alone. `reading_packs` keeps rowid order =
 * receive order, which the rollup walks (no index on age). `device_boot_batches` stays as a view
 * for tools and tests that counted batches with SQL.
 */
export const READING_PACKS_MIGRATION = `
  CREATE TABLE reading_streams (
    id INTEGER PRIMARY KEY, patient_id TEXT NOT NULL, device_id TEXT NOT NULL, firmware TEXT NOT NULL,
    signal TEXT NOT NULL, tooth INTEGER NOT NULL, unit TEXT NOT NULL, max_span INTEGER NOT NULL DEFAULT 0,
    UNIQUE (patient_id, device_id, firmware, signal, tooth, unit));
  CREATE INDEX reading_streams_firmware ON reading_streams (firmware, device_id);
  CREATE TABLE reading_packs (
    id INTEGER PRIMARY KEY, stream_id INTEGER NOT NULL, t0 INTEGER NOT NULL, received_at INTEGER NOT NULL,
    n INTEGER NOT NULL, retracted_since INTEGER, body BLOB NOT NULL);
  CREATE INDEX reading_packs_stream_t ON reading_packs (stream_id, t0);
  CREATE INDEX reading_packs_stream_received ON reading_packs (stream_id, received_at);
  CREATE TABLE soe_boots (
    id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, boot_id TEXT NOT NULL, UNIQUE (device_id, boot_id));
  CREATE TABLE soe_batch_keys (
    boot INTEGER NOT NULL, seq INTEGER NOT NULL, digest BLOB NOT NULL, PRIMARY KEY (boot, seq)) WITHOUT ROWID;
  ALTER TABLE reading_minutes ADD COLUMN below_count INTEGER;`;

/** Run after the schema step, in its transaction: moves the per-reading rows and batch keys over. */
export function migrateToPacks(db: Database.Database): void {
  const keys = new ReadingStore(db);
  // Paged, not iterated: better-sqlite3 refuses writes while a statement iterates.
  const oldKeys = db
    .prepare(
      "SELECT device_id, boot_id, seq, digest FROM device_boot_batches ORDER BY received_at, device_id, boot_id, seq",
    )
    .all() as { device_id: string; boot_id: string; seq: number; digest: string }[];
  const putKey = db.prepare("INSERT OR IGNORE INTO soe_batch_keys (boot, seq, digest) VALUES (?, ?, ?)");
  for (const k of oldKeys) putKey.run(keys.bootRef(k.device_id, k.boot_id), k.seq, digestKey(k.digest));
  const page = db.prepare(
    `SELECT id, patient_id, device_id, batch_seq, firmware, signal, t, value, unit, tooth, quality, reason, status,
       received_at FROM readings WHERE id > ? ORDER BY id LIMIT 20000`,
  );
  function* rowsOf(): Generator<LegacyRow> {
    let after = 0;
    for (;;) {
      const rows = page.all(after) as LegacyRow[];
      if (rows.length === 0) return;
      yield* rows;
      after = rows.at(-1)!.id;
    }
  }
  const rows = rowsOf();
  let batchKey = "";
  let groups = new Map<string, { head: LegacyRow; readings: PackedReading[] }>();
  const flush = () => {
    for (const { head, readings } of groups.values())
      keys.insertPack(
        head.patient_id,
        head.device_id,
        head.firmware,
        head.signal,
        head.tooth,
        head.unit,
        readings,
      );
    groups = new Map();
  };
  for (const r of rows) {
    const key = `${r.patient_id}\u0000${r.device_id}\u0000${r.batch_seq}\u0000${r.firmware}`;
    if (key !== batchKey) flush();
    batchKey = key;
    const stream = `${r.signal}\u0000${r.tooth ?? NO_TOOTH}\u0000${r.unit}`;
    let g = groups.get(stream);
    if (!g) {
      g = { head: r, readings: [] };
      groups.set(stream, g);
    }
    g.readings.push({
      t: r.t,
      value: r.value,
      quality: r.quality as Quality,
      ...(r.reason === null ? {} : { reason: r.reason }),
      status: r.status as ReadingStatus,
      receivedAt: r.received_at,
    });
  }
  flush();
  db.exec(`
    DROP TABLE readings;
    DROP TABLE device_boot_batches;
    CREATE VIEW device_boot_batches AS
      SELECT b.device_id, b.boot_id, k.seq, hex(k.digest) AS digest FROM soe_batch_keys k JOIN soe_boots b ON b.id = k.boot;`);
}

interface LegacyRow {
  id: number;
  patient_id: string;
  device_id: string;
  batch_seq: number;
  firmware: string;
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

/** 8 bytes of SHA-256 of the device's digest: tells a resend from a conflict, at a quarter of the bytes. */
export function digestKey(digest: string): Buffer {
  return createHash("sha256").update(digest).digest().subarray(0, 8);
}

/** A pack row with its stream, as the reads select it (both backends: PgReadings selects the same). */
export interface PackRow {
  id: number;
  patient_id: string;
  device_id: string;
  firmware: string;
  signal: string;
  tooth: number;
  unit: string;
  t0: number;
  received_at: number;
  retracted_since: number | null;
  body: Buffer;
}

export const PACK_COLUMNS = `p.id, s.patient_id, s.device_id, s.firmware, s.signal, s.tooth, s.unit, p.t0, p.received_at,
  p.retracted_since, p.body`;

/** A decoded reading of a pack row, with the firmware that measured it. */
export function toStored(row: PackRow, p: PackedReading): StoredReading {
  return {
    deviceId: row.device_id,
    signal: row.signal as Signal,
    t: p.t,
    value: p.value,
    unit: row.unit,
    ...(row.tooth === NO_TOOTH ? {} : { tooth: row.tooth }),
    quality: p.quality,
    ...(p.reason === undefined ? {} : { reason: p.reason }),
    status: effectiveStatus(p, row.retracted_since),
    receivedAt: p.receivedAt,
    firmware: row.firmware,
  };
}

export function decodeRow(row: PackRow): PackedReading[] {
  return decodePack(row.t0, row.received_at, row.body);
}

export class ReadingStore {
  /** Ids of boots and streams seen, so a batch costs no lookups; cleared when a transaction fails. */
  private readonly boots = new Map<string, number>();
  private readonly streams = new Map<string, { id: number; maxSpan: number }>();
  private readonly findBoot: Database.Statement;
  private readonly putBoot: Database.Statement;
  private readonly findStream: Database.Statement;
  private readonly putStream: Database.Statement;
  private readonly growSpan: Database.Statement;
  private readonly putPack: Database.Statement;
  private readonly findKey: Database.Statement;
  private readonly putKey: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.findBoot = db.prepare("SELECT id FROM soe_boots WHERE device_id = ? AND boot_id = ?").pluck();
    this.putBoot = db.prepare("INSERT INTO soe_boots (device_id, boot_id) VALUES (?, ?)");
    this.findStream = db.prepare(
      `SELECT id, max_span AS maxSpan FROM reading_streams
       WHERE patient_id = ? AND device_id = ? AND firmware = ? AND signal = ? AND tooth = ? AND unit = ?`,
    );
    this.putStream = db.prepare(
      "INSERT INTO reading_streams (patient_id, device_id, firmware, signal, tooth, unit) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.growSpan = db.prepare("UPDATE reading_streams SET max_span = max(max_span, ?) WHERE id = ?");
    this.putPack = db.prepare(
      "INSERT INTO reading_packs (stream_id, t0, received_at, n, body) VALUES (?, ?, ?, ?, ?)",
    );
    this.findKey = db.prepare("SELECT digest FROM soe_batch_keys WHERE boot = ? AND seq = ?").pluck();
    this.putKey = db.prepare("INSERT INTO soe_batch_keys (boot, seq, digest) VALUES (?, ?, ?)");
  }

  /** Forgets the cached ids: a rolled-back transaction may have taken rows they point at. */
  forget(): void {
    this.boots.clear();
    this.streams.clear();
  }

  bootRef(deviceId: string, bootId: string): number {
    const key = `${deviceId}\u0000${bootId}`;
    let id = this.boots.get(key);
    if (id === undefined) {
      id =
        (this.findBoot.get(deviceId, bootId) as number | undefined) ??
        Number(this.putBoot.run(deviceId, bootId).lastInsertRowid);
      this.boots.set(key, id);
    }
    return id;
  }

  insertPack(
    patientId: string,
    deviceId: string,
    firmware: string,
    signal: string,
    tooth: number | null,
    unit: string,
    readings: readonly PackedReading[],
  ): void {
    const toothKey = tooth ?? NO_TOOTH;
    const key = `${patientId}\u0000${deviceId}\u0000${firmware}\u0000${signal}\u0000${toothKey}\u0000${unit}`;
    let stream = this.streams.get(key);
    if (!stream) {
      stream = (this.findStream.get(patientId, deviceId, firmware, signal, toothKey, unit) as
        | { id: number; maxSpan: number }
        | undefined) ?? {
        id: Number(this.putStream.run(patientId, deviceId, firmware, signal, toothKey, unit).lastInsertRowid),
        maxSpan: 0,
      };
      this.streams.set(key, stream);
    }
    const pack = encodePack(readings);
    if (pack.span > stream.maxSpan) {
      this.growSpan.run(pack.span, stream.id);
      stream.maxSpan = pack.span;
    }
    this.putPack.run(stream.id, pack.t0, pack.receivedAt, pack.n, pack.body);
  }

  /** One batch, inside the caller's transaction: its key, then a pack per stream it carries. */
  storeBatch(b: StoredBatch): StoreOutcome {
    const boot = this.bootRef(b.deviceId, b.bootId);
    const digest = digestKey(b.digest);
    const before = this.findKey.get(boot, b.seq) as Buffer | undefined;
    if (before !== undefined) {
      const duplicate = before.equals(digest);
      return { duplicate, conflict: !duplicate, stored: 0 };
    }
    this.putKey.run(boot, b.seq, digest);
    const groups = new Map<string, CheckedReading[]>();
    for (const r of b.readings) {
      const key = `${r.signal}\u0000${r.tooth ?? NO_TOOTH}\u0000${r.unit}`;
      const list = groups.get(key);
      if (list) list.push(r);
      else groups.set(key, [r]);
    }
    for (const list of groups.values()) {
      const head = list[0]!;
      this.insertPack(b.patientId, b.deviceId, b.firmware, head.signal, head.tooth ?? null, head.unit, list);
    }
    return { duplicate: false, conflict: false, stored: b.readings.length };
  }

  lastSeq(deviceId: string, bootId: string): number {
    const row = this.db
      .prepare(
        `SELECT MAX(k.seq) AS seq FROM soe_boots b JOIN soe_batch_keys k ON k.boot = b.id
         WHERE b.device_id = ? AND b.boot_id = ?`,
      )
      .get(deviceId, bootId) as { seq: number | null } | undefined;
    return row?.seq ?? 0;
  }

  /** A patient's readings by device time, oldest first (ties in the order they were stored). */
  readingsBetween(patientId: string, range: ReadingRange): StoredReading[] {
    const { where, args } = this.rangeWhere(patientId, range);
    // CROSS JOIN: the streams first, then each stream's packs by time through (stream_id, t0).
    const rows = this.db
      .prepare(
        `SELECT ${PACK_COLUMNS} FROM reading_streams s CROSS JOIN reading_packs p ON p.stream_id = s.id
         WHERE ${where} ORDER BY p.id`,
      )
      .all(...args) as PackRow[];
    const out: StoredReading[] = [];
    for (const row of rows)
      for (const p of decodeRow(row)) if (p.t >= range.from && p.t <= range.to) out.push(toStored(row, p));
    // Stable: equal times keep the order they were stored in, as `ORDER BY t, id` did.
    out.sort((a, b) => a.t - b.t);
    return range.limit === undefined || range.limit < 0 ? out : out.slice(0, range.limit);
  }

  /** The streams and time filter of a patient's range, for the reads below. */
  private rangeWhere(patientId: string, range: ReadingRange): { where: string; args: (string | number)[] } {
    const where = ["s.patient_id = ?"];
    const args: (string | number)[] = [patientId];
    if (range.signal !== undefined) {
      where.push("s.signal = ?");
      args.push(range.signal);
    }
    if (range.tooth !== undefined) {
      where.push("s.tooth = ?");
      args.push(range.tooth);
    }
    where.push("p.t0 >= ? - s.max_span", "p.t0 <= ?");
    args.push(range.from, range.to);
    return { where: where.join(" AND "), args };
  }

  /** About how many raw readings a range holds (whole packs that start in it): cheap, no decoding. */
  countBetween(patientId: string, range: ReadingRange): number {
    const { where, args } = this.rangeWhere(patientId, range);
    return (
      this.db
        .prepare(
          `SELECT COALESCE(SUM(p.n), 0) AS n FROM reading_streams s CROSS JOIN reading_packs p ON p.stream_id = s.id WHERE ${where}`,
        )
        .get(...args) as { n: number }
    ).n;
  }

  /**
   * A range's raw readings as per-minute aggregates, computed here from the packs (the same buckets
   * and counting as the rollup): a long range costs its minutes, not a reading object each.
   */
  minutesBetween(patientId: string, range: ReadingRange): ReadingMinute[] {
    const { where, args } = this.rangeWhere(patientId, range);
    const rows = this.db
      .prepare(
        `SELECT ${PACK_COLUMNS} FROM reading_streams s CROSS JOIN reading_packs p ON p.stream_id = s.id WHERE ${where}`,
      )
      .iterate(...args) as IterableIterator<PackRow>;
    return minutesOfPacks(patientId, range, rows);
  }

  /** The newest `limit` readings of a patient received at or after `sinceMs`, oldest first. */
  recentReadings(patientId: string, sinceMs: number, limit: number): CheckedReading[] {
    const rows = this.db
      .prepare(
        `SELECT ${PACK_COLUMNS} FROM reading_streams s CROSS JOIN reading_packs p ON p.stream_id = s.id
         WHERE s.patient_id = ? AND p.received_at >= ? ORDER BY p.id DESC`,
      )
      .iterate(patientId, sinceMs) as IterableIterator<PackRow>;
    const newestFirst: CheckedReading[] = [];
    for (const row of rows) {
      const packed = decodeRow(row);
      for (let i = packed.length - 1; i >= 0 && newestFirst.length < limit; i--) {
        const p = packed[i]!;
        if (p.receivedAt < sinceMs) continue;
        const { firmware: _f, ...reading } = toStored(row, p);
        newestFirst.push(reading);
      }
      if (newestFirst.length >= limit) break;
    }
    return newestFirst.reverse();
  }

  countReadings(filter: { deviceId?: string; status?: string }): number {
    const where = filter.deviceId === undefined ? "" : "WHERE s.device_id = ?";
    const args = filter.deviceId === undefined ? [] : [filter.deviceId];
    if (filter.status === undefined) {
      return (
        this.db
          .prepare(
            `SELECT COALESCE(SUM(p.n), 0) AS n FROM reading_streams s CROSS JOIN reading_packs p ON p.stream_id = s.id ${where}`,
          )
          .get(...args) as { n: number }
      ).n;
    }
    let n = 0;
    const rows = this.db
      .prepare(
        `SELECT ${PACK_COLUMNS} FROM reading_streams s CROSS JOIN reading_packs p ON p.stream_id = s.id ${where}`,
      )
      .iterate(...args) as IterableIterator<PackRow>;
    for (const row of rows)
      for (const p of decodeRow(row)) if (effectiveStatus(p, row.retracted_since) === filter.status) n++;
    return n;
  }

  /** Packs of a version from these devices that may hold readings at or after `sinceMs`. */
  private firmwarePacks(firmware: string, deviceIds: readonly string[], sinceMs: number): PackRow[] {
    return this.db
      .prepare(
        `SELECT ${PACK_COLUMNS} FROM reading_streams s CROSS JOIN reading_packs p ON p.stream_id = s.id
         WHERE s.firmware = ? AND s.device_id IN (SELECT value FROM json_each(?)) AND p.t0 >= ? - s.max_span`,
      )
      .all(firmware, JSON.stringify(deviceIds), sinceMs) as PackRow[];
  }

  firmwareUsage(firmware: string, deviceIds: readonly string[], sinceMs: number): FirmwareUsage {
    const perPatient = new Map<string, number>();
    for (const row of this.firmwarePacks(firmware, deviceIds, sinceMs)) {
      let n = 0;
      for (const p of decodeRow(row))
        if (p.t >= sinceMs && effectiveStatus(p, row.retracted_since) !== ReadingStatus.enteredInError) n++;
      if (n > 0) perPatient.set(row.patient_id, (perPatient.get(row.patient_id) ?? 0) + n);
    }
    // A stream exists once a reading of it was stored (rolled-up ones included).
    const seen = this.db
      .prepare(
        "SELECT 1 FROM reading_streams WHERE firmware = ? AND device_id IN (SELECT value FROM json_each(?)) LIMIT 1",
      )
      .get(firmware, JSON.stringify(deviceIds));
    return {
      readings: [...perPatient.values()].reduce((a, b) => a + b, 0),
      patientIds: [...perPatient.keys()].sort(),
      seen: seen !== undefined,
    };
  }

  /** Marks the version's readings at or after `sinceMs` from these devices entered-in-error; how many changed. */
  retract(firmware: string, deviceIds: readonly string[], sinceMs: number): number {
    const mark = this.db.prepare(
      "UPDATE reading_packs SET retracted_since = min(COALESCE(retracted_since, ?), ?) WHERE id = ?",
    );
    let changed = 0;
    for (const row of this.firmwarePacks(firmware, deviceIds, sinceMs)) {
      let n = 0;
      for (const p of decodeRow(row))
        if (p.t >= sinceMs && effectiveStatus(p, row.retracted_since) !== ReadingStatus.enteredInError) n++;
      if (n === 0) continue;
      mark.run(sinceMs, sinceMs, row.id);
      changed += n;
    }
    return changed;
  }
}

/**
 * Raw readings of pack rows as per-minute aggregates (the same buckets and counting as the rollup),
 * only those with device time in the range: a long range costs its minutes, not a reading object each.
 */
export function minutesOfPacks(
  patientId: string,
  range: ReadingRange,
  rows: Iterable<PackRow>,
): ReadingMinute[] {
  const minutes = new Map<string, ReadingMinute & { sum: number }>();
  for (const row of rows) {
    for (const p of decodeRow(row)) {
      if (p.t < range.from || p.t > range.to) continue;
      const minute = Math.floor(p.t / MINUTE_MS) * MINUTE_MS;
      const key = `${minute}\u0000${row.device_id}\u0000${row.signal}\u0000${row.tooth}`;
      let m = minutes.get(key);
      if (!m) {
        m = {
          patientId,
          minute,
          deviceId: row.device_id,
          signal: row.signal as Signal,
          tooth: row.tooth === NO_TOOTH ? null : row.tooth,
          unit: row.unit,
          min: null,
          max: null,
          mean: null,
          sum: 0,
          count: 0,
          invalidCount: 0,
          retractedCount: 0,
          ...(row.signal === "ph" ? { belowCriticalCount: 0 } : {}),
        };
        minutes.set(key, m);
      }
      if (effectiveStatus(p, row.retracted_since) === ReadingStatus.enteredInError) m.retractedCount++;
      else if (p.quality === "invalid") m.invalidCount++;
      else {
        m.count++;
        m.sum += p.value;
        if (isBelowCritical(row.signal, p.value)) m.belowCriticalCount = (m.belowCriticalCount ?? 0) + 1;
        m.min = m.min === null ? p.value : Math.min(m.min, p.value);
        m.max = m.max === null ? p.value : Math.max(m.max, p.value);
      }
    }
  }
  return [...minutes.values()]
    .map(({ sum, ...m }) => ({ ...m, mean: m.count > 0 ? sum / m.count : null }))
    .sort(
      (a, b) =>
        a.minute - b.minute || a.deviceId.localeCompare(b.deviceId) || a.signal.localeCompare(b.signal),
    );
}

/** A pack row for the rollup: its stream and its readings as they read now (retraction applied). */
export interface RollupPack {
  id: number;
  patientId: string;
  deviceId: string;
  signal: string;
  tooth: number;
  unit: string;
  receivedAt: number;
  n: number;
  readings(): { t: number; value: number; quality: Quality; status: ReadingStatus }[];
}

/** The oldest packs in receive order (rowid), at most `limit`; decoded only when asked. */
export function oldestPacks(db: Database.Database, limit: number): RollupPack[] {
  const rows = db
    .prepare(
      `SELECT ${PACK_COLUMNS}, p.n FROM reading_packs p CROSS JOIN reading_streams s ON s.id = p.stream_id ORDER BY p.id LIMIT ?`,
    )
    .all(limit) as (PackRow & { n: number })[];
  return rows.map(rollupPackOf);
}

/** A pack row (with its count) as the rollup sees it; decoded only when asked. */
export function rollupPackOf(row: PackRow & { n: number }): RollupPack {
  return {
    id: row.id,
    patientId: row.patient_id,
    deviceId: row.device_id,
    signal: row.signal,
    tooth: row.tooth,
    unit: row.unit,
    receivedAt: row.received_at,
    n: row.n,
    readings: () =>
      decodeRow(row).map((p) => ({
        t: p.t,
        value: p.value,
        quality: p.quality,
        status: effectiveStatus(p, row.retracted_since),
      })),
  };
}
