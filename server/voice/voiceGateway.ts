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
  type ProtocolError,
  personAuthSchema,
  type VoiceClientToServerEvents,
  VoiceEv,
  type VoiceServerToClientEvents,
} from "../../shared/protocol.ts";
import type { AudienceRole } from "../../shared/roles.ts";
import { describeIssue } from "../../shared/schemas.ts";
import {
  type IceServer,
  voiceDescriptionSchema,
  voiceIceSchema,
  voiceMuteSchema,
} from "../../shared/voice.ts";
import type { Authenticator } from "../auth/identity.ts";
import { admitToRoom } from "../auth/roomAdmission.ts";
import type { Clinic } from "../clinic.ts";
import { describeError, guard } from "../handlerGuard.ts";
import { checkProtocolVersion, refusal } from "../handshake.ts";
import { createLogger } from "../log.ts";
import { TokenBucket } from "../rateLimit.ts";
import type { SessionRegistry } from "../sessionRegistry.ts";
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
  now: () => number;
}

/** Signals a person may send: a call set-up is a few offers and a dozen candidates per peer. */
export const VOICE_SIGNAL_RATE = { perSecond: 20, burst: 80 } as const;

export const voiceStats = { relayed: 0, rejected: 0, rateLimited: 0 };

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
  /** The live voice socket of each member, by room and member. */
  const lines = new Map<string, VoiceSocket>();
  const buckets = new Map<string, TokenBucket>();

  nsp.use((socket, next) => {
    const admitAsync = async () => {
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const versionError = checkProtocolVersion(auth.protocolVersion);
      if (versionError) return next(versionError);
      const parsed = personAuthSchema.safeParse(auth);
      if (!parsed.success)
        return next(refusal(ErrorCode.badPayload, `Handshake: ${describeIssue(parsed.error)}`));
      const { appointmentId, pass, seat } = parsed.data;
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

  deps.authenticator.onRevoked((ids) => {
    const ended = new Set(ids);
    for (const socket of nsp.sockets.values())
      if (ended.has(socket.data.credentialId)) socket.disconnect(true);
  });

  const announce = (roomId: string) => {
    for (const memberId of board.members(roomId)) {
      lines.get(`${roomId}|${memberId}`)?.emit(VoiceEv.peers, board.peersOf(roomId, memberId));
    }
  };

  nsp.on(
    "connection",
    guard(
      "voice connection",
      (socket: VoiceSocket) => {
        const { roomId, memberId } = socket.data;
        const key = `${roomId}|${memberId}`;
        const older = lines.get(key);
        lines.set(key, socket);
        if (older && older.id !== socket.id) older.disconnect(true);
        board.connect(roomId, memberId, socket.data.label);
        void socket.join(voiceLine(roomId));
        let bucket = buckets.get(key);
        if (!bucket) {
          bucket = new TokenBucket(VOICE_SIGNAL_RATE.perSecond, VOICE_SIGNAL_RATE.burst, deps.now);
          buckets.set(key, bucket);
        }
        const limit = bucket;
        socket.emit(VoiceEv.welcome, {
          you: memberId,
          iceServers: deps.iceServers,
          // No treatment room has recording consent today (shared/voice.ts recordingAllowed).
          recording: false,
          peers: board.peersOf(roomId, memberId),
        });
        announce(roomId);

        const refuse = (event: string, error: ProtocolError) => {
          voiceStats.rejected += 1;
          socket.emit(Ev.protocolError, { ...error, event: event.slice(0, 64) });
        };
        const relay = (event: typeof VoiceEv.offer | typeof VoiceEv.answer | typeof VoiceEv.ice) =>
          guard(
            event,
            (payload: unknown) => {
              if (!limit.take()) {
                voiceStats.rateLimited += 1;
                return refuse(event, {
                  code: ErrorCode.rateLimited,
                  message: "Voice signals are sent too often.",
                });
              }
              if (event === VoiceEv.ice) {
                const parsed = voiceIceSchema.safeParse(payload);
                if (!parsed.success)
                  return refuse(event, { code: ErrorCode.badPayload, message: describeIssue(parsed.error) });
                if (!board.mayRelay(roomId, memberId, parsed.data.to)) {
                  return refuse(event, {
                    code: ErrorCode.forbidden,
                    message: "That person is not on this room's voice.",
                  });
                }
                voiceStats.relayed += 1;
                lines
                  .get(`${roomId}|${parsed.data.to}`)
                  ?.emit(event, { from: memberId, candidate: parsed.data.candidate });
                return;
              }
              const parsed = voiceDescriptionSchema.safeParse(payload);
              if (!parsed.success)
                return refuse(event, { code: ErrorCode.badPayload, message: describeIssue(parsed.error) });
              if (!board.mayRelay(roomId, memberId, parsed.data.to)) {
                return refuse(event, {
                  code: ErrorCode.forbidden,
                  message: "That person is not on this room's voice.",
                });
              }
              voiceStats.relayed += 1;
              lines.get(`${roomId}|${parsed.data.to}`)?.emit(event, { from: memberId, sdp: parsed.data.sdp });
            },
            () =>
              refuse(event, {
                code: ErrorCode.internalError,
                message: "The server could not pass this signal on.",
              }),
          );
        socket.on(VoiceEv.offer, relay(VoiceEv.offer));
        socket.on(VoiceEv.answer, relay(VoiceEv.answer));
        socket.on(VoiceEv.ice, relay(VoiceEv.ice));
        socket.on(
          VoiceEv.mute,
          guard(
            VoiceEv.mute,
            (payload: unknown) => {
              if (!limit.take())
                return refuse(VoiceEv.mute, { code: ErrorCode.rateLimited, message: "Too many changes." });
              const parsed = voiceMuteSchema.safeParse(payload);
              if (!parsed.success)
                return refuse(VoiceEv.mute, {
                  code: ErrorCode.badPayload,
                  message: describeIssue(parsed.error),
                });
              board.setMuted(roomId, memberId, parsed.data.muted);
              announce(roomId);
            },
            () =>
              refuse(VoiceEv.mute, {
                code: ErrorCode.internalError,
                message: "The server could not note this.",
              }),
          ),
        );
        socket.onAny(
          guard(
            "voice any",
            (event: unknown) => {
              const name = String(event);
              if ((Object.values(VoiceEv) as string[]).includes(name)) return;
              refuse(name, {
                code: ErrorCode.unknownEvent,
                message: `Unknown event "${name.slice(0, 40)}".`,
              });
            },
            () => undefined,
          ),
        );
        socket.on("disconnect", () => {
          if (lines.get(key) !== socket) return;
          lines.delete(key);
          board.disconnect(roomId, memberId);
          announce(roomId);
        });
      },
      (_error, [socket]) => socket.disconnect(true),
    ),
  );
  return board;
}
