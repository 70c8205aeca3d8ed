/**
 * The storage thread: owns one SqliteStorage and runs every call sent from the main thread, one
 * at a time, in arrival order. It knows no method names: whatever SqliteStorage offers is callable.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import type Database from "better-sqlite3";
import { isPackedBatches, unpackBatches } from "./batchWire.ts";
import { SqliteStorage } from "./sqliteStorage.ts";
import {
  methodNames,
  type StorageCall,
  type StorageResult,
  type StorageStartup,
  type StorageWorkerData,
  serializeError,
} from "./storageMessages.ts";

function serve(port: MessagePort, data: StorageWorkerData): void {
  let storage: SqliteStorage;
  try {
    storage = new SqliteStorage(data.path, data.options);
  } catch (error) {
    port.postMessage({ type: "failed", error: serializeError(error) } satisfies StorageStartup);
    return;
  }
  const methods = methodNames(storage);
  const callable = storage as unknown as Record<string, (...args: unknown[]) => unknown>;
  const run = async (call: StorageCall): Promise<StorageResult> => {
    try {
      if (!methods.includes(call.method)) throw new Error(`Storage has no method "${call.method}".`);
      const args =
        call.method === "storeBatches" && isPackedBatches(call.args[0])
          ? [unpackBatches(call.args[0])]
          : call.args;
      return { id: call.id, ok: true, value: await callable[call.method]!(...args) };
    } catch (error) {
      return { id: call.id, ok: false, error: serializeError(error) };
    }
  };
  // The calls of one message share one commit: each call alone was its own WAL commit, and a burst
  // of room events and audit rows (170 at a server's start) took half a second that way. A savepoint
  // per call keeps a failing call from undoing the others.
  const db = (storage as unknown as { db?: Database.Database }).db;
  const runGrouped = async (calls: StorageCall[]): Promise<StorageResult[]> => {
    if (!db || calls.length < 2 || calls.some((c) => c.method === "close") || db.inTransaction) {
      const results: StorageResult[] = [];
      for (const call of calls) results.push(await run(call));
      return results;
    }
    db.exec("BEGIN");
    const results: StorageResult[] = [];
    try {
      for (const call of calls) {
        db.exec("SAVEPOINT storage_call");
        const result = await run(call);
        if (!result.ok) db.exec("ROLLBACK TO storage_call");
        db.exec("RELEASE storage_call");
        results.push(result);
      }
      db.exec("COMMIT");
      return results;
    } catch (error) {
      // Nothing of this message is durable: every call in it fails (an ack is only ever sent after COMMIT).
      if (db.inTransaction) db.exec("ROLLBACK");
      storage.forgetCachedIds(); // Ids cached in the rolled-back calls are gone
      return calls.map((c) => ({ id: c.id, ok: false, error: serializeError(error) }));
    }
  };
  // Calls run strictly one after another, so an async method can never interleave with the next.
  let queue: Promise<void> = Promise.resolve();
  port.on("message", (calls: StorageCall[]) => {
    queue = queue.then(async () => {
      port.postMessage(await runGrouped(calls));
      // After close the database is gone: let the thread end by itself.
      if (calls.some((c) => c.method === "close")) port.close();
    });
  });
  port.postMessage({ type: "ready", methods } satisfies StorageStartup);
}

const data = workerData as Partial<StorageWorkerData> | null;
if (parentPort && data?.role === "chairside-storage") serve(parentPort, data as StorageWorkerData);
