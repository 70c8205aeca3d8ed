/**
 * Voice in a treatment room: opens the `/voice` namespace on the page's existing Socket.IO
 * connection (same WebSocket, same handshake as the room), and keeps it up: a refusal because the
 * room is not joined yet, or a dropped link, tries again shortly. Roles that do not talk in a
 * treatment (shared/access.ts VOICE_ACCESS) get no voice strip at all.
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
import { VoiceSession } from "./voiceSession.ts";

const RETRY_MS = 1_500;

/** Starts voice for a room page whose role is `role`; null when that role has no voice here. */
export function startRoomVoice(root: HTMLElement, auth: PersonAuth, role: string): VoiceSession | null {
  if (!(AUDIENCE_ROLES as readonly string[]).includes(role) || !mayTalk(role as AudienceRole)) return null;
  const socket: Socket<VoiceServerToClientEvents, VoiceClientToServerEvents> = io(VOICE_NAMESPACE, {
    auth,
    transports: ["websocket"],
    reconnection: false,
  });
  // The patient's STOP and step line sit at the bottom, the desk's link status at the top left.
  const session = new VoiceSession(socket, root, role === "patient" ? "top-right" : "bottom-left");
  let stopped = false;
  const retry = () => {
    if (!stopped) setTimeout(() => socket.connect(), RETRY_MS);
  };
  socket.on("connect_error", (err) => {
    const data = (err as Error & { data?: ConnectRefusal }).data;
    // Not a member yet (the room's own link is still joining), or a dropped link: try again.
    if (!data || data.code === ErrorCode.notFound || data.code === ErrorCode.refusedForNow) retry();
    else {
      stopped = true;
      session.bar.setStatus(`Voice is off: ${data.message}`);
    }
  });
  socket.on("disconnect", (reason) => {
    // The server cut it on purpose (credential ended, another window took the seat): stay off.
    if (reason !== "io client disconnect" && reason !== "io server disconnect") retry();
  });
  addEventListener("pagehide", () => {
    stopped = true;
    socket.disconnect();
  });
  return session;
}
