/**
 * Group commit: device batches that arrive within the same turn of the event loop are written in
 * one transaction, and each device is acknowledged only after that transaction is durable.
 */
import type { Storage, StoredBatch, StoreOutcome } from "../storage/storage.ts";

interface Pending {
  batch: StoredBatch;
  resolve: (outcome: StoreOutcome) => void;
  reject: (error: unknown) => void;
}

export class IngestWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly storage: Storage) {}

  store(batch: StoredBatch): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
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
      for (const [i, item] of items.entries()) item.resolve(outcomes[i]!);
    } catch (error) {
      for (const item of items) item.reject(error);
    }
  }
}
