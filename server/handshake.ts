/**
 * The handshake, for people and devices alike: who a connection is once admitted, the version
 * check that comes before any state flows, and the typed refusal every rejected handshake carries.
 */
import type { IncomingMessage } from "node:http";
import type { Server } from "socket.io";
import {
  type ClientToServerEvents,
  type ConnectRefusal,
  ErrorCode,
  PROTOCOL_VERSION,
  type ServerToClientEvents,
} from "../shared/protocol.ts";
import { AdmissionQueue } from "./admissionQueue.ts";
import type { RoomSeat } from "./auth/roomAdmission.ts";

/** What the people handshake attaches to an admitted socket. */
export interface PeopleSocketData {
  /** Who the connection is in its room, decided by server/auth/roomAdmission.ts. */
  seat: RoomSeat;
  displayName: string;
  memberId: string;
  /** The page's window id (`PersonAuth.window`), when it sent one: server/seatClaims.ts. */
  window?: string;
}
export type PeopleServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  PeopleSocketData
>;

/** An error for `next(...)` in a Socket.IO middleware; the client reads `data` in `connect_error`. */
export function refusal(
  code: ConnectRefusal["code"],
  message: string,
  retryAfterMs?: number,
): Error & { data: ConnectRefusal } {
  const data: ConnectRefusal =
    retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs };
  return Object.assign(new Error(message), { data });
}

/** The sender (an identity or an address) is in a back-off period; a good client waits retryAfterMs. */
export function refusedForNow(retryAfterMs: number): Error & { data: ConnectRefusal } {
  const wait = Math.ceil(retryAfterMs);
  return refusal(
    ErrorCode.refusedForNow,
    `Too many connections or invalid messages: try again in ${Math.ceil(wait / 1000)} s.`,
    wait,
  );
}

/** Version check first, with a message that says which side is too old. */
export function checkProtocolVersion(version: unknown): Error | null {
  if (typeof version !== "number" || !Number.isInteger(version) || version < PROTOCOL_VERSION) {
    return refusal(
      ErrorCode.clientTooOld,
      `This page is older than the server (protocol ${String(version)}, server ${PROTOCOL_VERSION}): reload the page.`,
    );
  }
  if (version > PROTOCOL_VERSION) {
    return refusal(
      ErrorCode.serverTooOld,
      `The server is older than this page (server protocol ${PROTOCOL_VERSION}, page ${version}): ask the clinic to update the server.`,
    );
  }
  return null;
}

/** The peer's address as one key: IPv4-mapped IPv6 ("::ffff:10.0.0.5") folds into plain IPv4. */
export function remoteAddress(raw: string | undefined): string {
  if (!raw) return "unknown";
  return raw.startsWith("::ffff:") ? raw.slice(7) : raw;
}

/** Engine.IO's `allowRequest` hook: `success` false refuses the handshake with `err`. */
export type AllowSocketRequest = (
  req: IncomingMessage,
  callback: (err: string | null | undefined, success: boolean) => void,
) => void;

/** New connections whose WebSocket upgrade and Engine.IO handshake run in one turn of the event loop. */
export const HANDSHAKES_PER_TURN = 8;

/**
 * Lets allowed socket handshakes through a few per turn of the event loop. When hundreds of clients
 * connect at once, their upgrade requests arrive in the same poll of the loop, and completing each
 * (the WebSocket upgrade, Engine.IO's session and open packet, Socket.IO's client) there held the
 * loop for tens of milliseconds in one piece: every other room waited. The check itself (`allow`,
 * Host and Origin) still runs at once, so a refused handshake is answered at once; an allowed one
 * completes a few turns later instead. Nothing is refused for being in a crowd.
 */
export function pacedHandshakes(
  allow: AllowSocketRequest,
  queue = new AdmissionQueue(HANDSHAKES_PER_TURN),
): AllowSocketRequest {
  return (req, callback) =>
    allow(req, (err, success) => {
      if (!success) return callback(err, success);
      queue.admit(() => callback(err, success));
    });
}
