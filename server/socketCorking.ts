/**
 * Sends everything written to a connection during one turn of the event loop in one system call.
 *
 * A room event is written to every socket in the room, each write its own `writev`. When many
 * people join one room at once, each join is such a broadcast to everyone already there: n² small
 * writes, and the system calls were most of what stalled every other room. Corking a socket at its
 * first write in a turn and uncorking all corked sockets at the end of the turn (setImmediate, so
 * before the loop waits for I/O again) turns that into one write per socket per turn, the way
 * uWebSockets corks per loop iteration. Nothing is held back longer than the current turn.
 *
 * Work that wants to write at the end of the turn (the pose relay's batches) runs just before the
 * uncorking, so its writes leave in the same system call as the rest of the turn's, not one turn later.
 * A task may queue another from there, for the end of the next turn.
 */
import type { Writable } from "node:stream";

export class TurnCorking {
  /** A task that threw is reported here and the others still run (and every stream is uncorked). */
  constructor(private readonly onTaskError: (error: unknown) => void = () => {}) {}

  private readonly corked = new Set<Writable>();
  private scheduled = false;
  private tasks: (() => void)[] = [];

  /** Makes every write on this stream wait for the end of the current turn. */
  attach(stream: Writable): void {
    const write = stream.write;
    stream.write = ((...args: Parameters<Writable["write"]>) => {
      this.cork(stream);
      return write.apply(stream, args);
    }) as Writable["write"];
  }

  /** Runs `task` at the end of this turn, before the corked streams are written. */
  atEndOfTurn(task: () => void): void {
    this.tasks.push(task);
    this.schedule();
  }

  private cork(stream: Writable): void {
    if (this.corked.has(stream)) return;
    stream.cork();
    this.corked.add(stream);
    this.schedule();
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.uncorkAll());
    }
  }

  private uncorkAll(): void {
    // Writes made by the tasks join this turn's corked streams (still scheduled: no new turn).
    const tasks = this.tasks;
    this.tasks = [];
    for (const task of tasks) {
      try {
        task();
      } catch (error) {
        this.onTaskError(error);
      }
    }
    this.scheduled = false;
    // Tasks queued by the tasks above are for the end of the next turn (setImmediate from here
    // runs after the loop's next poll).
    if (this.tasks.length > 0) this.schedule();
    const streams = [...this.corked];
    this.corked.clear();
    for (const stream of streams) if (!stream.destroyed) stream.uncork();
  }
}
