/**
 * The SOE readings and device batch keys in PostgreSQL (issue 11): the same packs as SQLite
 * (readingStore.ts, readingPack.ts), so both backends keep one meaning and one byte format.
 * Several nodes write one database, so exactly-once rests on the database, not on a thread:
 * `soe_batch_keys`' primary key (boot, seq) decides which node's copy of a batch is stored. A
 * batch's key and its packs commit in one transaction, so a reading is stored once or not at all.
 * Round trips, not rows, are what a networked database costs: a call's batches go as one INSERT
 * of keys and one of packs, arrays through `unnest`; boot and stream ids are cached per node.
 */
import type pg from "pg";
import { type CheckedReading, ReadingStatus } from "../../shared/soe/signals.ts";
import { effectiveStatus, encodePack } from "./readingPack.ts";
import {
  decodeRow,
  digestKey,
  minutesOfPacks,
  NO_TOOTH,
  PACK_COLUMNS,
  type PackRow,
  rollupPackOf,
  toStored,
} from "./readingStore.ts";
import { fromMinuteRow, type MinuteRow, minuteBuckets, pickRollupBatch } from "./retention.ts";
import type {
  FirmwareUsage,
  ReadingMinute,
  ReadingRange,
  RollupOutcome,
  StoredBatch,
  StoredReading,
  StoreOutcome,
} from "./storage.ts";

/** A connection or the pool: what a read or a statement inside a transaction runs on. */
export type Queryable = Pick<pg.ClientBase, "query">;

/** Advisory lock keys (namespace, key) of this storage; the namespace keeps others' locks apart. */
export const LOCK_NAMESPACE = 0x43_68_61_69; // "Chai"
export const Lock = { migrations: 1, audit: 2, rollup: 3 } as const;

const STREAMS = "reading_streams s JOIN reading_packs p ON p.stream_id = s.id";

interface StreamRef {
  id: number;
  maxSpan: number;
}

/** Builds `$n` placeholders as values are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function streamKey(
  patientId: string,
  deviceId: string,
  firmware: string,
  signal: string,
  tooth: number,
  unit: string,
): string {
  return `${patientId}\u0000${deviceId}\u0000${firmware}\u0000${signal}\u0000${tooth}\u0000${unit}`;
}

/** A pack about to be inserted: its stream's fields and its encoding. */
interface PendingPack {
  key: string;
  fields: [string, string, string, string, number, string];
  t0: number;
  span: number;
  receivedAt: number;
  n: number;
  body: Buffer;
}

export class PgReadings {
  /** Ids seen by this node; cleared when a transaction fails (it may have made rows that are gone). */
  private readonly boots = new Map<string, number>();
  private readonly streams = new Map<string, StreamRef>();

  forget(): void {
    this.boots.clear();
    this.streams.clear();
  }

