/**
 * The page's link to the server as a small state machine, with its reconnect policy. Pure: the
 * connection module feeds it what Socket.IO reports and carries out the step it returns (connect
 * now, retry after a delay, or stay put). Every page uses it, so every page comes back the same way.
 */
import { type ConnectRefusal, ErrorCode } from "../shared/protocol.ts";

export type LinkStatus =
  /** First connection attempt of this page. */
  | { kind: "connecting" }
  | { kind: "connected" }
  /** Lost or not yet regained; the next try is scheduled. `refusal` when the server said "not now". */
  | { kind: "reconnecting"; attempt: number; retryInMs: number; refusal: ConnectRefusal | null }
  /** The server will not admit this page as it is (bad or expired link, wrong version): no retries. */
  | { kind: "refused"; refusal: ConnectRefusal }
  /** The same person opened the room in another window, which now holds the seat: no retries. */
  | { kind: "replaced" }
  /** The page closed its link on purpose (it is being left). */
  | { kind: "closed" };
export type LinkKind = LinkStatus["kind"];

export type LinkInput =
  | { type: "connected" }
  /** The link dropped, whoever closed it (server restart, network, server-side disconnect). */
  | { type: "disconnected" }
  /** A connection attempt failed; `refusal` is the server's reason when it gave one. */
  | { type: "connect_failed"; refusal: ConnectRefusal | null }
  /** The server said another window took this seat. */
  | { type: "replaced" }
  /** The person chose "Use it here" in a replaced window. */
  | { type: "take_back" }
  | { type: "close" };

/** What the connection must do after a step. */
export type LinkAction = { type: "none" } | { type: "connect" } | { type: "retry"; afterMs: number };

export interface LinkStep {
  status: LinkStatus;
  action: LinkAction;
}

/** Backoff between tries: doubling from BASE to MAX, with jitter so a clinic's pages do not return in lockstep. */
export const RECONNECT = { baseMs: 250, maxMs: 2_000 } as const;

/** Refusals that no retry can fix: the person needs a new link or a new page. */
const FINAL_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.tokenMissing,
  ErrorCode.tokenInvalid,
  ErrorCode.tokenExpired,
  ErrorCode.forbidden,
  ErrorCode.clientTooOld,
  ErrorCode.serverTooOld,
]);

/** Delay before try number `attempt` (0-based); `random` in [0, 1). */
export function backoffMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(RECONNECT.maxMs, RECONNECT.baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** Whether a refusal ends retrying for good. */
export function isFinalRefusal(refusal: ConnectRefusal): boolean {
  return FINAL_REFUSALS.has(refusal.code);
}

const NONE: LinkAction = { type: "none" };

/** Whether the link needs no more work from the page (nothing to retry). */
function settled(status: LinkStatus): boolean {
  return status.kind === "refused" || status.kind === "replaced" || status.kind === "closed";
}

export function nextLink(status: LinkStatus, input: LinkInput, random: () => number): LinkStep {
  switch (input.type) {
    case "connected":
      if (status.kind === "closed") return { status, action: NONE };
      return { status: { kind: "connected" }, action: NONE };
    case "disconnected":
      if (settled(status)) return { status, action: NONE };
      return retry(status.kind === "reconnecting" ? status.attempt + 1 : 0, null, random);
    case "connect_failed": {
      if (settled(status)) return { status, action: NONE };
      const attempt = status.kind === "reconnecting" ? status.attempt + 1 : 0;
      const refusal = input.refusal;
      if (refusal && isFinalRefusal(refusal)) return { status: { kind: "refused", refusal }, action: NONE };
      // Another window took the seat while this one was away: as if replaced, never retried by itself.
      if (refusal?.code === ErrorCode.seatElsewhere) return { status: { kind: "replaced" }, action: NONE };
      if (refusal?.code === ErrorCode.refusedForNow && refusal.retryAfterMs !== undefined) {
        // The server names the wait: trying sooner would only extend the back-off.
        const afterMs = Math.max(0, Math.ceil(refusal.retryAfterMs));
        return {
          status: { kind: "reconnecting", attempt, retryInMs: afterMs, refusal },
          action: { type: "retry", afterMs },
        };
      }
      return retry(attempt, refusal, random);
    }
    case "replaced":
      if (status.kind === "closed") return { status, action: NONE };
      return { status: { kind: "replaced" }, action: NONE };
    case "take_back":
      if (status.kind !== "replaced") return { status, action: NONE };
      return { status: { kind: "connecting" }, action: { type: "connect" } };
    case "close":
      return { status: { kind: "closed" }, action: NONE };
  }
}

function retry(attempt: number, refusal: ConnectRefusal | null, random: () => number): LinkStep {
  const afterMs = backoffMs(attempt, random);
  return {
    status: { kind: "reconnecting", attempt, retryInMs: afterMs, refusal },
    action: { type: "retry", afterMs },
  };
}

/** Whether actions that need the server can be offered now. */
export function isLive(status: LinkStatus): boolean {
  return status.kind === "connected";
}
