/**
 * Retention (issue 9): raw SOE readings grow without bound (~145 MB in 40 minutes for two
 * patients), yet after a month a record needs them only per minute. Readings received before the
 * cut-off are rolled up into per-minute aggregates per (patient, device, signal, tooth) — min, max,
 * sum (so the mean), how many usable, invalid and retracted — and then the raw rows go, in the same
 * transaction, one small batch at a time: a crash mid-rollup loses nothing and counts nothing twice,
 * and running it again is a no-op. Events, alarms, the audit trail and the records are never
 * touched here. Pose keyframes older than their own retention are deleted as well.
 *
 * The SQL runs on the storage thread (SqliteStorage calls these with its handle); the schedule
 * below runs on the main thread and only awaits one batch per call, so the event loop is never held.
 */
import type Database from "better-sqlite3-multiple-ciphers";
import type { Signal } from "../../shared/soe/signals.ts";
import { isBelowCritical, NO_TOOTH, oldestPacks, type RollupPack } from "./readingStore.ts";
import type { ReadingMinute, RollupOutcome, Storage } from "./storage.ts";

/**
 * Schema step (appended to MIGRATIONS): the aggregates. No index on the raw readings' age: the
 * scan walks the packs' rowid order instead, which is the order they were received in (see
 * `rollupBatch`).
 */
export const RETENTION_MIGRATION = `
  CREATE TABLE reading_minutes (
    patient_id TEXT NOT NULL, minute INTEGER NOT NULL, device_id TEXT NOT NULL, signal TEXT NOT NULL,
    tooth INTEGER NOT NULL, unit TEXT NOT NULL, value_min REAL, value_max REAL, value_sum REAL NOT NULL,
    valid_count INTEGER NOT NULL, invalid_count INTEGER NOT NULL, retracted_count INTEGER NOT NULL,
    PRIMARY KEY (patient_id, minute, device_id, signal, tooth)) WITHOUT ROWID;`;

const MINUTE_MS = 60_000;

/** One minute's aggregate in the making (the rollup's row in `reading_minutes`). */
export interface MinuteBucket {
  patientId: string;
  minute: number;
  deviceId: string;
  signal: string;
  tooth: number;
  unit: string;
  min: number | null;
  max: number | null;
  sum: number;
  valid: number;
  invalid: number;
  retracted: number;
  below: number;
}

/**
 * One batch: the oldest packs received before `beforeMs`, up to about `batchSize` readings, become
 * aggregates and are deleted, in one transaction (a savepoint when the caller already holds one).
 */
export function rollupBatch(db: Database.Database, beforeMs: number, batchSize: number): RollupOutcome {
  // Packs are inserted as they are received, so rowid order is receive order: the oldest are first,
  // and the batch is the run of them received before the cut-off. A pack behind a newer one (the
  // server clock stepped back) waits for that one to age: late, never lost.
  const upsert = db.prepare(
    `INSERT INTO reading_minutes (patient_id, minute, device_id, signal, tooth, unit, value_min, value_max,
       value_sum, valid_count, invalid_count, retracted_count, below_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (patient_id, minute, device_id, signal, tooth) DO UPDATE SET
       value_min = CASE WHEN excluded.value_min IS NULL THEN value_min WHEN value_min IS NULL THEN excluded.value_min
                        ELSE min(value_min, excluded.value_min) END,
       value_max = CASE WHEN excluded.value_max IS NULL THEN value_max WHEN value_max IS NULL THEN excluded.value_max
                        ELSE max(value_max, excluded.value_max) END,
       value_sum = value_sum + excluded.value_sum, valid_count = valid_count + excluded.valid_count,
       invalid_count = invalid_count + excluded.invalid_count, retracted_count = retracted_count + excluded.retracted_count,
       below_count = CASE WHEN excluded.below_count IS NULL THEN below_count ELSE COALESCE(below_count, 0) + excluded.below_count END`,
  );
  const remove = db.prepare("DELETE FROM reading_packs WHERE id = ?");
  return db
    .transaction((): RollupOutcome => {
      // A pack holds up to a batch of readings; this many packs always cover `batchSize` readings.
      const batch = pickRollupBatch(oldestPacks(db, batchSize), beforeMs, batchSize);
      const buckets = minuteBuckets(batch.packs);
      for (const b of buckets) {
        upsert.run(
          b.patientId,
          b.minute,
          b.deviceId,
          b.signal,
          b.tooth,
          b.unit,
          b.min,
          b.max,
          b.sum,
          b.valid,
          b.invalid,
          b.retracted,
          b.signal === "ph" ? b.below : null,
        );
      }
      for (const p of batch.packs) remove.run(p.id);
      return { rolledUp: batch.readings, minutes: buckets.length, done: batch.done };
    })
    .immediate();
}

