/**
 * Storage on its own thread. better-sqlite3 is synchronous: a group commit of many device batches
 * or a history query held the event loop for tens of milliseconds, and every room waited. Here a
 * worker thread owns the SqliteStorage and the main thread only posts calls and awaits answers.
 *
 * Forwarding is generic: every method of SqliteStorage is callable through the returned object,
 * including methods added later, with no code here. Calls run in the order they were made; a
 * method resolves only after the worker has finished it (so a batch is acked only once committed);
 * its errors come back as rejections; `close()` closes the database and ends the thread.
 */
import { Worker } from "node:worker_threads";
import { createLogger } from "../log.ts";
import { packBatches } from "./batchWire.ts";
import type { SqliteOptions, SqliteStorage } from "./sqliteStorage.ts";
import type { StoredBatch } from "./storage.ts";
import {
  type SerializedError,
  type StorageCall,
  type StorageResult,
  type StorageStartup,
  type StorageWorkerData,
  serializeError,
} from "./storageMessages.ts";

const log = createLogger("storage-thread");

/** Calls worth a second message in flight: device batches, whose ack and display wait for them. */
const PIPELINED: ReadonlySet<string> = new Set(["storeBatches"]);
const MAX_IN_FLIGHT = 2;

/** The public methods of T, each answering with a promise (what a call across threads can give). */
export type Forwarded<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** SqliteStorage's public face, served from a worker thread. Assignable to `Storage`. */
export type WorkerStorage = Forwarded<SqliteStorage>;

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

function toError(e: SerializedError): Error {
  const error = new Error(e.message);
  error.name = e.name;
  if (e.code !== undefined) Object.assign(error, { code: e.code });
  // Keep the worker's stack: it says where in the storage the failure was.
  if (e.stack) error.stack = `${e.stack}\n    --- on the storage thread ---`;
  return error;
}

class StorageThread {
  private readonly pending = new Map<number, PendingCall>();
  /** Calls not sent yet: they go together when the current callback ends, or when the thread answers. */
  private outbox: StorageCall[] = [];
  private flushScheduled = false;
  /** The outbox holds a call that may overtake the one-message-in-flight rule (PIPELINED). */
  private urgent = false;
  /** Messages sent to the thread and not answered yet. */
  private inFlight = 0;
  private nextId = 1;
  /** Set once the thread cannot take calls any more (closed, crashed); later calls reject with it. */
  private ended: Error | null = null;
  private closing: Promise<void> | null = null;
  /** From the close request on, the thread stays referenced so the process waits for it to end. */
  private closeRequested = false;
  private readonly exited: Promise<void>;

  constructor(private readonly worker: Worker) {
    worker.on("message", (results: StorageResult[] | StorageStartup) => {
      if (!Array.isArray(results)) return;
      this.inFlight -= 1;
      for (const result of results) this.settle(result);
      this.flush();
    });
    worker.on("error", (error) => {
      log.error("storage thread failed", { error: String(error) });
      this.end(new Error(`The storage thread failed: ${error.message}`));
    });
    this.exited = new Promise((resolve) => {
      worker.once("exit", (code) => {
        this.end(new Error(`The storage thread has ended (exit code ${code}).`));
        resolve();
      });
    });
    // An idle storage thread does not keep the process alive; a pending call does.
    worker.unref();
  }

  call(method: string, args: unknown[]): Promise<unknown> {
    if (this.ended) return Promise.reject(this.ended);
    if (this.closing) return Promise.reject(new Error("The storage is closing."));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.outbox.push({ id, method, args: packedArgs(method, args) });
      if (PIPELINED.has(method)) this.urgent = true;
      this.worker.ref();
      // Sent as soon as the current callback ends (a microtask), not a turn later: a commit that
      // waited for the next turn of a busy loop delayed every SOE ack by that turn.
      if (this.maySend() && !this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  /**
   * Sends the waiting calls as one message, with at most one message in flight: calls made while
   * the thread works go together when it answers. Under load a message per call cost more than the
   * write it carried (each one wakes the thread: ~40 µs on a busy 2-core machine).
   */
  private flush(): void {
    if (!this.maySend() || this.outbox.length === 0) return;
    const calls = this.outbox;
    this.outbox = [];
    this.urgent = false;
    // A thread that ended has already rejected every pending call, these included.
    if (this.ended) return;
    try {
      this.worker.postMessage(calls);
      this.inFlight += 1;
    } catch {
      // One argument cannot be cloned (a function, say): send one by one, so only its call fails.
      for (const call of calls) {
        try {
          this.worker.postMessage([call]);
          this.inFlight += 1;
        } catch (error) {
          this.settle({ id: call.id, ok: false, error: serializeError(error) });
        }
      }
    }
  }

  /**
   * One message in flight, or a second one when it carries a device batch. A batch that waited for
   * the answer to the message ahead of it waited for the main loop to take that answer (a whole
   * turn, hundreds of ms during a connection storm on a busy machine) and then for the thread to
   * wake again: in bench:storm that round trip was about half of the other room's SOE p99. Sent at
   * once, it queues on the thread right behind the message ahead (order is kept: the outbox goes
   * whole, and the thread runs messages one after another). Other calls still gather.
   */
  private maySend(): boolean {
    return this.inFlight === 0 || (this.urgent && this.inFlight < MAX_IN_FLIGHT);
  }

  private settle(reply: StorageResult): void {
    const call = this.pending.get(reply.id);
    if (!call) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0 && !this.closeRequested) this.worker.unref();
    if (reply.ok) call.resolve(reply.value);
    else call.reject(toError(reply.error));
  }

  /** Closes the database after every call made before it, then waits for the thread to end. */
  closeAsync(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.ended) return this.exited;
    const closed = this.call("close", []);
    this.closeRequested = true;
    this.closing = closed.then(
      () => this.exited,
      async (error: unknown) => {
        await this.worker.terminate();
        throw error;
      },
    );
    return this.closing;
  }

  private end(reason: Error): void {
    if (!this.ended) this.ended = reason;
    for (const call of this.pending.values()) call.reject(reason);
    this.pending.clear();
  }
}

/** Device batches go packed in typed arrays (batchWire.ts); every other call as it is. */
function packedArgs(method: string, args: unknown[]): unknown[] {
  if (method !== "storeBatches" || args.length !== 1 || !Array.isArray(args[0])) return args;
  const packed = packBatches(args[0] as StoredBatch[]);
  return packed === null ? args : [packed];
}

/** Waits for the worker's first word: the methods it serves, or why it could not open the database. */
function readyAsync(worker: Worker): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: StorageStartup) => {
      if (reply.type === "ready") settle(() => resolve(reply.methods));
      if (reply.type === "failed") settle(() => reject(toError(reply.error)));
    };
    const onError = (error: Error) => settle(() => reject(error));
    const onExit = (code: number) =>
      settle(() => reject(new Error(`The storage thread ended before it was ready (exit code ${code}).`)));
    const settle = (done: () => void) => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      done();
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

/** Opens the SQLite file on a new worker thread; rejects if the database cannot be opened. */
export async function openWorkerStorage(path: string, options: SqliteOptions = {}): Promise<WorkerStorage> {
  const worker = new Worker(new URL("./storageThread.mjs", import.meta.url), {
    workerData: { role: "chairside-storage", path, options } satisfies StorageWorkerData,
  });
  let methods: string[];
  try {
    methods = await readyAsync(worker);
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  const thread = new StorageThread(worker);
  const facade: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const method of methods) facade[method] = (...args) => thread.call(method, args);
  facade.close = () => thread.closeAsync();
  return facade as unknown as WorkerStorage;
}
