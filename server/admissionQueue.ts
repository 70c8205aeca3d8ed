/**
 * Lets admitted connections into their rooms, and departed ones out, a few per turn of the event loop.
 *
 * A join is a broadcast to everyone already in the room. When hundreds of people open the same
 * link at once, handling every join in the turn their handshakes arrived in holds the loop for
 * hundreds of milliseconds, and a patient's stop in another room waits behind all of them. Taking
 * `perTurn` joins per turn and the rest on later turns (setImmediate: after the loop has polled
 * I/O again) bounds that wait to a few joins' work. Nothing is refused; a join waits at most a
 * few turns per `perTurn` people ahead of it. A crowd leaving at once is the same broadcast storm
 * in reverse, so departures take their turn in the same queue, in arrival order with the joins.
 */
import { describeError } from "./handlerGuard.ts";
import { createLogger } from "./log.ts";

const log = createLogger("admission");

function logEscaped(error: unknown): void {
  log.error("a queued join or departure threw", { error: describeError(error) });
}

export class AdmissionQueue {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(
    private readonly perTurn: number,
    private readonly schedule: (run: () => void) => void = setImmediate,
    private readonly onError: (error: unknown) => void = logEscaped,
  ) {}

  /** Runs `admit` now if the queue is empty this turn, otherwise on a later turn, in order. */
  admit(admit: () => void): void {
    this.waiting.push(admit);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this.drain);
    }
  }

  /** Joins still waiting for their turn. */
  get length(): number {
    return this.waiting.length;
  }

  private readonly drain = (): void => {
    const batch = this.waiting.splice(0, this.perTurn);
    if (this.waiting.length > 0) this.schedule(this.drain);
    else this.scheduled = false;
    // One entry that throws (its own guard failed) neither ends the process from a setImmediate
    // nor takes the rest of its batch or the queue with it.
    for (const admit of batch) {
      try {
        admit();
      } catch (error) {
        this.onError(error);
      }
    }
  };
}