  /** Stores batches inside the caller's transaction, exactly once per (device, boot, seq). */
  async storeBatches(c: Queryable, batches: readonly StoredBatch[]): Promise<StoreOutcome[]> {
    const bootIds = await this.bootRefs(c, batches);
    const digests = batches.map((b) => digestKey(b.digest));
    // Keys in (boot, seq) order, so two nodes inserting overlapping keys lock them in one order.
    const order = batches
      .map((b, i) => ({ i, boot: bootIds[i]!, seq: b.seq }))
      .sort((a, b) => a.boot - b.boot || a.seq - b.seq || a.i - b.i);
    const inserted = await c.query<{ boot: number; seq: number }>(
      `INSERT INTO soe_batch_keys (boot, seq, digest)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[]) ON CONFLICT DO NOTHING RETURNING boot, seq`,
      [order.map((o) => o.boot), order.map((o) => o.seq), order.map((o) => digests[o.i])],
    );
    const fresh = new Set(inserted.rows.map((r) => `${r.boot}:${r.seq}`));
    const outcomes: (StoreOutcome | undefined)[] = new Array(batches.length);
    const toCompare: number[] = [];
    const claimed = new Set<string>();
    for (const o of order) {
      const k = `${o.boot}:${o.seq}`;
      // The first of equal keys in this order is the one the INSERT stored; the others compare.
      if (fresh.has(k) && !claimed.has(k)) {
        claimed.add(k);
        outcomes[o.i] = { duplicate: false, conflict: false, stored: batches[o.i]!.readings.length };
      } else toCompare.push(o.i);
    }
    if (toCompare.length > 0) {
      // A new statement sees the rows of this transaction and what other nodes committed meanwhile.
      const stored = await c.query<{ boot: number; seq: number; digest: Buffer }>(
        `SELECT k.boot, k.seq, k.digest FROM soe_batch_keys k
         JOIN unnest($1::bigint[], $2::bigint[]) AS q(boot, seq) ON k.boot = q.boot AND k.seq = q.seq`,
        [toCompare.map((i) => bootIds[i]), toCompare.map((i) => batches[i]!.seq)],
      );
      const byKey = new Map(stored.rows.map((r) => [`${r.boot}:${r.seq}`, r.digest]));
      for (const i of toCompare) {
        const before = byKey.get(`${bootIds[i]}:${batches[i]!.seq}`);
        const duplicate = before?.equals(digests[i]!) ?? false;
        outcomes[i] = { duplicate, conflict: !duplicate, stored: 0 };
      }
    }
    const packs: PendingPack[] = [];
    batches.forEach((b, i) => {
      if (outcomes[i]!.stored > 0) packs.push(...packsOf(b));
    });
    if (packs.length > 0) await this.insertPacks(c, packs);
    return outcomes as StoreOutcome[];
  }

  private async bootRefs(c: Queryable, batches: readonly StoredBatch[]): Promise<number[]> {
    const keyOf = (b: StoredBatch) => `${b.deviceId}\u0000${b.bootId}`;
    const missing = [...new Set(batches.map(keyOf).filter((k) => !this.boots.has(k)))].sort();
    if (missing.length > 0) {
      const devices = missing.map((k) => k.split("\u0000")[0]!);
      const boots = missing.map((k) => k.split("\u0000")[1]!);
      await c.query(
        `INSERT INTO soe_boots (device_id, boot_id) SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT DO NOTHING`,
        [devices, boots],
      );
      const rows = await c.query<{ id: number; device_id: string; boot_id: string }>(
        `SELECT b.id, b.device_id, b.boot_id FROM soe_boots b
         JOIN unnest($1::text[], $2::text[]) AS q(device_id, boot_id) ON b.device_id = q.device_id AND b.boot_id = q.boot_id`,
        [devices, boots],
      );
      for (const r of rows.rows) this.boots.set(`${r.device_id}\u0000${r.boot_id}`, r.id);
    }
    return batches.map((b) => this.boots.get(keyOf(b))!);
  }

