/**
 * A worker thread that opens a SqliteStorage, as another node sharing the file would: it waits on
 * the shared barrier, so every opener starts at the same moment, then reports how the open went.
 * (server/storage/sqliteStorage.test.ts: several nodes setting up one new file.)
 */
import { parentPort, workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { SqliteStorage } = await import("../server/storage/sqliteStorage.ts");
const { path, barrier } = workerData;
const gate = new Int32Array(barrier);
Atomics.add(gate, 1, 1);
Atomics.wait(gate, 0, 0);
try {
  const storage = new SqliteStorage(path);
  await storage.close();
  parentPort.postMessage({ ok: true });
} catch (error) {
  parentPort.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
}
