/**
 * Voice signalling for treatment rooms (issue 12), on the `/voice` namespace of the same Socket.IO
 * connection. The handshake asks the one authenticator and the pure room admission who this is,
 * exactly as the people namespace does; the voice access row (shared/access.ts) says whether the
 * role talks; the person must already be a member of the room. Offers, answers and ICE candidates
 * are parsed at the edge, rate-limited per person, and passed only to a member of the same room's
 * line. The server never sees audio.
 */
import type { Namespace, Socket } from "socket.io";
import { mayTalk } from "../../shared/access.ts";
import {
  ErrorCode,
  Ev,
  personAuthSchema,
  type VoiceClientToServerEvents,
  type VoiceServerToClientEvents,
} from "../../shared/protocol.ts";
import type { AudienceRole } from "../../shared/roles.ts";
import { describeIssue } from "../../shared/schemas.ts";
import type { IceServer } from "../../shared/voice.ts";
import type { Authenticator } from "../auth/identity.ts";
import { admitToRoom } from "../auth/roomAdmission.ts";
import type { Clinic } from "../clinic.ts";
import { describeError, guard } from "../handlerGuard.ts";
import { checkProtocolVersion, refusal } from "../handshake.ts";
import { createLogger } from "../log.ts";
import { type SeatClaims, seatKeyOf } from "../seatClaims.ts";
import type { SessionRegistry } from "../sessionRegistry.ts";
import { VOICE_EVENTS, VoiceLines } from "./voiceLine.ts";
import { VoiceSwitchboard } from "./voiceSwitchboard.ts";

const log = createLogger("voice-gateway");

interface VoiceSocketData {
  roomId: string;
  label: string;
  memberId: string;
  credentialId: string;
}

export type VoiceNamespace = Namespace<
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
  Record<string, never>,
  VoiceSocketData
>;
type VoiceSocket = Socket<
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
  Record<string, never>,
  VoiceSocketData
>;

export interface VoiceGatewayDeps {
  clinic: Clinic;
  sessions: SessionRegistry;
  authenticator: Authenticator;
  demoOn: boolean;
  iceServers: IceServer[];
  /** Which window holds each person's seat: voice follows it (server/seatClaims.ts). */
  seatClaims: SeatClaims;
  now: () => number;
}

const ROLE_LABEL: Record<AudienceRole, string> = {
  patient: "Patient",
  clinician: "Clinician",
  assistant: "Assistant",
  observer: "Observer",
  presenter: "Demo screen",
};

export function voiceLine(roomId: string): string {
  return `voice:${roomId}`;
}

/** Attaches the treatment rooms' voice signalling; returns the switchboard (for tests and logs). */
export function attachVoiceGateway(nsp: VoiceNamespace, deps: VoiceGatewayDeps): VoiceSwitchboard {
  const board = new VoiceSwitchboard();
  const lines = new VoiceLines(board, deps.iceServers, deps.now);

  nsp.use((socket, next) => {
    const admitAsync = async () => {
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const versionError = checkProtocolVersion(auth.protocolVersion);
      if (versionError) return next(versionError);
      const parsed = personAuthSchema.safeParse(auth);
      if (!parsed.success)
        return next(refusal(ErrorCode.badPayload, `Handshake: ${describeIssue(parsed.error)}`));
      const { appointmentId, pass, seat, window } = parsed.data;
      const identities = await deps.authenticator.identify({
        cookieHeader: socket.handshake.headers.cookie,
        ...(pass !== undefined ? { demoPass: pass } : {}),
      });
      const appt = deps.clinic.appointments.get(appointmentId);
      if (!appt) return next(refusal(ErrorCode.forbidden, "There is no such appointment here."));
      const admission = admitToRoom(identities, appt, {
        passSent: pass !== undefined,
        ...(seat !== undefined ? { seat } : {}),
        demoOn: deps.demoOn,
      });
      if (!admission.ok) return next(refusal(admission.error.code, admission.error.message));
      const admitted = admission.seat;
      if (!mayTalk(admitted.role)) {
        return next(
          refusal(ErrorCode.forbidden, "Voice in a treatment is for the patient and the care team."),
        );
      }
      const memberId = `m-${admitted.personId}`;
      const member = deps.sessions.forAppointment(appointmentId).room.member(memberId);
      if (!member) return next(refusal(ErrorCode.notFound, "Join the room first, then its voice."));
      // A window whose seat another window took does not take the line back (the page retries
      // on not_found, and stops once its room link says the seat is elsewhere).
      if (!deps.seatClaims.holds(seatKeyOf(admitted.roomId, admitted.personId), window))
        return next(refusal(ErrorCode.notFound, "This window does not hold the seat: voice follows it."));
      socket.data = {
        roomId: admitted.roomId,
        memberId,
        credentialId: admitted.credentialId,
        // Staff by role, never by name, to the patient (shared/access.ts `shared` sight): one label for all.
        label: ROLE_LABEL[admitted.role],
      };
      next();
    };
    admitAsync().catch((error: unknown) => {
      log.error("voice handshake threw", { error: describeError(error) });
      next(refusal(ErrorCode.internalError, "The server could not admit this voice connection."));
    });
  });

  // Only the voice line: the room's own listener cuts the connection it shares, after telling the
  // page why. `disconnect(true)` here would close that connection first, silently, and the room page
  // would retry and show the handshake's refusal instead of "You were signed out".
  deps.authenticator.onRevoked((ids) => {
    const ended = new Set(ids);
    for (const socket of nsp.sockets.values()) if (ended.has(socket.data.credentialId)) socket.disconnect();
  });

  nsp.on(
    "connection",
    guard(
      "voice connection",
      (socket: VoiceSocket) => {
        const { roomId, memberId, label } = socket.data;
        const older = lines.socketOf(roomId, memberId);
        // No treatment room has recording consent today (shared/voice.ts recordingAllowed).
        lines.open(socket, roomId, memberId, label, false);
        // Only the older window's voice line: `disconnect(true)` would close the whole connection it
        // shares with that window's room socket, which then reconnects and takes the seat back.
        // The same window coming back over the same connection (a second CONNECT before the first
        // was answered) is left alone: Socket.IO already routes that window's packets to the new
        // socket, and a DISCONNECT sent for the old one would end the new one in the browser.
        if (older && older.id !== socket.id) {
          const olderSocket = nsp.sockets.get(older.id);
          if (olderSocket?.conn === socket.conn)
            for (const r of [...olderSocket.rooms]) void olderSocket.leave(r);
          else older.disconnect();
        }
        void socket.join(voiceLine(roomId));
        socket.onAny(
          guard(
            "voice any",
            (event: unknown) => {
              const name = String(event);
              if (VOICE_EVENTS.includes(name)) return;
              socket.emit(Ev.protocolError, {
                code: ErrorCode.unknownEvent,
                message: `Unknown event "${name.slice(0, 40)}".`,
                event: name.slice(0, 64),
              });
            },
            () => undefined,
          ),
        );
        socket.on("disconnect", () => lines.close(socket, roomId, memberId));
      },
      (_error, [socket]) => socket.disconnect(),
    ),
  );
  return board;
}