/** The oldest packs fetched (receive order) cut to one batch: up to `batchSize` readings, none received at or after `beforeMs`. */
export function pickRollupBatch(
  fetched: readonly RollupPack[],
  beforeMs: number,
  batchSize: number,
): { packs: RollupPack[]; readings: number; done: boolean } {
  const packs: RollupPack[] = [];
  let readings = 0;
  let reachedCutoff = false;
  for (const p of fetched) {
    if (readings >= batchSize) break;
    if (p.receivedAt >= beforeMs) {
      reachedCutoff = true;
      break;
    }
    packs.push(p);
    readings += p.n;
  }
  const done = reachedCutoff || (packs.length === fetched.length && fetched.length < batchSize);
  return { packs, readings, done };
}

/** Per-minute aggregates of these packs' readings per (patient, minute, device, signal, tooth). */
export function minuteBuckets(packs: readonly RollupPack[]): MinuteBucket[] {
  const buckets = new Map<string, MinuteBucket>();
  for (const p of packs)
    for (const r of p.readings()) {
      const minute = Math.floor(r.t / MINUTE_MS) * MINUTE_MS;
      const key = `${p.patientId}\u0000${minute}\u0000${p.deviceId}\u0000${p.signal}\u0000${p.tooth}`;
      let b = buckets.get(key);
      if (!b) {
        b = {
          patientId: p.patientId,
          minute,
          deviceId: p.deviceId,
          signal: p.signal,
          tooth: p.tooth,
          unit: p.unit,
          min: null,
          max: null,
          sum: 0,
          valid: 0,
          invalid: 0,
          retracted: 0,
          below: 0,
        };
        buckets.set(key, b);
      }
      // A retracted reading counts as retracted whatever its quality; neither kind enters the values.
      if (r.status === "entered-in-error") b.retracted += 1;
      else if (r.quality === "invalid") b.invalid += 1;
      else {
        b.valid += 1;
        b.sum += r.value;
        b.min = b.min === null ? r.value : Math.min(b.min, r.value);
        b.max = b.max === null ? r.value : Math.max(b.max, r.value);
        if (isBelowCritical(p.signal, r.value)) b.below += 1;
      }
    }
  return [...buckets.values()];
}

/** A row of `reading_minutes` as either backend returns it. */
export interface MinuteRow {
  patient_id: string;
  minute: number;
  device_id: string;
  signal: string;
  tooth: number;
  unit: string;
  value_min: number | null;
  value_max: number | null;
  value_sum: number;
  valid_count: number;
  invalid_count: number;
  retracted_count: number;
  below_count: number | null;
}

/** A patient's per-minute aggregates with `from <= minute < to`, oldest first (primary-key order). */
export function readMinutes(
  db: Database.Database,
  patientId: string,
  from: number,
  to: number,
): ReadingMinute[] {
  const rows = db
    .prepare(
      `SELECT * FROM reading_minutes WHERE patient_id = ? AND minute >= ? AND minute < ?
       ORDER BY minute, device_id, signal, tooth`,
    )
    .all(patientId, from, to) as MinuteRow[];
  return rows.map(fromMinuteRow);
}

