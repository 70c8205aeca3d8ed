/**
 * The handshake, for people and devices alike: who a connection is once admitted, the version
 * check that comes before any state flows, and the typed refusal every rejected handshake carries.
 */
import type { Server } from "socket.io";
import {
  type ClientToServerEvents,
  type ConnectRefusal,
  ErrorCode,
  PROTOCOL_VERSION,
  type ServerToClientEvents,
} from "../shared/protocol.ts";
import type { RoomSeat } from "./auth/roomAdmission.ts";

/** What the people handshake attaches to an admitted socket. */
export interface PeopleSocketData {
  /** Who the connection is in its room, decided by server/auth/roomAdmission.ts. */
  seat: RoomSeat;
  displayName: string;
  memberId: string;
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
