/**
 * `npm run bench:record` (issue 9): what a patient's record costs on disk and to read.
 * - Database bytes per patient-hour of raw readings from 5 SOEs at the DOMAIN.md rates (four 1 Hz
 *   signals and 50 Hz bite force per SOE, 1 Hz heart rate from the wearable), written through
 *   SqliteStorage.storeBatches as one-second batches; then after the rollup (VACUUMed, as the file
 *   would be once SQLite reuses the freed pages). Targets: ≤ 25 MB raw, ≤ 1 MB rolled up.
 * - Reads for a patient with 50 visits (the rolled-up trend data the record page charts).
 * - Through a real server over HTTP, as a signed-in clinician: the record page's first load (the
 *   record, a visit's timeline, the pH trend and the anxiety table) for a patient with 50 visits,
 *   and the FHIR export of one visit and of the whole record (time and size).
 * BENCH_RECORD_MINUTES (default 60) shortens the raw hour; figures are scaled to one hour.
 * BENCH_RECORD_FHIR=0 leaves out the FHIR exports.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3-multiple-ciphers";
import { EventLog } from "../server/record/visitFixtures.ts";
import { DEFAULT_RETENTION } from "../server/storage/retention.ts";
import { SqliteStorage } from "../server/storage/sqliteStorage.ts";
import type { Storage, StoredBatch } from "../server/storage/storage.ts";
import type { PatientRecordView } from "../shared/patientRecord.ts";
import { ProcedureStatus } from "../shared/procedure/types.ts";
import { type CheckedReading, SIGNAL_SPECS, SIGNALS, type Signal } from "../shared/soe/signals.ts";
import { startTestServer } from "../tests/harness.ts";
import { seedRecordAsync, staffApi } from "../tests/recordSeed.ts";
import { signedInStaff } from "../tests/staffAccount.ts";
import { fmt, summary } from "./stats.ts";

const MINUTES = Number(process.env.BENCH_RECORD_MINUTES ?? "60");
const VISITS = Number(process.env.BENCH_RECORD_VISITS ?? "50");
const VISIT_MINUTES = Number(process.env.BENCH_RECORD_VISIT_MINUTES ?? "45");
const SOES = 5;
const TEETH = [36, 37, 46, 47, 11];
const MB = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), "chairside-recordbench-"));

const bootIds = new Map<string, string>();
/** A device's boot id is a UUID (devices/deviceClient.ts): its length counts in the batch keys. */
function boots(deviceId: string, boot: number): string {
  const key = `${deviceId}/${boot}`;
  if (!bootIds.has(key)) bootIds.set(key, randomUUID());
  return bootIds.get(key)!;
}

/** One second of one SOE: every signal at its nominal rate, plausible values around normal. */
function second(
  deviceIndex: number,
  startMs: number,
  patientId: string,
  seq: number,
  boot: number,
): StoredBatch {
  const deviceId = `soe-${patientId}-${deviceIndex}`;
  const readings: CheckedReading[] = [];
  for (const signal of SIGNALS as Signal[]) {
    const spec = SIGNAL_SPECS[signal];
    // The heart rate comes from one wearable per patient, not from every SOE.
    if (!spec.perTooth && deviceIndex !== 0) continue;
    for (let i = 0; i < spec.sampleHz; i++) {
      const t = startMs + Math.floor((i * 1000) / spec.sampleHz);
      const mid = (spec.normalLow + spec.normalHigh) / 2;
      const value = mid + ((spec.normalHigh - spec.normalLow) / 2) * Math.sin(t / 7_000 + deviceIndex);
      readings.push({
        deviceId,
        signal,
        t,
        value: Math.round(value * 100) / 100,
        unit: spec.unit,
        ...(spec.perTooth ? { tooth: TEETH[deviceIndex]! } : {}),
        quality: "valid",
        status: "final",
        receivedAt: t + 40,
      });
    }
  }
  return {
    deviceId,
    bootId: boots(deviceId, boot),
    patientId,
    seq,
    digest: `d${seq}`,
    firmware: "2.3.1",
    readings,
  };
}

async function writeMinutes(
  storage: Pick<Storage, "storeBatches">,
  patientId: string,
  startMs: number,
  minutes: number,
) {
  let rows = 0;
  for (let s = 0; s < minutes * 60; s++) {
    const batches = Array.from({ length: SOES }, (_, d) =>
      second(d, startMs + s * 1000, patientId, s + 1, startMs),
    );
    // One group commit per second of five SOEs, as the server's storage thread does under load.
    await storage.storeBatches(batches);
    rows += batches.reduce((n, b) => n + b.readings.length, 0);
  }
  return rows;
}

function fileBytes(path: string): number {
  const db = new Database(path);
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return statSync(path).size;
}