  private async insertPacks(c: Queryable, packs: readonly PendingPack[]): Promise<void> {
    const missing = new Map<string, PendingPack["fields"]>();
    for (const p of packs) if (!this.streams.has(p.key)) missing.set(p.key, p.fields);
    if (missing.size > 0) {
      const list = [...missing.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const column = (j: number) => list.map(([, f]) => f[j]);
      const arrays = [column(0), column(1), column(2), column(3), column(4), column(5)];
      await c.query(
        `INSERT INTO reading_streams (patient_id, device_id, firmware, signal, tooth, unit)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[])
         ON CONFLICT DO NOTHING`,
        arrays,
      );
      const rows = await c.query<PendingStreamRow>(
        `SELECT s.id, s.max_span, s.patient_id, s.device_id, s.firmware, s.signal, s.tooth, s.unit
         FROM reading_streams s JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[])
           AS q(patient_id, device_id, firmware, signal, tooth, unit)
         ON s.patient_id = q.patient_id AND s.device_id = q.device_id AND s.firmware = q.firmware
           AND s.signal = q.signal AND s.tooth = q.tooth AND s.unit = q.unit`,
        arrays,
      );
      for (const r of rows.rows)
        this.streams.set(streamKey(r.patient_id, r.device_id, r.firmware, r.signal, r.tooth, r.unit), {
          id: r.id,
          maxSpan: r.max_span,
        });
    }
    // A stream's `max_span` grows before readers can see a longer pack (same transaction).
    const grown = new Map<number, number>();
    for (const p of packs) {
      const s = this.streams.get(p.key)!;
      if (p.span > s.maxSpan) {
        s.maxSpan = p.span;
        grown.set(s.id, p.span);
      }
    }
    if (grown.size > 0) {
      const ids = [...grown.keys()].sort((a, b) => a - b);
      await c.query(
        `UPDATE reading_streams s SET max_span = GREATEST(s.max_span, q.span)
         FROM unnest($1::bigint[], $2::bigint[]) AS q(id, span) WHERE s.id = q.id`,
        [ids, ids.map((id) => grown.get(id))],
      );
    }
    await c.query(
      `INSERT INTO reading_packs (stream_id, t0, received_at, n, body)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::bytea[])`,
      [
        packs.map((p) => this.streams.get(p.key)!.id),
        packs.map((p) => p.t0),
        packs.map((p) => p.receivedAt),
        packs.map((p) => p.n),
        packs.map((p) => p.body),
      ],
    );
  }

  async lastSeq(c: Queryable, deviceId: string, bootId: string): Promise<number> {
    const { rows } = await c.query<{ seq: number | null }>(
      `SELECT MAX(k.seq) AS seq FROM soe_boots b JOIN soe_batch_keys k ON k.boot = b.id
       WHERE b.device_id = $1 AND b.boot_id = $2`,
      [deviceId, bootId],
    );
    return rows[0]?.seq ?? 0;
  }

  private rangeWhere(patientId: string, range: ReadingRange): { where: string; params: Params } {
    const params = new Params();
    const where = [`s.patient_id = ${params.add(patientId)}`];
    if (range.signal !== undefined) where.push(`s.signal = ${params.add(range.signal)}`);
    if (range.tooth !== undefined) where.push(`s.tooth = ${params.add(range.tooth)}`);
    where.push(`p.t0 >= ${params.add(range.from)}::bigint - s.max_span`, `p.t0 <= ${params.add(range.to)}`);
    return { where: where.join(" AND "), params };
  }

  async readingsBetween(c: Queryable, patientId: string, range: ReadingRange): Promise<StoredReading[]> {
    const { where, params } = this.rangeWhere(patientId, range);
    const { rows } = await c.query<PackRow>(
      `SELECT ${PACK_COLUMNS} FROM ${STREAMS} WHERE ${where} ORDER BY p.id`,
      params.values,
    );
    const out: StoredReading[] = [];
    for (const row of rows)
      for (const p of decodeRow(row)) if (p.t >= range.from && p.t <= range.to) out.push(toStored(row, p));
    out.sort((a, b) => a.t - b.t);
    return range.limit === undefined || range.limit < 0 ? out : out.slice(0, range.limit);
  }

  async countBetween(c: Queryable, patientId: string, range: ReadingRange): Promise<number> {
    const { where, params } = this.rangeWhere(patientId, range);
    const { rows } = await c.query<{ n: number }>(
      `SELECT COALESCE(SUM(p.n), 0)::bigint AS n FROM ${STREAMS} WHERE ${where}`,
      params.values,
    );
    return rows[0]?.n ?? 0;
  }

  async minutesBetween(c: Queryable, patientId: string, range: ReadingRange): Promise<ReadingMinute[]> {
    const { where, params } = this.rangeWhere(patientId, range);
    const { rows } = await c.query<PackRow>(
      `SELECT ${PACK_COLUMNS} FROM ${STREAMS} WHERE ${where}`,
      params.values,
    );
    return minutesOfPacks(patientId, range, rows);
  }

  /** The newest `limit` readings of a patient received at or after `sinceMs`, oldest first. */
  async recentReadings(
    c: Queryable,
    patientId: string,
    sinceMs: number,
    limit: number,
  ): Promise<CheckedReading[]> {
    const newestFirst: CheckedReading[] = [];
    let beforeId = Number.MAX_SAFE_INTEGER;
    // Pages of packs, newest first, until enough readings: a pack holds a batch's readings of a stream.
    while (newestFirst.length < limit) {
      const { rows } = await c.query<PackRow>(
        `SELECT ${PACK_COLUMNS} FROM ${STREAMS}
         WHERE s.patient_id = $1 AND p.received_at >= $2 AND p.id < $3 ORDER BY p.id DESC LIMIT 200`,
        [patientId, sinceMs, beforeId],
      );
      if (rows.length === 0) break;
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
      beforeId = rows.at(-1)!.id;
    }
    return newestFirst.reverse();
  }

  async countReadings(c: Queryable, filter: { deviceId?: string; status?: string }): Promise<number> {
    const where = filter.deviceId === undefined ? "" : "WHERE s.device_id = $1";
    const args = filter.deviceId === undefined ? [] : [filter.deviceId];
    if (filter.status === undefined) {
      const { rows } = await c.query<{ n: number }>(
        `SELECT COALESCE(SUM(p.n), 0)::bigint AS n FROM ${STREAMS} ${where}`,
        args,
      );
      return rows[0]?.n ?? 0;
    }
    const { rows } = await c.query<PackRow>(`SELECT ${PACK_COLUMNS} FROM ${STREAMS} ${where}`, args);
    let n = 0;
    for (const row of rows)
      for (const p of decodeRow(row)) if (effectiveStatus(p, row.retracted_since) === filter.status) n++;
    return n;
  }

  /** Packs of a version from these devices that may hold readings at or after `sinceMs`. */
  private async firmwarePacks(
    c: Queryable,
    firmware: string,
    deviceIds: readonly string[],
    sinceMs: number,
    lock: boolean,
  ): Promise<PackRow[]> {
    const { rows } = await c.query<PackRow>(
      `SELECT ${PACK_COLUMNS} FROM ${STREAMS}
       WHERE s.firmware = $1 AND s.device_id = ANY($2::text[]) AND p.t0 >= $3::bigint - s.max_span
       ORDER BY p.id ${lock ? "FOR UPDATE OF p" : ""}`,
      [firmware, deviceIds, sinceMs],
    );
    return rows;
  }

  async firmwareUsage(
    c: Queryable,
    firmware: string,
    deviceIds: readonly string[],
    sinceMs: number,
  ): Promise<FirmwareUsage> {
    const perPatient = new Map<string, number>();
    for (const row of await this.firmwarePacks(c, firmware, deviceIds, sinceMs, false)) {
      const n = unretractedSince(row, sinceMs);
      if (n > 0) perPatient.set(row.patient_id, (perPatient.get(row.patient_id) ?? 0) + n);
    }
    const seen = await c.query(
      "SELECT 1 FROM reading_streams WHERE firmware = $1 AND device_id = ANY($2::text[]) LIMIT 1",
      [firmware, deviceIds],
    );
    return {
      readings: [...perPatient.values()].reduce((a, b) => a + b, 0),
      patientIds: [...perPatient.keys()].sort(),
      seen: (seen.rowCount ?? 0) > 0,
    };
  }

  /** Inside the caller's transaction: marks the packs' readings since a time entered-in-error. */
  async retract(
    c: Queryable,
    firmware: string,
    deviceIds: readonly string[],
    sinceMs: number,
  ): Promise<number> {
    let changed = 0;
    const ids: number[] = [];
    // Locked: a rollup or another node's quarantine waits instead of reading a half-retracted pack.
    for (const row of await this.firmwarePacks(c, firmware, deviceIds, sinceMs, true)) {
      const n = unretractedSince(row, sinceMs);
      if (n === 0) continue;
      ids.push(row.id);
      changed += n;
    }
    if (ids.length > 0)
      await c.query(
        `UPDATE reading_packs SET retracted_since = LEAST(COALESCE(retracted_since, $1), $1::bigint)
         WHERE id = ANY($2::bigint[])`,
        [sinceMs, ids],
      );
    return changed;
  }

  /**
   * One rollup batch inside the caller's transaction. Only one node rolls up at a time (an advisory
   * lock) and the packs are locked, so no pack is counted twice and none is lost to a retraction.
   */
  async rollupBatch(c: Queryable, beforeMs: number, batchSize: number): Promise<RollupOutcome> {
    await c.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, Lock.rollup]);
    const { rows } = await c.query<PackRow & { n: number }>(
      `SELECT ${PACK_COLUMNS}, p.n FROM ${STREAMS} ORDER BY p.id LIMIT $1 FOR UPDATE OF p`,
      [batchSize],
    );
    const batch = pickRollupBatch(rows.map(rollupPackOf), beforeMs, batchSize);
    const buckets = minuteBuckets(batch.packs);
    if (buckets.length > 0) {
      const col = <T>(f: (b: (typeof buckets)[number]) => T) => buckets.map(f);
      await c.query(
        `INSERT INTO reading_minutes (patient_id, minute, device_id, signal, tooth, unit, value_min, value_max,
           value_sum, valid_count, invalid_count, retracted_count, below_count)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::int[], $6::text[],
           $7::float8[], $8::float8[], $9::float8[], $10::bigint[], $11::bigint[], $12::bigint[], $13::int[])
         ON CONFLICT (patient_id, minute, device_id, signal, tooth) DO UPDATE SET
           value_min = LEAST(reading_minutes.value_min, excluded.value_min),
           value_max = GREATEST(reading_minutes.value_max, excluded.value_max),
           value_sum = reading_minutes.value_sum + excluded.value_sum,
           valid_count = reading_minutes.valid_count + excluded.valid_count,
           invalid_count = reading_minutes.invalid_count + excluded.invalid_count,
           retracted_count = reading_minutes.retracted_count + excluded.retracted_count,
           below_count = CASE WHEN excluded.below_count IS NULL THEN reading_minutes.below_count
                              ELSE COALESCE(reading_minutes.below_count, 0) + excluded.below_count END`,
        [
          col((b) => b.patientId),
          col((b) => b.minute),
          col((b) => b.deviceId),
          col((b) => b.signal),
          col((b) => b.tooth),
          col((b) => b.unit),
          col((b) => b.min),
          col((b) => b.max),
          col((b) => b.sum),
          col((b) => b.valid),
          col((b) => b.invalid),
          col((b) => b.retracted),
          col((b) => (b.signal === "ph" ? b.below : null)),
        ],
      );
    }
    if (batch.packs.length > 0)
      await c.query("DELETE FROM reading_packs WHERE id = ANY($1::bigint[])", [batch.packs.map((p) => p.id)]);
    return { rolledUp: batch.readings, minutes: buckets.length, done: batch.done };
  }

  async readMinutes(c: Queryable, patientId: string, from: number, to: number): Promise<ReadingMinute[]> {
    const { rows } = await c.query<MinuteRow>(
      `SELECT * FROM reading_minutes WHERE patient_id = $1 AND minute >= $2 AND minute < $3
       ORDER BY minute, device_id COLLATE "C", signal COLLATE "C", tooth`,
      [patientId, from, to],
    );
    return rows.map(fromMinuteRow);
  }
}

