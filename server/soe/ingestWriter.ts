/**
 * Group commit: device batches that arrive within the same turn of the event loop are written in
 * one transaction, and each device is acknowledged only after that transaction is durable.
 */
import { createHistogram } from "node:perf_hooks";
import type { Storage, StoredBatch, StoreOutcome } from "../storage/storage.ts";

/**
 * How long a batch waited from `store()` to its durable outcome, in ns, over every writer in the
 * process: the storage part of a reading's way to the clinician's screen. The benchmarks read it
 * to tell a slow storage round trip (thread hops, commits) from a busy event loop.
 */
export const ingestStoreDelay = createHistogram();

interface Pending {
  batch: StoredBatch;
  resolve: (outcome: StoreOutcome) => void;
  reject: (error: unknown) => void;
  /** process.hrtime.bigint() when the batch was handed in. */
  at: bigint;
}

export class IngestWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly storage: Storage) {}

  store(batch: StoredBatch): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject, at: process.hrtime.bigint() });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.flushing = this.flushing.then(() => this.flush());
        });
      }
    });
  }

  /** Resolves once everything queued so far is written. */
  async drain(): Promise<void> {
    await this.flushing;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const items = this.queue;
    this.queue = [];
    if (items.length === 0) return;
    try {
      const outcomes = await this.storage.storeBatches(items.map((i) => i.batch));
      const done = process.hrtime.bigint();
      for (const [i, item] of items.entries()) {
        ingestStoreDelay.record(done - item.at > 0n ? done - item.at : 1n);
        item.resolve(outcomes[i]!);
      }
    } catch (error) {
      for (const item of items) item.reject(error);
    }
  }
}