/** Bytes per table and index (SQLite's dbstat), to say where the rolled-up file goes. */
function tableBytes(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
      name: string;
      bytes: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
  } finally {
    db.close();
  }
}

/** The parts above 10 kB, largest first, in MB per patient-hour. */
function breakdown(parts: Record<string, number>, scale: number): string {
  return Object.entries(parts)
    .filter(([, bytes]) => bytes > 10_000)
    .sort(([, a], [, b]) => b - a)
    .map(([name, bytes]) => `${name} ${fmt((bytes * scale) / MB, 3)}`)
    .join(", ");
}

function vacuum(path: string): void {
  const db = new Database(path);
  db.exec("VACUUM");
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

try {
  // -- bytes per patient-hour --
  const emptyPath = join(dir, "empty.db");
  await new SqliteStorage(emptyPath).close();
  const empty = fileBytes(emptyPath);

  const path = join(dir, "hour.db");
  const storage = new SqliteStorage(path);
  const t0 = performance.now();
  const rows = await writeMinutes(storage, "julian", Date.UTC(2026, 0, 5, 9), MINUTES);
  const writeMs = performance.now() - t0;
  await storage.close();
  const scale = 60 / MINUTES;
  const raw = (fileBytes(path) - empty) * scale;
  const rawParts = tableBytes(path);

  const roll = new SqliteStorage(path);
  const r0 = performance.now();
  let batches = 0;
  let longest = 0;
  for (;;) {
    const b0 = performance.now();
    const out = await roll.rollupReadings(Number.MAX_SAFE_INTEGER, DEFAULT_RETENTION.batchSize);
    longest = Math.max(longest, performance.now() - b0);
    batches++;
    if (out.done) break;
  }
  const rollupMs = performance.now() - r0;
  const minuteRows = (await roll.readingMinutes("julian", 0, Number.MAX_SAFE_INTEGER)).length;
  await roll.close();
  vacuum(path);
  const rolled = (fileBytes(path) - empty) * scale;
  const parts = tableBytes(path);

  console.log(`bench:record — ${SOES} SOEs, ${MINUTES} min written (scaled to one patient-hour)`);
  console.log(
    `  raw readings:        ${Math.round(rows * scale)} per patient-hour (written in ${fmt(writeMs / 1000)} s)`,
  );
  console.log(
    `  raw bytes:           ${fmt(raw / MB, 2)} MB per patient-hour (target ≤ 25 MB) ${raw <= 25 * MB ? "MET" : "NOT MET"}`,
  );
  console.log(
    `  after rollup:        ${fmt(rolled / MB, 3)} MB per patient-hour (target ≤ 1 MB) ${rolled <= MB ? "MET" : "NOT MET"}; ${Math.round(minuteRows * scale)} minute rows`,
  );
  console.log(`    raw, by table and index: ${breakdown(rawParts, scale)}`);
  console.log(
    `    of which:          aggregates ${fmt(((parts.reading_minutes ?? 0) * scale) / MB, 3)} MB, batch keys (device, boot, seq; kept for resend checks) ${fmt((((parts.soe_batch_keys ?? 0) + (parts.soe_boots ?? 0) + (parts.device_boot_batches ?? 0)) * scale) / MB, 3)} MB`,
  );
  console.log(`    rolled up, by table and index: ${breakdown(parts, scale)}`);
  console.log(
    `  rollup:              ${fmt(rollupMs / 1000)} s in ${batches} batches of ${DEFAULT_RETENTION.batchSize}, longest batch ${fmt(longest)} ms (storage thread)`,
  );

  // -- a patient with 50 visits: the rolled-up trend reads the record page makes --
  const manyPath = join(dir, "visits.db");
  const many = new SqliteStorage(manyPath);
  const visitStart = Date.UTC(2025, 0, 6, 9);
  // Two minutes of raw data per visit, rolled up, then the aggregates copied to the full visit length:
  // writing 50 × 45 minutes of raw readings would take this shared machine most of an hour.
  for (let v = 0; v < VISITS; v++) await writeMinutes(many, "amara", visitStart + v * 7 * 24 * 3_600_000, 2);
  while (!(await many.rollupReadings(Number.MAX_SAFE_INTEGER, 5000)).done) {}
  await many.close();
  const fill = new Database(manyPath);
  fill.exec(`WITH RECURSIVE k(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM k WHERE i < ${VISIT_MINUTES - 1})
    INSERT OR IGNORE INTO reading_minutes (patient_id, minute, device_id, signal, tooth, unit, value_min,
      value_max, value_sum, valid_count, invalid_count, retracted_count, below_count)
    SELECT patient_id, minute + i * 60000, device_id, signal, tooth, unit, value_min, value_max,
      value_sum, valid_count, invalid_count, retracted_count, below_count
    FROM reading_minutes, k WHERE minute % 120000 = 0`);
  fill.close();
  const reader = new SqliteStorage(manyPath);
  const times: number[] = [];
  let minutes = 0;
  for (let i = 0; i < 20; i++) {
    const s0 = performance.now();
    minutes = (await reader.readingMinutes("amara", 0, Number.MAX_SAFE_INTEGER)).length;
    times.push(performance.now() - s0);
  }
  await reader.close();
  const read = summary(times);
  console.log(
    `  50-visit trend read: readingMinutes over ${VISITS} visits (${minutes} minute rows): p50 ${fmt(read.p50)} ms, max ${fmt(read.max)} ms`,
  );

  // -- the record page and the FHIR export, over HTTP, for a patient with 50 visits --
  const server = await startTestServer({ logLevel: "warn" });
  try {
    const ray = await signedInStaff(server, { staffId: "bench-ray", role: "clinician" });
    const noah = await signedInStaff(server, { staffId: "bench-noah", role: "assistant" });
    const { patient, appointment } = await seedRecordAsync(server, ray, noah);
    // 48 more visits of 45 minutes a week apart (the seed made 2): join, start, complete.
    const S = ProcedureStatus;
    const log = new EventLog(1_000);
    const visitStarts: number[] = [];
    for (let v = 0; v < VISITS - 2; v++) {
      log.at = Date.UTC(2025, 0, 6, 9) + v * 7 * 86_400_000;
      visitStarts.push(log.at);
      log.join(patient.patientId);
      log.join("bench-ray", "clinician");
      log.procedure("start", S.notStarted, S.running);
      log.at += VISIT_MINUTES * 60_000;
      log.procedure("next", S.running, S.completed, { stepIndex: 2 });
    }
    for (const e of log.events) await server.storage.appendRoomEvent(appointment.roomId, e);
    // Raw readings: the newest of these visits gets 10 minutes of the 5-SOE stream, the others 6 s.
    let stored = 0;
    for (const [i, start] of visitStarts.entries()) {
      const minutes = i === visitStarts.length - 1 ? 10 : 0.1;
      stored += await writeMinutes(server.storage, patient.patientId, start + 60_000, minutes);
    }
    const get = async (path: string) => {
      const t = performance.now();
      const r = await fetch(`${server.origin}${path}`, { headers: { cookie: ray.cookie } });
      const bytes = (await r.arrayBuffer()).byteLength;
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      return { ms: performance.now() - t, bytes };
    };
    const path = `/api/patients/${patient.patientId}/record`;
    const record = (await staffApi<PatientRecordView>(server, "GET", path, ray)).body;
    // The visit with 10 minutes of readings (it starts two joins after its first event).
    const lastStart = visitStarts.at(-1)!;
    const full = record.visits.find((v) => v.startedAt >= lastStart && v.startedAt < lastStart + 60_000);
    if (!full) throw new Error("the benchmark's visits were not found in the record");
    const loads: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await Promise.all([
        get(path),
        get(`/api/visits/${encodeURIComponent(full.id)}/timeline`),
        get(`/api/patients/${patient.patientId}/trends?signal=ph`),
        get(`/api/patients/${patient.patientId}/anxiety`),
      ]);
      loads.push(performance.now() - t);
    }
    const load = summary(loads);
    console.log(
      `  record page load:    ${record.visits.length} visits, ${stored} raw readings: the page's 4 reads p50 ${fmt(load.p50)} ms, max ${fmt(load.max)} ms (10 loads)`,
    );
    // BENCH_RECORD_FHIR=0 skips the exports (minutes on a busy machine) to compare the page alone.
    if (process.env.BENCH_RECORD_FHIR !== "0") {
      const one = await get(`/api/visits/${encodeURIComponent(full.id)}/fhir`);
      console.log(
        `  FHIR export 1 visit: ${fmt(one.ms)} ms, ${fmt(one.bytes / MB, 2)} MB (45 min, 10 min of raw readings from 5 SOEs, as per-minute summaries)`,
      );
      const raw = await get(`/api/visits/${encodeURIComponent(full.id)}/readings.ndjson`);
      console.log(
        `  its full-rate NDJSON: ${fmt(raw.ms)} ms, ${fmt(raw.bytes / MB, 2)} MB (every raw reading of the visit, one Observation per line)`,
      );
      const all = await get(`/fhir/Patient/${patient.patientId}/$everything`);
      console.log(
        `  FHIR export ${record.visits.length} visits: ${fmt(all.ms)} ms, ${fmt(all.bytes / MB, 2)} MB (per-minute summaries of all ${stored} raw readings and the rolled-up minutes)`,
      );
    }
  } finally {
    await server.stopAsync();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
