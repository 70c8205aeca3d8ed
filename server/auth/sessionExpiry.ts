/**
 * A timer per live staff session (issue 8): a session ends after 30 idle minutes or 12 hours, and
 * a socket that rides on it must be cut at that moment, not at the gateway's next 5-minute
 * re-check. Each session a connection presents is watched: at its end time the stored session is
 * read again (a request may have moved its idle clock since), and either it is over (removed, and
 * its sockets cut through the revocation listeners) or the timer is set for its new end.
 *
 * The clock and the timers are injected, so the tests move time instead of waiting for it.
 */
import { createLogger } from "../log.ts";
import type { StaffSession, StaffSessions } from "./staffSessions.ts";

const log = createLogger("session-expiry");

/** The timer functions the expiry uses (the real ones by default; tests pass a manual clock). */
export interface Timers {
  setTimeout(fire: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setTimeout(fire, ms) {
    const t = setTimeout(fire, ms);
    // A watched session never keeps the process alive.
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export class SessionExpiry {
  private readonly watched = new Map<string, { endsAt: number; handle: unknown }>();

  constructor(
    private readonly sessions: StaffSessions,
    /** Called with the ids of sessions that just ran out (their sockets are cut). */
    private readonly onExpired: (sessionIds: readonly string[]) => void,
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = REAL_TIMERS,
  ) {}

  /** Sets (or moves) the session's timer to the moment it ends if nothing moves its idle clock. */
  watch(session: Pick<StaffSession, "sessionId" | "createdAt" | "lastSeenAt">): void {
    this.watchUntil(session.sessionId, this.sessions.endsAt(session));
  }

  /** The session ended another way (sign-out, account disabled): no timer for it any more. */
  forget(sessionIds: readonly string[]): void {
    for (const id of sessionIds) {
      const w = this.watched.get(id);
      if (w) this.timers.clearTimeout(w.handle);
      this.watched.delete(id);
    }
  }

  /** How many sessions have a timer (for tests and stats). */
  get size(): number {
    return this.watched.size;
  }

  dispose(): void {
    this.forget([...this.watched.keys()]);
  }

  private watchUntil(sessionId: string, endsAt: number): void {
    const old = this.watched.get(sessionId);
    if (old?.endsAt === endsAt) return;
    if (old) this.timers.clearTimeout(old.handle);
    const handle = this.timers.setTimeout(
      () => {
        this.fireAsync(sessionId).catch((error: unknown) =>
          log.error("session expiry check failed", { error: String(error) }),
        );
      },
      Math.max(0, endsAt - this.now()),
    );
    this.watched.set(sessionId, { endsAt, handle });
  }

  private async fireAsync(sessionId: string): Promise<void> {
    this.watched.delete(sessionId);
    const endsAt = await this.sessions.endIfOver(sessionId);
    if (endsAt === null) {
      log.info("staff session ran out", { sessionId: sessionId.slice(0, 8) });
      this.onExpired([sessionId]);
    } else {
      this.watchUntil(sessionId, endsAt);
    }
  }
}