/** A stored minute as the contract reads it: the mean from sum and count, no tooth as null. */
export function fromMinuteRow(r: MinuteRow): ReadingMinute {
  return {
    patientId: r.patient_id,
    minute: r.minute,
    deviceId: r.device_id,
    signal: r.signal as Signal,
    tooth: r.tooth === NO_TOOTH ? null : r.tooth,
    unit: r.unit,
    min: r.value_min,
    max: r.value_max,
    mean: r.valid_count > 0 ? r.value_sum / r.valid_count : null,
    count: r.valid_count,
    invalidCount: r.invalid_count,
    retractedCount: r.retracted_count,
    ...(r.below_count === null ? {} : { belowCriticalCount: r.below_count }),
  };
}

// -- the schedule (main thread) --

export interface RetentionPolicy {
  /** CHAIRSIDE_RAW_RETENTION_DAYS (default 30): raw readings older than this are rolled up. */
  rawDays: number;
  /** CHAIRSIDE_REPLAY_RETENTION_DAYS (default 30): pose keyframes older than this are deleted. */
  replayDays: number;
  /** Readings per transaction: small enough that other storage calls wait at most a few ms. */
  batchSize: number;
  /** How often it runs after the run at start (default hourly). */
  everyMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  rawDays: 30,
  replayDays: 30,
  batchSize: 500,
  everyMs: 60 * 60_000,
};

const DAY_MS = 24 * 60 * 60_000;

/** Reads the two settings; a value that is not a positive number stops the start with its name. */
export function retentionPolicyFromEnv(env: NodeJS.ProcessEnv): RetentionPolicy {
  const days = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text.trim() === "") return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`${name} must be a number of days above 0 (it is "${text}").`);
    }
    return value;
  };
  return {
    ...DEFAULT_RETENTION,
    rawDays: days("CHAIRSIDE_RAW_RETENTION_DAYS", DEFAULT_RETENTION.rawDays),
    replayDays: days("CHAIRSIDE_REPLAY_RETENTION_DAYS", DEFAULT_RETENTION.replayDays),
  };
}

export interface RetentionRun {
  rolledUp: number;
  minutes: number;
  keyframesDeleted: number;
}

type RetentionStorage = Pick<Storage, "rollupReadings" | "deletePoseKeyframesBefore">;

export interface RetentionSchedule {
  /** One full pass now (waits for a pass already running instead of starting a second). */
  runOnce(): Promise<RetentionRun>;
  /** Stops the timer and waits for the pass in progress to end at its next batch. */
  stop(): Promise<void>;
}

/** Runs a pass at once and then every `policy.everyMs`; errors are logged, never thrown at the loop. */
export function startRetention(
  storage: RetentionStorage,
  policy: RetentionPolicy,
  now: () => number,
  onError: (error: unknown) => void,
  onDone: (run: RetentionRun) => void = () => {},
): RetentionSchedule {
  let stopped = false;
  let current: Promise<RetentionRun> | null = null;
  const pass = async (): Promise<RetentionRun> => {
    const run: RetentionRun = { rolledUp: 0, minutes: 0, keyframesDeleted: 0 };
    const cutoff = now() - policy.rawDays * DAY_MS;
    while (!stopped) {
      const batch = await storage.rollupReadings(cutoff, policy.batchSize);
      run.rolledUp += batch.rolledUp;
      run.minutes += batch.minutes;
      if (batch.done) break;
    }
    if (!stopped)
      run.keyframesDeleted = await storage.deletePoseKeyframesBefore(now() - policy.replayDays * DAY_MS);
    return run;
  };
  const runOnce = (): Promise<RetentionRun> => {
    if (!current) {
      current = pass().finally(() => {
        current = null;
      });
    }
    return current;
  };
  const tick = () => {
    runOnce().then(onDone, onError);
  };
  tick();
  const timer = setInterval(tick, policy.everyMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current?.catch(() => {});
    },
  };
}
