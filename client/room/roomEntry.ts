/**
 * How the room page gets in, with no credential in its URL: `/room.html?appointment=<id>` enters
 * with the cookies this browser holds (a staff session, a paired headset, an observer's
 * invitation), and the server says which seat they give (`GET /api/rooms/:id/seat`). With `&as=<role>`
 * (the demo clinic) it asks for a demo pass in a JSON body, keeps it in this tab's sessionStorage,
 * and sends it in the socket handshake. The server decides the role either way; the page only
 * picks its view from the answer.
 */
import type { ApiError } from "../../shared/apiErrors.ts";
import type { DemoPass, RoomSeatView } from "../../shared/httpSchemas.ts";
import { type PersonAuth, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { INVITE_ROLES, type InviteRole } from "../../shared/roles.ts";

/** What the room page needs to open a view and connect. */
export interface RoomEntry {
  auth: PersonAuth;
  role: string;
}

export type EntryOutcome =
  | { ok: true; entry: RoomEntry }
  | { ok: false; title: string; detail: string; signIn: boolean };

/** Refresh a kept pass this long before it expires, so a reconnect never presents an expired one. */
const PASS_MARGIN_MS = 10 * 60_000;

function passKey(appointmentId: string, role: string): string {
  return `chairside.demoPass.${appointmentId}.${role}`;
}

/** The tab's demo pass for a role, fetched once and kept in sessionStorage (never in the URL). */
export async function demoPassAsync(appointmentId: string, role: InviteRole): Promise<DemoPass | ApiError> {
  const kept = sessionStorage.getItem(passKey(appointmentId, role));
  if (kept) {
    const pass = JSON.parse(kept) as DemoPass;
    if (pass.expiresAt - PASS_MARGIN_MS > Date.now()) return pass;
  }
  const response = await fetch("/api/demo/pass", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ appointmentId, role }),
  });
  const body = (await response.json().catch(() => null)) as DemoPass | ApiError | null;
  if (!response.ok || !body || "error" in body) {
    return body && "error" in body
      ? body
      : { error: { code: "not_found", message: "The demo is turned off on this server." } };
  }
  sessionStorage.setItem(passKey(appointmentId, role), JSON.stringify(body));
  return body;
}

/** Reads `?appointment=` (and `as` for the demo) and finds out how this page enters the room. */
export async function enterRoomAsync(params: URLSearchParams): Promise<EntryOutcome> {
  const appointmentId = params.get("appointment");
  if (!appointmentId) {
    return {
      ok: false,
      title: "No room chosen",
      detail: "Open a room from today's appointments, or pick a role of the demo clinic on the start page.",
      signIn: false,
    };
  }
  const as = params.get("as");
  if (as !== null) {
    if (!(INVITE_ROLES as readonly string[]).includes(as)) {
      return {
        ok: false,
        title: "Unknown role",
        detail: `"${as}" is not a role of the demo clinic.`,
        signIn: false,
      };
    }
    const pass = await demoPassAsync(appointmentId, as as InviteRole);
    if ("error" in pass) {
      return {
        ok: false,
        title: "The demo cannot open this room",
        detail: pass.error.message,
        signIn: false,
      };
    }
    return {
      ok: true,
      entry: { auth: { protocolVersion: PROTOCOL_VERSION, appointmentId, pass: pass.pass }, role: as },
    };
  }
  const response = await fetch(`/api/rooms/${encodeURIComponent(appointmentId)}/seat`);
  const body = (await response.json().catch(() => null)) as RoomSeatView | ApiError | null;
  if (!response.ok || !body || "error" in body) {
    const message = body && "error" in body ? body.error.message : `The server answered ${response.status}.`;
    return {
      ok: false,
      title: titleFor(response.status),
      detail: message,
      signIn: response.status === 401,
    };
  }
  return { ok: true, entry: { auth: { protocolVersion: PROTOCOL_VERSION, appointmentId }, role: body.role } };
}

/** The heading of the page that replaces the room when the server says no, in plain words. */
function titleFor(status: number): string {
  switch (status) {
    case 401:
      return "Please sign in";
    case 404:
      return "There is no such appointment";
    default:
      return "You cannot enter this room";
  }
}
