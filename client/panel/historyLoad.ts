/**
 * Loading the charts' recent history when the panel opens: a failed load (a timeout while the
 * server is busy, a dropped link) is retried with a growing pause, and the card says what happened
 * and when the next try is, instead of a dead "could not be loaded" line. Timers are injected so
 * the schedule is tested without waiting.
 */

/** Pauses between tries: 1 s, 2 s, 4 s, … capped at 30 s; it keeps trying while the panel is open. */
export function retryDelayMs(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));
}

export type LoadOutcome<T> = { ok: true; value: T } | { ok: false; error: { message: string } };

export interface HistoryLoadTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface HistoryLoadOptions<T> {
  /** One try; it gets the attempt number (1, 2, …). */
  load(attempt: number): Promise<LoadOutcome<T>>;
  /** The line the chart card shows; null hides it. */
  status(text: string | null): void;
  loaded(value: T): void;
  timers?: HistoryLoadTimers;
}

const BROWSER_TIMERS: HistoryLoadTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Loads once, retrying with backoff until it succeeds or `stop()` is called. */
export class HistoryLoad<T> {
  private readonly timers: HistoryLoadTimers;
  private failures = 0;
  private pending: unknown = null;
  private stopped = false;
  private done = false;

  constructor(private readonly opts: HistoryLoadOptions<T>) {
    this.timers = opts.timers ?? BROWSER_TIMERS;
  }

  get attempts(): number {
    return this.failures + (this.done ? 1 : 0);
  }

  start(): void {
    void this.tryAsync();
  }

  /** Tries again now (the link came back), skipping the rest of the pause. */
  retryNow(): void {
    if (this.done || this.stopped || this.pending === null) return;
    this.timers.clearTimeout(this.pending);
    this.pending = null;
    void this.tryAsync();
  }

  stop(): void {
    this.stopped = true;
    if (this.pending !== null) this.timers.clearTimeout(this.pending);
    this.pending = null;
  }

  private async tryAsync(): Promise<void> {
    const attempt = this.failures + 1;
    this.opts.status(
      attempt === 1 ? "Loading recent readings…" : `Loading recent readings (try ${attempt})…`,
    );
    const result = await this.opts.load(attempt);
    if (this.stopped) return;
    if (result.ok) {
      this.done = true;
      this.opts.status(null);
      this.opts.loaded(result.value);
      return;
    }
    this.failures++;
    const delay = retryDelayMs(this.failures);
    this.opts.status(
      `Recent readings could not be loaded (${result.error.message}). Trying again in ${Math.round(delay / 1000)} s; live readings still show.`,
    );
    this.pending = this.timers.setTimeout(() => {
      this.pending = null;
      void this.tryAsync();
    }, delay);
  }
}
