/**
 * Closing a whole treatment room on purpose (issue 8): when its appointment is finished or
 * cancelled, every live connection in it (staff, the paired headset, observers) is told the typed
 * reason first and then cut, so each page says "this appointment has ended" instead of showing a
 * lost link and retrying. Cutting a single credential's sockets stays the gateway's job
 * (`credential_revoked`); this is for a room whose appointment is over for everyone.
 */
import { type CloseReason, ErrorCode, Ev } from "../../shared/protocol.ts";
import type { PeopleServer } from "../handshake.ts";
import { createLogger } from "../log.ts";

const log = createLogger("room-cuts");

/** What the pages of a room whose appointment ended show. */
export const APPOINTMENT_ENDED_MESSAGE = "This appointment has ended: the room is closed.";

/**
 * Tells each live connection in `roomId` why it is closed, then cuts it (the server side's
 * `disconnect(true)`: the client does not retry). The protocol error is written before the close
 * on the same connection, so it always arrives first. Returns how many were cut.
 */
export function cutRoom(
  io: PeopleServer,
  roomId: string,
  reason: CloseReason,
  message: string = APPOINTMENT_ENDED_MESSAGE,
): number {
  let cut = 0;
  for (const socketId of [...(io.sockets.adapter.rooms.get(roomId) ?? [])]) {
    const socket = io.sockets.sockets.get(socketId);
    if (!socket?.connected) continue;
    socket.emit(Ev.protocolError, { code: ErrorCode.forbidden, message, event: reason });
    socket.disconnect(true);
    cut += 1;
  }
  if (cut > 0) log.info("room closed", { room: roomId, reason, connections: cut });
  return cut;
}
