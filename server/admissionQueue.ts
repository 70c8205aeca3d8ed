/**
 * Lets admitted connections into their rooms, and departed ones out, a few at a time.
 *
 * A join is a broadcast to everyone already in the room. When hundreds of people open the same
 * link at once, handling every join in the turn their handshakes arrived in holds the loop for
 * hundreds of milliseconds, and a patient's stop in another room waits behind all of them. Taking
 * `perTurn` joins per turn and the rest on later turns (setImmediate: after the loop has polled
 * I/O again) bounds that wait to a few joins' work. Nothing is refused; a join waits at most a
 * few turns per `perTurn` people ahead of it. A crowd leaving at once is the same broadcast storm
 * in reverse, so departures take their turn in the same queue, in arrival order with the joins.
 *
 * With `gapMs`, the batches of a crowd are also spaced in time: the next batch starts no sooner
 * than `gapMs` after the previous one ended. Every turn that writes to a room's sockets costs one
 * system call per socket there (server/socketCorking.ts), so a crowd of n admitted four per turn
 * cost n/4 turns of n writes each, back to back, and the loop had no turn without that work. A
 * larger batch every few milliseconds writes the same events in a fraction of the system calls,
 * and leaves the turns in between to everyone else. A lone join after a quiet spell goes at once.
 */
import { describeError } from "./handlerGuard.ts";
import { createLogger } from "./log.ts";

const log = createLogger("admission");

function logEscaped(error: unknown): void {
  log.error("a queued join or departure threw", { error: describeError(error) });
}

export interface AdmissionPacing {
  /** Entries run per batch. */
  perTurn: number;
  /** The least time from the end of one batch to the start of the next, ms (0: the next turn). */
  gapMs?: number;
  /** Runs a task on a later turn (default setImmediate). */
  nextTurn?: (run: () => void) => void;
  /** Runs a task after `ms` (default setTimeout). */
  later?: (run: () => void, ms: number) => void;
  /** A clock in ms (default performance.now). */
  now?: () => number;
  onError?: (error: unknown) => void;
}

export class AdmissionQueue {
  private readonly waiting: (() => void)[] = [];
  private readonly whenEmpty: (() => void)[] = [];
  private scheduled = false;
  private lastBatchEnd = Number.NEGATIVE_INFINITY;
  private readonly perTurn: number;
  private readonly gapMs: number;
  private readonly nextTurn: (run: () => void) => void;
  private readonly later: (run: () => void, ms: number) => void;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;

  constructor(pacing: AdmissionPacing | number) {
    const p = typeof pacing === "number" ? { perTurn: pacing } : pacing;
    this.perTurn = Math.max(1, p.perTurn);
    this.gapMs = Math.max(0, p.gapMs ?? 0);
    this.nextTurn = p.nextTurn ?? setImmediate;
    this.later = p.later ?? ((run, ms) => setTimeout(run, ms));
    this.now = p.now ?? (() => performance.now());
    this.onError = p.onError ?? logEscaped;
  }

  /** Runs `admit` on a later turn, in arrival order, when its batch comes. */
  admit(admit: () => void): void {
    this.waiting.push(admit);
    if (!this.scheduled) {
      this.scheduled = true;
      this.scheduleDrain();
    }
  }

  /** Resolves once every entry admitted so far has run (at once when none waits). */
  emptyAsync(): Promise<void> {
    if (this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.whenEmpty.push(resolve));
  }

  /** Joins still waiting for their turn. */
  get length(): number {
    return this.waiting.length;
  }

  private scheduleDrain(): void {
    const wait = this.lastBatchEnd + this.gapMs - this.now();
    if (wait > 0) this.later(this.drain, wait);
    else this.nextTurn(this.drain);
  }

  private readonly drain = (): void => {
    const batch = this.waiting.splice(0, this.perTurn);
    // One entry that throws (its own guard failed) neither ends the process from a setImmediate
    // nor takes the rest of its batch or the queue with it.
    for (const admit of batch) {
      try {
        admit();
      } catch (error) {
        this.onError(error);
      }
    }
    this.lastBatchEnd = this.now();
    if (this.waiting.length > 0) this.scheduleDrain();
    else {
      this.scheduled = false;
      for (const resolve of this.whenEmpty.splice(0)) resolve();
    }
  };
}
