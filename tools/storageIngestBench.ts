/**
 * `npx tsx tools/storageIngestBench.ts`: device batches stored through the `Storage` contract alone
 * (no server, no simulators), SQLite on its worker thread against PostgreSQL, in one run so the
 * machine's load is the same for both. With CHAIRSIDE_DATABASE_URL it uses that database, else it
 * starts a throw-away PostgreSQL (durable: fsync and synchronous_commit on, as in production).
 * Prints readings stored per second and the time per group commit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPgStorage } from "../server/storage/pgStorage.ts";
import type { Storage, StoredBatch } from "../server/storage/storage.ts";
import { openWorkerStorage } from "../server/storage/workerStorage.ts";
import type { CheckedReading } from "../shared/soe/signals.ts";
import { startPostgres } from "../tests/services/postgres.ts";

const DEVICES = Number(process.env.BENCH_DEVICES ?? "200");
const BATCHES_PER_DEVICE = Number(process.env.BENCH_BATCHES ?? "20");
const READINGS = Number(process.env.BENCH_READINGS ?? "10");
/** Batches per storeBatches call (the server's group commit takes what arrived in one turn). */
const GROUP = Number(process.env.BENCH_GROUP ?? "20");
/** storeBatches calls in flight at once (the server keeps one; several nodes keep one each). */
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? "1");

function batches(): StoredBatch[] {
  const out: StoredBatch[] = [];
  const t0 = Date.now() - 3_600_000;
  for (let seq = 1; seq <= BATCHES_PER_DEVICE; seq++)
    for (let d = 0; d < DEVICES; d++) {
      const deviceId = `soe-a${d}-36`;
      const readings: CheckedReading[] = Array.from({ length: READINGS }, (_, i) => ({
        deviceId,
        signal: "ph",
        t: t0 + seq * 1000 + i * 100,
        value: Math.round((6.5 + Math.sin(seq + i) * 0.5) * 100) / 100,
        unit: "[pH]",
        tooth: 36,
        quality: "valid",
        status: "final",
        receivedAt: t0 + seq * 1000 + 990,
      }));
      out.push({
        deviceId,
        bootId: "b1",
        patientId: `a${d}`,
        seq,
        digest: `${deviceId}:${seq}`,
        firmware: "2.3.1",
        readings,
      });
    }
  return out;
}

async function run(name: string, storage: Storage): Promise<void> {
  const all = batches();
  const groups: StoredBatch[][] = [];
  for (let i = 0; i < all.length; i += GROUP) groups.push(all.slice(i, i + GROUP));
  const commitMs: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < groups.length) {
        const group = groups[next++]!;
        const t = performance.now();
        await storage.storeBatches(group);
        commitMs.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  commitMs.sort((a, b) => a - b);
  const readings = all.length * READINGS;
  if ((await storage.countReadings()) !== readings) throw new Error(`${name}: stored count differs`);
  console.log(
    `  ${name.padEnd(34)} ${Math.round(readings / seconds)} readings/s   commit p50 ${commitMs[Math.floor(commitMs.length / 2)]!.toFixed(1)} ms   p99 ${commitMs[Math.floor(commitMs.length * 0.99)]!.toFixed(1)} ms`,
  );
  await storage.close();
}

console.log(
  `Storage ingest: ${DEVICES} devices x ${BATCHES_PER_DEVICE} batches x ${READINGS} readings, ${GROUP} batches per commit, ${IN_FLIGHT} in flight`,
);
const dir = mkdtempSync(join(tmpdir(), "chairside-ingest-"));
const service = process.env.CHAIRSIDE_DATABASE_URL
  ? null
  : await startPostgres({ settings: { fsync: "on", synchronous_commit: "on", full_page_writes: "on" } });
try {
  await run("SQLite (worker thread, WAL)", await openWorkerStorage(join(dir, "chairside.db")));
  const url = process.env.CHAIRSIDE_DATABASE_URL ?? (await service!.createDatabase("ingest"));
  await run("PostgreSQL (durable commits)", await openPgStorage(url));
} finally {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
}
