import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3-multiple-ciphers";
import { afterEach, describe, expect, it } from "vitest";
import { SIGNAL_SPECS, type Signal } from "../../shared/soe/signals.ts";
import { DAY, NOW, OLD, randomBatches as seededBatches } from "../../tests/storedBatches.ts";
import { retentionPolicyFromEnv, startRetention } from "./retention.ts";
import { SqliteStorage } from "./sqliteStorage.ts";
import type { ReadingMinute } from "./storage.ts";

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "chairside-retention-"));
  dirs.push(dir);
  return join(dir, "chairside.db");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Random batches over two patients, three devices, three signals; most 40 days old (seeded). */
const randomBatches = (seed: number) => seededBatches(seed, { count: 60, oldUpTo: 48, maxExtraReadings: 30 });

interface RawRow {
  patient_id: string;
  device_id: string;
  signal: string;
  tooth: number | null;
  t: number;
  value: number;
  quality: string;
  status: string;
  received_at: number;
}

function keyOf(m: {
  patientId: string;
  minute: number;
  deviceId: string;
  signal: string;
  tooth: number | null;
}) {
  return `${m.patientId}|${m.minute}|${m.deviceId}|${m.signal}|${m.tooth ?? "-"}`;
}

/** What the aggregates must say, computed straight from the raw rows they replace. */
function expectedMinutes(rows: RawRow[], beforeMs: number): Map<string, ReadingMinute> {
  const out = new Map<string, ReadingMinute & { sum: number }>();
  for (const r of rows) {
    if (r.received_at >= beforeMs) continue;
    const minute = Math.floor(r.t / 60_000) * 60_000;
    const m0 = {
      patientId: r.patient_id,
      minute,
      deviceId: r.device_id,
      signal: r.signal as Signal,
      tooth: r.tooth,
    };
    const key = keyOf(m0);
    const m = out.get(key) ?? {
      ...m0,
      unit: SIGNAL_SPECS[r.signal as Signal].unit,
      min: null,
      max: null,
      mean: null,
      sum: 0,
      count: 0,
      invalidCount: 0,
      retractedCount: 0,
    };
    if (r.status === "entered-in-error") m.retractedCount++;
    else if (r.quality === "invalid") m.invalidCount++;
    else {
      m.count++;
      m.sum += r.value;
      m.min = m.min === null ? r.value : Math.min(m.min, r.value);
      m.max = m.max === null ? r.value : Math.max(m.max, r.value);
      m.mean = m.sum / m.count;
      if (r.signal === "ph" && r.value < 5.5) m.belowCriticalCount = (m.belowCriticalCount ?? 0) + 1;
    }
    if (r.signal === "ph") m.belowCriticalCount ??= 0;
    out.set(key, m);
  }
  return out;
}

/** Every raw reading still stored, through the storage's own read (the packs are not rows to SELECT). */
async function rawRows(storage: SqliteStorage): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for (const patientId of ["julian", "amara"]) {
    for (const r of await storage.readingsBetween(patientId, { from: 0, to: Number.MAX_SAFE_INTEGER })) {
      rows.push({
        patient_id: patientId,
        device_id: r.deviceId,
        signal: r.signal,
        tooth: r.tooth ?? null,
        t: r.t,
        value: r.value,
        quality: r.quality,
        status: r.status,
        received_at: r.receivedAt,
      });
    }
  }
  return rows;
}

async function allMinutes(storage: SqliteStorage): Promise<ReadingMinute[]> {
  return [
    ...(await storage.readingMinutes("julian", 0, Number.MAX_SAFE_INTEGER)),
    ...(await storage.readingMinutes("amara", 0, Number.MAX_SAFE_INTEGER)),
  ];
}

function expectExact(actual: ReadingMinute[], expected: Map<string, ReadingMinute>): void {
  expect(actual.length).toBe(expected.size);
  for (const m of actual) {
    const e = expected.get(keyOf(m));
    expect(e, keyOf(m)).toBeDefined();
    expect(m.min).toBe(e!.min);
    expect(m.max).toBe(e!.max);
    expect(m.count).toBe(e!.count);
    expect(m.invalidCount).toBe(e!.invalidCount);
    expect(m.retractedCount).toBe(e!.retractedCount);
    expect(m.unit).toBe(e!.unit);
    expect(m.belowCriticalCount).toBe(e!.belowCriticalCount);
    if (e!.mean === null) expect(m.mean).toBeNull();
    // The sum is added in another order across batches: equal to the last bits of a double.
    else expect(Math.abs(m.mean! - e!.mean) / Math.max(1, Math.abs(e!.mean))).toBeLessThan(1e-12);
  }
}

