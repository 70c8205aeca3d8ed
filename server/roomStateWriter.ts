/**
 * Writes one room's state snapshot to storage when it changes: gathered for everyday changes
 * (comfort, Otto, members, what readings taught the alarm engine), at the next turn of the event
 * loop for safety-critical ones (procedure and alarm events), and at once, awaited, for a command
 * whose ack promises durability (`flushAsync`). Nothing here blocks: storage calls are async, and
 * a slow write only delays the promise, never the event loop.
 */
import { createLogger } from "./log.ts";
import { encodeSessionState, type SessionState } from "./roomState.ts";
import type { RoomStateRow } from "./storage/storage.ts";

const log = createLogger("room-state");

/** How soon a change must reach storage, by what changed. */
export const Urgency = {
  /** A procedure or alarm event: at the next turn of the event loop. */
  safety: "safety",
  /** Any other room event (comfort, Otto, members): gathered for a short while. */
  event: "event",
  /** Only what readings taught the alarm engine and the check-in trigger: gathered for longer. */
  readings: "readings",
} as const;
export type Urgency = (typeof Urgency)[keyof typeof Urgency];

/** How long changes of each urgency are gathered into one write, ms. */
export const ROOM_STATE_DELAY_MS: Readonly<Record<Urgency, number>> = {
  safety: 0,
  event: 250,
  readings: 2_000,
};

export interface RoomStateWriterDeps {
  roomId: string;
  appointmentId: string;
  /** The session's state at the moment of the write. */
  snapshot: () => SessionState;
  save: (row: RoomStateRow) => Promise<void>;
  now: () => number;
  /** The version of the row this session was restored from (0 for a new room). */
  lastVersion: number;
  delays?: Readonly<Record<Urgency, number>>;
}

export class RoomStateWriter {
  private version: number;
  private dirty = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  /** When the scheduled write will run (the earliest any pending change asked for). */
  private dueAt = Number.POSITIVE_INFINITY;
  private immediate: NodeJS.Immediate | null = null;
  /** The latest write; a flush with nothing new still waits for it to be durable. */
  private lastWrite: Promise<void> = Promise.resolve();
  private readonly delays: Readonly<Record<Urgency, number>>;

  constructor(private readonly deps: RoomStateWriterDeps) {
    this.version = deps.lastVersion;
    this.delays = deps.delays ?? ROOM_STATE_DELAY_MS;
  }

  /** Something changed: write within the delay its urgency allows. */
  markDirty(urgency: Urgency): void {
    if (this.closed) return;
    this.dirty = true;
    if (urgency === Urgency.safety) {
      this.immediate ??= setImmediate(() => void this.flushAsync());
      return;
    }
    const delay = this.delays[urgency];
    const due = Date.now() + delay;
    if (due >= this.dueAt) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = setTimeout(() => void this.flushAsync(), delay);
  }

  /** Writes now if anything changed; resolves once the room's latest state is stored. */
  flushAsync(): Promise<void> {
    this.cancelTimers();
    if (!this.dirty || this.closed) return this.lastWrite;
    this.dirty = false;
    const row: RoomStateRow = {
      roomId: this.deps.roomId,
      appointmentId: this.deps.appointmentId,
      version: ++this.version,
      savedAt: this.deps.now(),
      // Serialised now, synchronously: later changes belong to the next write.
      body: encodeSessionState(this.deps.snapshot()),
    };
    this.lastWrite = this.deps.save(row).catch((error: unknown) => {
      // The room goes on in memory; the next change tries again with the whole state.
      this.dirty = true;
      log.error("saving room state failed", { roomId: row.roomId, error: String(error) });
    });
    return this.lastWrite;
  }

  /** Writes what is left and stops: later changes are not written (the room is closing or reset). */
  async closeAsync(): Promise<void> {
    await this.flushAsync();
    this.closed = true;
    this.cancelTimers();
  }

  /** Stops without writing (the room's state is being discarded). */
  discard(): void {
    this.closed = true;
    this.cancelTimers();
  }

  private cancelTimers(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.dueAt = Number.POSITIVE_INFINITY;
    this.immediate = null;
  }
}
