/**
 * Socket.IO's connection-state recovery: a connection that drops for a moment (a Wi-Fi hiccup, a
 * node's transport cut) comes back with the same socket id, its rooms, and every non-volatile
 * event it missed, replayed in order by the adapter (in memory on one server, the Redis stream
 * across nodes). Its room then needs no fresh snapshot: the welcome is skipped and the page keeps
 * its view. The handshake's checks still run on a recovered connection (skipMiddlewares: false),
 * so a credential revoked meanwhile is refused as on any connect, and the connection handler runs
 * (the seat is taken again, the member is back). The room's sequence numbers stay the fallback: a
 * session too old to recover, or any gap, ends in the welcome or a snapshot as before.
 */
import type { PeopleServer } from "./handshake.ts";

/** What of a people connection the hold needs. */
interface DroppableSocket {
  readonly id: string;
  readonly recovered: boolean;
  readonly rooms: ReadonlySet<string>;
  on(event: "disconnecting", listener: (reason: string) => void): unknown;
}

/** The server's `connectionStateRecovery` option. */
export const CONNECTION_RECOVERY = {
  /**
   * Long enough for a headset's dropped link to be noticed (ping 2 s + 3 s) and retried; short, as
   * the adapter keeps every broadcast packet (poses too) this long, plus up to a minute to its sweep.
   * A later return gets the welcome, as before.
   */
  maxDisconnectionDuration: 10_000,
  skipMiddlewares: false,
} as const;

/**
 * Whether a connection resumes its session: recovered by Socket.IO, and still the same member. A
 * connection cut on purpose (its room moved to another node) had its member cleared before the cut,
 * so it gets a full welcome from the room's new owner.
 */
export function resumesSession(
  socket: { readonly recovered: boolean; readonly data: { memberId?: string } },
  memberId: string,
): boolean {
  return socket.recovered && socket.data.memberId === memberId;
}

/**
 * Socket.IO's client puts its session id and last offset (`pid`, `offset`) into the handshake's
 * auth to ask for recovery. Socket.IO has read them by the time any middleware runs; every
 * namespace's own handshake schema is strict, so they are taken off first, before it reads the auth.
 */
export function withoutRecoveryFields(socket: { handshake: { auth: Record<string, unknown> } }): void {
  const auth = socket.handshake.auth;
  if (auth && typeof auth === "object") {
    delete auth.pid;
    delete auth.offset;
  }
}

/** Disconnect reasons after which Socket.IO keeps the session for recovery (its own list). */
const RECOVERABLE = new Set(["transport error", "transport close", "forced close", "ping timeout"]);
const holdOf = (socketId: string): string => `recovering:${socketId}`;

/**
 * Keeps a dropped connection's rooms addressed until it recovers or its session expires. The
 * room's fan-out skips a role's Socket.IO room when nobody is in it (server/sessionRegistry.ts):
 * with its only member dropped, the events it would miss would never be sent, so never stored
 * for replay. A placeholder id (no socket has it) stands in for the dropped connection meanwhile.
 */
export function holdRoomsWhileRecovering(io: PeopleServer, socket: DroppableSocket): void {
  const adapter = io.sockets.adapter;
  const hold = holdOf(socket.id);
  if (socket.recovered) adapter.delAll(hold);
  socket.on("disconnecting", (reason: string) => {
    if (!RECOVERABLE.has(reason)) return;
    adapter.addAll(hold, new Set([...socket.rooms].filter((room) => room !== socket.id)));
    setTimeout(() => adapter.delAll(hold), CONNECTION_RECOVERY.maxDisconnectionDuration).unref();
  });
}
