/**
 * The storage thread: owns one SqliteStorage and runs every call sent from the main thread, one
 * at a time, in arrival order. It knows no method names: whatever SqliteStorage offers is callable.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
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
      return { id: call.id, ok: true, value: await callable[call.method]!(...call.args) };
    } catch (error) {
      return { id: call.id, ok: false, error: serializeError(error) };
    }
  };
  // Calls run strictly one after another, so an async method can never interleave with the next.
  let queue: Promise<void> = Promise.resolve();
  port.on("message", (calls: StorageCall[]) => {
    queue = queue.then(async () => {
      const results: StorageResult[] = [];
      for (const call of calls) results.push(await run(call));
      port.postMessage(results);
      // After close the database is gone: let the thread end by itself.
      if (calls.some((c) => c.method === "close")) port.close();
    });
  });
  port.postMessage({ type: "ready", methods } satisfies StorageStartup);
}

const data = workerData as Partial<StorageWorkerData> | null;
if (parentPort && data?.role === "chairside-storage") serve(parentPort, data as StorageWorkerData);
