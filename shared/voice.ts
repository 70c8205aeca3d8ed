/**
 * Voice in a room (issue 12): the WebRTC signalling payloads, their schemas, and the rules both
 * sides read. Audio goes peer to peer; the server only passes offers, answers and ICE candidates
 * between members of the same room, so no voice ever passes through (or is kept by) the server.
 * Recording is modelled as a room-level consent that is absent today: `recordingAllowed` is the one
 * place a future recorder must ask, and it says no unless the room's consent says yes.
 */
import { z } from "zod";

const memberId = z.string().min(1).max(100);
/**
 * Which of a member's voice connections a signal is for (`VoicePeer.line`): a member who comes
 * back (a dropped link, "Use it here") is a new line, and a signal meant for the old one is dropped
 * instead of confusing the new call. Optional: without it the signal goes to the member's live line.
 */
const lineId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional();

/** An SDP offer or answer for one peer; real ones are 2-6 kB, the packet bound is 16 kB. */
export const voiceDescriptionSchema = z.strictObject({
  to: memberId,
  line: lineId,
  sdp: z.string().min(1).max(12_000),
});

/** One ICE candidate for one peer (null candidate text ends the candidates). */
export const voiceIceSchema = z.strictObject({
  to: memberId,
  line: lineId,
  candidate: z.strictObject({
    candidate: z.string().max(1_000),
    sdpMid: z.string().max(64).nullable(),
    sdpMLineIndex: z.number().int().min(0).max(64).nullable(),
    usernameFragment: z.string().max(256).nullable().optional(),
  }),
});

/** The sender's own microphone state, told to the room so others can show it. */
export const voiceMuteSchema = z.strictObject({ muted: z.boolean() });

export type VoiceDescription = z.infer<typeof voiceDescriptionSchema>;
export type VoiceIce = z.infer<typeof voiceIceSchema>;
export type VoiceCandidate = VoiceIce["candidate"];

/** One STUN or TURN server, as RTCIceServer takes it (CHAIRSIDE_ICE_SERVERS is a JSON list of these). */
export const iceServerSchema = z.strictObject({
  urls: z.union([z.string().min(1).max(500), z.array(z.string().min(1).max(500)).min(1).max(8)]),
  username: z.string().max(200).optional(),
  credential: z.string().max(500).optional(),
});
export const iceServersSchema = z.array(iceServerSchema).max(8);
export type IceServer = z.infer<typeof iceServerSchema>;

/** Someone the receiver can talk with. */
export interface VoicePeer {
  memberId: string;
  /** How the receiver may name them: a role in a treatment room, the chosen name in a group. */
  label: string;
  /** Their own microphone is off (or the host muted them, in a support group). */
  muted: boolean;
  /**
   * Their voice connection now (a number the server counts up): when it changes, they came back on
   * a new connection, and the call with them starts afresh.
   */
  line: number;
}

/** What a voice connection learns first. */
export interface VoiceWelcome {
  you: string;
  /** This connection's own line number (others see it as `VoicePeer.line`). */
  line: number;
  /** From CHAIRSIDE_ICE_SERVERS; empty means host candidates only (one LAN). */
  iceServers: IceServer[];
  /** Whether this room may record voice: false unless the room has recording consent. */
  recording: boolean;
  peers: VoicePeer[];
}

/** A signal as it arrives: who sent it (always from their live line, the one the last `voice:peers` named). */
export interface VoiceSignalIn {
  from: string;
  sdp?: string;
  candidate?: VoiceCandidate;
}

/** A room's consent to record voice; no room records without it. */
export interface RecordingConsent {
  /** Every person present said yes, and when. */
  grantedAt: number | null;
}

/** The one question a recorder must ask: only with the room's recorded consent. */
export function recordingAllowed(consent: RecordingConsent | null): boolean {
  return consent !== null && consent.grantedAt !== null;
}

/**
 * Which of two peers sends the offer: the one with the smaller member id. Deterministic on both
 * sides, so two peers never offer to each other at once (no glare to resolve).
 */
export function isOfferer(self: string, other: string): boolean {
  return self < other;
}

/** Parses CHAIRSIDE_ICE_SERVERS: a JSON list of RTCIceServer, or nothing (LAN only). */
export function parseIceServers(
  raw: string | undefined,
): { ok: true; value: IceServer[] } | { ok: false; error: string } {
  if (raw === undefined || raw.trim() === "") return { ok: true, value: [] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {
      ok: false,
      error: 'CHAIRSIDE_ICE_SERVERS is not JSON: write a list such as [{"urls":"stun:turn.clinic.lan:3478"}]',
    };
  }
  const parsed = iceServersSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: `CHAIRSIDE_ICE_SERVERS: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}`,
    };
  }
  for (const server of parsed.data) {
    const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
    const bad = urls.find((u) => !/^(stun|stuns|turn|turns):/.test(u));
    if (bad)
      return {
        ok: false,
        error: `CHAIRSIDE_ICE_SERVERS: "${bad}" is not a stun:, stuns:, turn: or turns: URL`,
      };
  }
  return { ok: true, value: parsed.data };
}

/** A receiver's running audio totals (RTCInboundRtpStreamStats `totalAudioEnergy`, `totalSamplesDuration`). */
export interface AudioEnergy {
  energy: number;
  duration: number;
}

/**
 * How loud someone was between two readings of their inbound audio totals: the root of the mean
 * energy (0..1), or null when no audio arrived in between (muted, or nothing sent yet). Measured on
 * what was received, it follows every word however short, whatever the page's audio graph does, and
 * however late the reading comes.
 */
export function levelBetween(before: AudioEnergy | null, now: AudioEnergy): number | null {
  if (before === null) return null;
  const duration = now.duration - before.duration;
  const energy = now.energy - before.energy;
  // A new receiver resets its totals: no level from a pair that runs backwards.
  if (!(duration > 0) || energy < 0) return null;
  return Math.min(1, Math.sqrt(energy / duration));
}