interface PendingStreamRow {
  id: number;
  max_span: number;
  patient_id: string;
  device_id: string;
  firmware: string;
  signal: string;
  tooth: number;
  unit: string;
}

/** Readings of a pack at or after `sinceMs` that are not retracted yet. */
function unretractedSince(row: PackRow, sinceMs: number): number {
  let n = 0;
  for (const p of decodeRow(row))
    if (p.t >= sinceMs && effectiveStatus(p, row.retracted_since) !== ReadingStatus.enteredInError) n++;
  return n;
}

/** A batch's packs, one per stream it carries, in the order the streams first appear. */
function packsOf(b: StoredBatch): PendingPack[] {
  const groups = new Map<string, CheckedReading[]>();
  for (const r of b.readings) {
    const key = `${r.signal}\u0000${r.tooth ?? NO_TOOTH}\u0000${r.unit}`;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const out: PendingPack[] = [];
  for (const list of groups.values()) {
    const head = list[0]!;
    const tooth = head.tooth ?? NO_TOOTH;
    const pack = encodePack(list);
    out.push({
      key: streamKey(b.patientId, b.deviceId, b.firmware, head.signal, tooth, head.unit),
      fields: [b.patientId, b.deviceId, b.firmware, head.signal, tooth, head.unit],
      t0: pack.t0,
      span: pack.span,
      receivedAt: pack.receivedAt,
      n: pack.n,
      body: Buffer.from(pack.body.buffer, pack.body.byteOffset, pack.body.byteLength),
    });
  }
  return out;
}
