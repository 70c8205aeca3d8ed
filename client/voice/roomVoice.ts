/**
 * Voice in a treatment room: opens the `/voice` namespace on the page's existing Socket.IO
 * connection (same WebSocket, same handshake as the room) and keeps this window's voice with its
 * seat. It goes on the line as soon as the room link is live (and tries again shortly when the
 * room is not joined yet, or the link drops), leaves it when another window takes the seat (the
 * microphone let go), and comes back by itself when "Use it here" takes the seat back. One
 * connection attempt at a time: a second CONNECT on the same link would make the server retire the
 * first socket. Roles that do not talk in a treatment (shared/access.ts VOICE_ACCESS) get no voice
 * strip at all.
 */
import { io, type Socket } from "socket.io-client";
import { mayTalk } from "../../shared/access.ts";
import {
  type ConnectRefusal,
  ErrorCode,
  type PersonAuth,
  VOICE_NAMESPACE,
  type VoiceClientToServerEvents,
  type VoiceServerToClientEvents,
} from "../../shared/protocol.ts";
import { AUDIENCE_ROLES, type AudienceRole } from "../../shared/roles.ts";
import type { LinkKind } from "../linkState.ts";
import { onRoomLink } from "./roomLinkSignal.ts";
import { VoiceSession } from "./voiceSession.ts";

const RETRY_MS = 1_500;

/** Room link states in which this window holds no seat: its voice stays off the line. */
const SEAT_GONE: readonly LinkKind[] = ["replaced", "refused", "closed"];

/** Starts voice for a room page whose role is `role`; null when that role has no voice here. */
export function startRoomVoice(root: HTMLElement, auth: PersonAuth, role: string): VoiceSession | null {
  if (!(AUDIENCE_ROLES as readonly string[]).includes(role) || !mayTalk(role as AudienceRole)) return null;
  const socket: Socket<VoiceServerToClientEvents, VoiceClientToServerEvents> = io(VOICE_NAMESPACE, {
    auth,
    transports: ["websocket"],
    reconnection: false,
    // Connects at once (autoConnect): the room's link shares this Manager and its autoConnect, so
    // turning it off here would leave the room's own socket unconnected.
    // The same routing hint as the room's link. Whichever socket opens the
    // shared connection first sets its query, and this one usually does.
    query: { room: auth.appointmentId },
  });
  // The patient's STOP and step line sit at the bottom, the desk's link status at the top left.
  const session = new VoiceSession(socket, root, role === "patient" ? "top-right" : "bottom-left");
  /** This window should be on the line: its seat is not held elsewhere and no refusal stands. */
  let wanted = true;
  /** A CONNECT is out and not yet answered (the first one went as the socket was made). */
  let connecting = true;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const connect = () => {
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
    if (!wanted || connecting || socket.connected) return;
    connecting = true;
    socket.connect();
  };
  const retry = () => {
    if (wanted && retryTimer === null) retryTimer = setTimeout(connect, RETRY_MS);
  };
  const off = (kind: LinkKind) => {
    wanted = false;
    connecting = false;
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
    socket.disconnect();
    session.lineDown(kind, true);
    session.bar.setStatus(kind === "replaced" ? "Voice is with your other window." : "Voice is off.");
  };

  socket.on("connect", () => {
    connecting = false;
  });
  socket.on("connect_error", (err) => {
    connecting = false;
    const data = (err as Error & { data?: ConnectRefusal }).data;
    // Not a member yet (the room's own link is still joining), or a dropped link: try again.
    if (!data || data.code === ErrorCode.notFound || data.code === ErrorCode.refusedForNow) retry();
    else {
      wanted = false;
      session.bar.setStatus(`Voice is off: ${data.message}`);
    }
  });
  socket.on("disconnect", (reason) => {
    connecting = false;
    if (reason === "io client disconnect") return;
    session.lineDown(reason, false);
    // The server cut it on purpose (another window's voice took the line, the credential ended):
    // wait until this window's room link is live again, which "Use it here" brings.
    if (reason === "io server disconnect") return;
    // A dropped link: let go of the socket's own wait for the connection to reopen (it would send
    // a CONNECT of its own beside ours), and come back when the room link does, or shortly.
    socket.disconnect();
    retry();
  });
  onRoomLink((kind) => {
    if (kind === "connected") {
      wanted = true;
      connect();
    } else if (SEAT_GONE.includes(kind)) off(kind);
  });
  addEventListener("pagehide", () => {
    wanted = false;
    socket.disconnect();
  });
  return session;
}
