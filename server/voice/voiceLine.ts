/**
 * One member's voice line on a server socket, the same for a treatment room and a support group:
 * the welcome, offers, answers and ICE candidates parsed at the edge, rate-limited per person and
 * passed only to another member on the same room's line (VoiceSwitchboard), the member's own mute
 * told to the others, and the line closed on disconnect. The server never sees audio.
 */
import type { Socket } from "socket.io";
import { ErrorCode, Ev, type ProtocolError, VoiceEv } from "../../shared/protocol.ts";
import { describeIssue } from "../../shared/schemas.ts";
import {
  type IceServer,
  type VoicePeer,
  type VoiceSignalIn,
  type VoiceWelcome,
  voiceDescriptionSchema,
  voiceIceSchema,
  voiceMuteSchema,
} from "../../shared/voice.ts";
import { guard } from "../handlerGuard.ts";
import { TokenBucket } from "../rateLimit.ts";
import type { VoiceSwitchboard } from "./voiceSwitchboard.ts";

/** Signals a person may send: a call set-up is a few offers and a dozen candidates per peer. */
export const VOICE_SIGNAL_RATE = { perSecond: 20, burst: 80 } as const;

/** `stale`: signals dropped because sender or receiver has come back on a newer line since. */
export const voiceStats = { relayed: 0, rejected: 0, rateLimited: 0, stale: 0 };

/** The socket events a voice line uses, whatever else its namespace carries. */
interface LineSocket {
  id: string;
  emit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  disconnect(close?: boolean): unknown;
}

/** The live voice sockets of one switchboard, by room and member. */
export class VoiceLines {
  private readonly sockets = new Map<string, LineSocket>();
  private readonly buckets = new Map<string, TokenBucket>();
  /** Counts voice connections: each one's line number (VoicePeer.line). */
  private lineCount = 0;

  constructor(
    readonly board: VoiceSwitchboard,
    private readonly iceServers: IceServer[],
    private readonly now: () => number,
  ) {}

  /** Everyone on a room's line learns who is there and who is muted. */
  announce(roomId: string): void {
    for (const memberId of this.board.members(roomId)) {
      this.sockets
        .get(`${roomId}|${memberId}`)
        ?.emit(VoiceEv.peers, this.board.peersOf(roomId, memberId) satisfies VoicePeer[]);
    }
  }

  /** Puts a member's socket on the line (replacing an older one of the same member) and wires its signals. */
  open(
    socket: Socket | LineSocket,
    roomId: string,
    memberId: string,
    label: string,
    recording: boolean,
  ): void {
    const line = socket as LineSocket;
    const key = `${roomId}|${memberId}`;
    this.sockets.set(key, line);
    this.lineCount += 1;
    const lineNo = this.lineCount;
    this.board.connect(roomId, memberId, label, lineNo);
    let limit = this.buckets.get(key);
    if (!limit) {
      limit = new TokenBucket(VOICE_SIGNAL_RATE.perSecond, VOICE_SIGNAL_RATE.burst, this.now);
      this.buckets.set(key, limit);
    }
    const bucket = limit;
    // A newer connection of the same member has taken the line: this one's signals are stale.
    const superseded = () => this.sockets.get(key) !== line;
    const welcome: VoiceWelcome = {
      you: memberId,
      line: lineNo,
      iceServers: this.iceServers,
      recording,
      peers: this.board.peersOf(roomId, memberId),
    };
    line.emit(VoiceEv.welcome, welcome);
    this.announce(roomId);

    const refuse = (event: string, error: ProtocolError) => {
      voiceStats.rejected += 1;
      line.emit(Ev.protocolError, { ...error, event: event.slice(0, 64) });
    };
    const relay = (event: typeof VoiceEv.offer | typeof VoiceEv.answer | typeof VoiceEv.ice) =>
      guard(
        event,
        (payload: unknown) => {
          if (!bucket.take()) {
            voiceStats.rateLimited += 1;
            return refuse(event, {
              code: ErrorCode.rateLimited,
              message: "Voice signals are sent too often.",
            });
          }
          if (superseded()) {
            voiceStats.stale += 1;
            return;
          }
          let to: string;
          let toLine: number | undefined;
          let signal: VoiceSignalIn;
          if (event === VoiceEv.ice) {
            const parsed = voiceIceSchema.safeParse(payload);
            if (!parsed.success)
              return refuse(event, { code: ErrorCode.badPayload, message: describeIssue(parsed.error) });
            to = parsed.data.to;
            toLine = parsed.data.line;
            signal = { from: memberId, candidate: parsed.data.candidate };
          } else {
            const parsed = voiceDescriptionSchema.safeParse(payload);
            if (!parsed.success)
              return refuse(event, { code: ErrorCode.badPayload, message: describeIssue(parsed.error) });
            to = parsed.data.to;
            toLine = parsed.data.line;
            signal = { from: memberId, sdp: parsed.data.sdp };
          }
          if (!this.board.mayRelay(roomId, memberId, to)) {
            return refuse(event, {
              code: ErrorCode.forbidden,
              message: "That person is not on this room's voice.",
            });
          }
          // Meant for a connection of theirs that has gone since (they came back): not an error, a race.
          if (!this.board.isLive(roomId, to, toLine)) {
            voiceStats.stale += 1;
            return;
          }
          voiceStats.relayed += 1;
          this.sockets.get(`${roomId}|${to}`)?.emit(event, signal);
        },
        () =>
          refuse(event, {
            code: ErrorCode.internalError,
            message: "The server could not pass this signal on.",
          }),
      );
    line.on(VoiceEv.offer, relay(VoiceEv.offer));
    line.on(VoiceEv.answer, relay(VoiceEv.answer));
    line.on(VoiceEv.ice, relay(VoiceEv.ice));
    line.on(
      VoiceEv.mute,
      guard(
        VoiceEv.mute,
        (payload: unknown) => {
          if (!bucket.take())
            return refuse(VoiceEv.mute, { code: ErrorCode.rateLimited, message: "Too many changes." });
          if (superseded()) return;
          const parsed = voiceMuteSchema.safeParse(payload);
          if (!parsed.success) {
            return refuse(VoiceEv.mute, { code: ErrorCode.badPayload, message: describeIssue(parsed.error) });
          }
          this.board.setMuted(roomId, memberId, parsed.data.muted);
          this.announce(roomId);
        },
        () =>
          refuse(VoiceEv.mute, { code: ErrorCode.internalError, message: "The server could not note this." }),
      ),
    );
  }

  /** The member's socket, if it is the live one on the line. */
  socketOf(roomId: string, memberId: string): LineSocket | undefined {
    return this.sockets.get(`${roomId}|${memberId}`);
  }

  /** Takes a member off the line, if `socket` is still theirs. */
  close(socket: { id: string }, roomId: string, memberId: string): void {
    const key = `${roomId}|${memberId}`;
    if (this.sockets.get(key)?.id !== socket.id) return;
    this.sockets.delete(key);
    this.board.disconnect(roomId, memberId);
    this.announce(roomId);
  }
}

/** The event names a voice line answers (for a namespace's unknown-event check). */
export const VOICE_EVENTS: readonly string[] = Object.values(VoiceEv);
