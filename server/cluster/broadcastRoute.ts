/**
 * Which broadcasts leave this node. With the Redis Streams adapter every broadcast is written to
 * one Redis stream that every node reads and decodes, and even this node's own sockets get a
 * broadcast only once Redis has answered the write (the adapter waits for the entry's id: the
 * recovery offset that Socket.IO's client resumes from). Two kinds of packet are kept off it:
 *
 * - **A packet for one connection of this node** (with connection-state recovery on, Socket.IO
 *   sends even a `socket.emit` through the adapter). Waiting for Redis, a message followed at once
 *   by a disconnect ("You joined from another window", a revoked credential) would be lost. It is
 *   delivered here at once, except a connection's **welcome and the poses sent with it**: their
 *   stream entry is the connection's first recovery offset, so a member whose link drops before
 *   any room event reached it (a headset losing Wi-Fi in its first second) still resumes, on any
 *   node, instead of coming back to a full welcome. The two keep their order on one route.
 * - **A pose batch for an owned room that no member joined from another node.** Pose batches are
 *   most of the traffic (a batch per arrival, 30–72 Hz per person) and recovery does not replay
 *   them (a keyframe a second resyncs poses; the batches between are sent outside recovery,
 *   `volatile: false`, by server/sessionRegistry.ts). Measured with bench:scale's rooms per node,
 *   a room event (a patient's STOP) waited behind those writes on the adapter's Redis connection
 *   and the nodes spent their time decoding each other's poses. A room with a member on another
 *   node keeps the stream, so that member still gets every batch; keyframes keep it too, for
 *   their offsets.
 *
 * Nothing else changes route: room events keep their stream entry, which recovery across nodes needs.
 */
import type { Namespace } from "socket.io";
import { Ev } from "../../shared/protocol.ts";

export interface BroadcastOpts {
  rooms: Set<string>;
  except: Set<string>;
  flags?: Record<string, unknown>;
}

const dataOf = (packet: unknown): unknown => (packet as { data?: unknown } | null)?.data;

/** The frames a connection gets as it joins, which take the stream for their recovery offset. */
const JOIN_FRAMES: ReadonlySet<unknown> = new Set([Ev.welcome, Ev.poses]);

/** Whether a broadcast is for one connection of this node, and not one of its join frames. */
export function forOwnSocketNow(
  packet: unknown,
  opts: BroadcastOpts,
  isOwnSocket: (id: string) => boolean,
): boolean {
  const [only] = opts.rooms;
  if (opts.rooms.size !== 1 || opts.except.size !== 0 || only === undefined || !isOwnSocket(only))
    return false;
  const data = dataOf(packet);
  return !(Array.isArray(data) && JOIN_FRAMES.has(data[0]));
}

/** Whether a broadcast is a relayed pose batch (outside recovery) for one room whose members are all here. */
export function posesStayHere(
  packet: unknown,
  opts: BroadcastOpts,
  roomStaysHere: (roomId: string) => boolean,
): boolean {
  const data = dataOf(packet);
  if (!Array.isArray(data) || data[0] !== Ev.poses || opts.rooms.size !== 1) return false;
  if (opts.flags?.volatile !== false) return false;
  const [roomId] = opts.rooms;
  return roomId !== undefined && roomStaysHere(roomId);
}

/** The adapter, with the packets above delivered on this node only (Socket.IO's `local` flag). */
export function routeBroadcasts<A extends { broadcast(packet: unknown, opts: BroadcastOpts): unknown }>(
  adapter: A,
  nsp: Pick<Namespace, "name" | "sockets">,
  roomStaysHere: (roomId: string) => boolean,
): A {
  const broadcast = adapter.broadcast.bind(adapter);
  const isOwnSocket = (id: string) => nsp.sockets.has(id);
  adapter.broadcast = (packet, opts) => {
    const local =
      forOwnSocketNow(packet, opts, isOwnSocket) ||
      (nsp.name === "/" && posesStayHere(packet, opts, roomStaysHere));
    return broadcast(packet, local ? { ...opts, flags: { ...opts.flags, local: true } } : opts);
  };
  return adapter;
}