describe("raw reading rollup", () => {
  for (const seed of [1, 7, 42, 1234, 99_991]) {
    it(`keeps min, max, mean and the counts exact against the raw rows it replaces (seed ${seed})`, async () => {
      const path = tempDb();
      const storage = new SqliteStorage(path);
      await storage.storeBatches(randomBatches(seed));
      const before = await rawRows(storage);
      const cutoff = NOW - 30 * DAY;
      const expected = expectedMinutes(before, cutoff);
      expect(expected.size).toBeGreaterThan(10);

      // Small batches, so one minute is filled by several of them.
      let passes = 0;
      for (;;) {
        const batch = await storage.rollupReadings(cutoff, 37);
        passes++;
        if (batch.done) break;
      }
      expect(passes).toBeGreaterThan(3);
      expectExact(await allMinutes(storage), expected);

      // The recent readings stay raw, untouched; the old ones are gone.
      const after = await rawRows(storage);
      expect(after).toEqual(before.filter((r) => r.received_at >= cutoff));
      expect(after.length).toBeGreaterThan(0);
      await storage.close();
    });
  }

  it("is idempotent: a second pass changes nothing", async () => {
    const path = tempDb();
    const storage = new SqliteStorage(path);
    await storage.storeBatches(randomBatches(5));
    const cutoff = NOW - 30 * DAY;
    while (!(await storage.rollupReadings(cutoff, 100)).done) {}
    const once = await allMinutes(storage);
    const raw = await rawRows(storage);
    expect(await storage.rollupReadings(cutoff, 100)).toEqual({ rolledUp: 0, minutes: 0, done: true });
    expect(await allMinutes(storage)).toEqual(once);
    expect(await rawRows(storage)).toEqual(raw);
    await storage.close();
  });

  it("loses nothing and counts nothing twice when a batch fails half-way (one transaction per batch)", async () => {
    const path = tempDb();
    const storage = new SqliteStorage(path);
    await storage.storeBatches(randomBatches(11));
    const cutoff = NOW - 30 * DAY;
    const expected = expectedMinutes(await rawRows(storage), cutoff);
    // A second handle makes the delete of one old pack fail, as a crash would in the middle of a batch.
    const side = new Database(path);
    const victim = side
      .prepare("SELECT id FROM reading_packs WHERE received_at < ? ORDER BY id LIMIT 1 OFFSET 80")
      .get(cutoff) as { id: number };
    side.exec(
      `CREATE TRIGGER crash BEFORE DELETE ON reading_packs WHEN old.id = ${victim.id} BEGIN SELECT RAISE(ABORT, 'crash'); END`,
    );
    await expect(
      (async () => {
        while (!(await storage.rollupReadings(cutoff, 100)).done) {}
      })(),
    ).rejects.toThrow(/crash/);
    // Every old reading is either still raw or in exactly one aggregate.
    const partial = await allMinutes(storage);
    const stillRaw = (await rawRows(storage)).filter((r) => r.received_at < cutoff).length;
    const aggregated = partial.reduce((n, m) => n + m.count + m.invalidCount + m.retractedCount, 0);
    const total = [...expected.values()].reduce((n, m) => n + m.count + m.invalidCount + m.retractedCount, 0);
    expect(stillRaw).toBeGreaterThan(0);
    expect(aggregated).toBeGreaterThan(0);
    expect(aggregated + stillRaw).toBe(total);

    side.exec("DROP TRIGGER crash");
    side.close();
    while (!(await storage.rollupReadings(cutoff, 100)).done) {}
    expectExact(await allMinutes(storage), expected);
    await storage.close();
  });

  it("the schedule rolls up at start up to the configured age and deletes no record data", async () => {
    const path = tempDb();
    const storage = new SqliteStorage(path);
    await storage.storeBatches(randomBatches(3));
    await storage.appendRoomEvent("room-1", {
      seq: 1,
      at: OLD,
      body: { type: "member_left", memberId: "m-1", reason: "left" },
    });
    await storage.audit({ at: OLD, who: "dr-okafor", action: "record.read", subject: "julian", why: "" });
    const policy = { ...retentionPolicyFromEnv({ CHAIRSIDE_RAW_RETENTION_DAYS: "30" }), batchSize: 50 };
    const errors: unknown[] = [];
    const schedule = startRetention(
      storage,
      policy,
      () => NOW,
      (e) => errors.push(e),
    );
    const run = await schedule.runOnce();
    await schedule.stop();
    expect(errors).toEqual([]);
    expect(run.rolledUp).toBeGreaterThan(0);
    expect((await rawRows(storage)).every((r) => r.received_at >= NOW - 30 * DAY)).toBe(true);
    expect(await storage.roomEvents("room-1", 10)).toHaveLength(1);
    expect(await storage.auditLog(10)).toHaveLength(1);
    expect(await storage.deletePoseKeyframesBefore(NOW)).toBe(0);
    await storage.close();
  });

  it("refuses a retention setting that is not a positive number of days, naming it", () => {
    expect(() => retentionPolicyFromEnv({ CHAIRSIDE_RAW_RETENTION_DAYS: "thirty" })).toThrow(
      /CHAIRSIDE_RAW_RETENTION_DAYS/,
    );
    expect(() => retentionPolicyFromEnv({ CHAIRSIDE_REPLAY_RETENTION_DAYS: "0" })).toThrow(
      /CHAIRSIDE_REPLAY_RETENTION_DAYS/,
    );
    expect(retentionPolicyFromEnv({}).rawDays).toBe(30);
  });
});
