/**
 * The Chairside wire protocol, in one place: version, event names, payload types and the
 * Socket.IO event maps used by both `new Server<...>()` and `io<...>()`. Runtime schemas for
 * every inbound payload live in ./schemas.ts. SPEC.md describes each event in words.
 */
import { z } from "zod";
import type { Alarm } from "./alarms.ts";
import type { HeardWords } from "./feelings.ts";
import type { OttoState, OttoUtterance } from "./otto.ts";
import type { ProcedureTransition, ProcedureView } from "./procedure/types.ts";
import type { AudienceRole, Role } from "./roles.ts";
import type { ClientPayload, ClientPayloadEvent, DeviceBatchPayload } from "./schemas.ts";
import type { CheckedReading } from "./soe/signals.ts";

/** Bumped on any incompatible change to events or payloads. */
export const PROTOCOL_VERSION = 2;

/** Namespace for people; SOE devices use their own. */
export const PEOPLE_NAMESPACE = "/";
export const DEVICE_NAMESPACE = "/devices";

/** Why a request was refused. Every refusal carries one of these and a sentence for people. */
export const ErrorCode = {
  clientTooOld: "client_too_old",
  serverTooOld: "server_too_old",
  tokenMissing: "token_missing",
  tokenInvalid: "token_invalid",
  tokenExpired: "token_expired",
  badPayload: "bad_payload",
  unknownEvent: "unknown_event",
  tooLarge: "too_large",
  rateLimited: "rate_limited",
  forbidden: "forbidden",
  illegalTransition: "illegal_transition",
  notFound: "not_found",
  deviceUnpaired: "device_unpaired",
  unknownUnit: "unknown_unit",
  storageFailed: "storage_failed",
  /** A device reused a sequence number within one boot for other content. */
  seqConflict: "seq_conflict",
  /** A quarantine of a firmware in normal use must be confirmed with its counts. */
  confirmationRequired: "confirmation_required",
  /** A handler threw: a typed reply and a counted offence, never an exit. */
  internalError: "internal_error",
  /** An identity or address in a back-off period; see `ConnectRefusal.retryAfterMs`. */
  refusedForNow: "refused_for_now",
  /** A request that got no answer in time. */
  timeout: "timeout",
  /** A request made while the page has no link to the server. */
  notConnected: "not_connected",
  /**
   * A page reconnecting by itself (`resume`) to a seat another window of the same person took
   * since: it shows "This seat is open in another window" and takes the seat only when asked to.
   */
  seatElsewhere: "seat_elsewhere",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ProtocolError {
  code: ErrorCode;
  message: string;
  /** With `confirmation_required`: what the quarantine would touch, for the confirmation dialog. */
  impact?: FirmwareImpact;
}

/** Expected failures are values. */
export type Result<T = null> = { ok: true; value: T } | { ok: false; error: ProtocolError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

/** Why the server closed a connection on purpose. */
export const CloseReason = {
  repeatOffender: "repeat_offender",
  replaced: "replaced_by_new_connection",
  left: "left",
  /** The credential the connection rode on ended (signed out, account disabled, headset handed on, invite withdrawn). */
  revoked: "credential_revoked",
  /**
   * The appointment was finished or cancelled: everyone in its room (staff, headset, observers)
   * leaves at once and does not retry; the page says so.
   */
  appointmentEnded: "appointment_ended",
} as const;
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

// ---------------------------------------------------------------------------------------------
// Handshake

/** Which of several credentials a browser holds should seat it (a staff member's desk that also paired a headset). */
export const Seat = { staff: "staff", headset: "headset", observer: "observer" } as const;
export type Seat = (typeof Seat)[keyof typeof Seat];

/**
 * What a person's client sends in `io({ auth })`: which appointment it wants to enter, and for the
 * demo clinic its demo pass. Who it is comes from its cookies (staff session, paired headset,
 * observer) or the pass, never from anything else it says; the room role is the server's decision.
 * The protocol version is checked first, on its own, so a wrong one gets its own message.
 */
export const personAuthSchema = z.strictObject({
  protocolVersion: z.number().int(),
  appointmentId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "an appointment id is letters, digits, _ and -"),
  /** A demo pass from `POST /api/demo/pass` (demo clinic only, while the demo is on). */
  pass: z.string().min(1).max(2048).optional(),
  seat: z.enum([Seat.staff, Seat.headset, Seat.observer]).optional(),
  /** This page's own id, new each time the page loads: which window holds the person's seat. */
  window: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,64}$/, "a window id is 8 to 64 letters, digits, _ and -")
    .optional(),
  /**
   * True when the page reconnects by itself (after a drop or a restart). Such a connection does
   * not take the seat from another window that took it since (`seat_elsewhere`); a page that
   * loads, or "Use it here", does.
   */
  resume: z.boolean().optional(),
});
export type PersonAuth = z.infer<typeof personAuthSchema>;

/** What a device sends in `io("/devices", { auth })`. */
export interface DeviceAuth {
  protocolVersion: number;
  deviceId: string;
  deviceKey: string;
  /**
   * Fresh for every boot of the device (a random id). Batches are keyed by (device, boot, seq),
   * so a device that reboots and counts from 1 again is a new boot, not a resend.
   */
  bootId: string;
}

/** Carried in `connect_error.data`, so a client can say exactly why it was refused. */
export interface ConnectRefusal {
  code: ErrorCode;
  message: string;
  /** With `refused_for_now`: how long the client must wait before it tries again. */
  retryAfterMs?: number;
}

/** Claims inside a signed demo pass (server/auth/demoPass.ts); the server signed them, the client cannot change them. */
export interface InviteClaims {
  appointmentId: string;
  roomId: string;
  personId: string;
  role: AudienceRole;
  /** Expiry, epoch seconds. */
  exp: number;
}

// ---------------------------------------------------------------------------------------------
// Room state as clients see it

export const ConnectionState = { connected: "connected", reconnecting: "reconnecting" } as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

export interface MemberView {
  memberId: string;
  personId: string;
  displayName: string;
  role: Role;
  connection: ConnectionState;
  /** Small integer that names this member in binary pose batches. */
  slot: number;
}

export interface OttoView {
  state: OttoState;
  /** Member Otto is turned to, if any. */
  lookAt: string | null;
  lastUtterance: OttoUtterance | null;
}

export const Surroundings = { clinic: "clinic", nature: "nature" } as const;
export type Surroundings = (typeof Surroundings)[keyof typeof Surroundings];

export const AnxietyPathway = { standard: "standard", highAnxiety: "high_anxiety" } as const;
export type AnxietyPathway = (typeof AnxietyPathway)[keyof typeof AnxietyPathway];

export interface ComfortView {
  /** MDAS total 5..25 once the intake is filled in. */
  mdasScore: number | null;
  pathway: AnxietyPathway;
  surroundings: Surroundings;
  breathingCoach: boolean;
  /** A 0-10 check-in is waiting for the patient's answer. */
  checkinPending: { reason: string; requestedAt: number } | null;
  lastCheckin: { score: number; at: number } | null;
  /** Resting heart rate from the first minute, once known. */
  heartRateBaseline: number | null;
}

export interface DeviceView {
  deviceId: string;
  firmware: string;
  /** FDI tooth the device sits on; null for the heart-rate wearable. */
  tooth: number | null;
  quarantined: boolean;
  lastSeenAt: number | null;
}

export interface AppointmentView {
  appointmentId: string;
  roomId: string;
  patientName: string;
  clinicianName: string;
  scheduledAt: string;
}

/** Everything a client needs to draw the room as it is now (late join, resync after a gap). */
export interface RoomSnapshot {
  protocolVersion: number;
  appointment: AppointmentView;
  /** The receiving member. */
  you: string;
  /** Sequence number of the last reliable event included in this snapshot. */
  seq: number;
  members: MemberView[];
  otto: OttoView;
  procedure: ProcedureView | null;
  comfort: ComfortView;
  alarms: Alarm[];
  /** The care team is attending to something (an active alarm above low): the patient's calm cue. */
  teamChecking: boolean;
  devices: DeviceView[];
  /** Firmware versions quarantined now in this room's clinic. */
  quarantinedFirmware: string[];
  /** Quarantines and lifts in this room's clinic, oldest first. */
  firmwareHistory: FirmwareAction[];
  serverTime: number;
}

// ---------------------------------------------------------------------------------------------
// Reliable, ordered, sequence-numbered room events

export type RoomEventBody =
  | { type: "member_joined"; member: MemberView }
  | { type: "member_updated"; member: MemberView }
  | { type: "member_left"; memberId: string; reason: string }
  | { type: "otto"; otto: OttoView }
  | { type: "procedure"; procedure: ProcedureView | null; transition: ProcedureTransition | null }
  | { type: "comfort"; comfort: ComfortView }
  | { type: "checkin"; score: number; by: string }
  | { type: "alarm"; alarm: Alarm }
  | { type: "team_checking"; checking: boolean }
  | { type: "device"; device: DeviceView }
  | {
      type: "firmware_quarantined";
      firmware: string;
      since: number;
      by: string;
      reason: string;
      retracted: number;
    }
  | { type: "firmware_lifted"; firmware: string; by: string; reason: string }
  // Every word Otto hears is in the session history
  | { type: "otto_heard"; heard: HeardWords };
export type RoomEventType = RoomEventBody["type"];

export interface RoomEvent {
  seq: number;
  at: number;
  body: RoomEventBody;
}

/** Stands in for a room event its receiver may not see (shared/access.ts), so `seq` has no gap. */
export interface WithheldEventBody {
  type: "withheld";
}

/** A room event as one client receives it: projected for its role, or withheld. */
export interface DeliveredRoomEvent {
  seq: number;
  at: number;
  body: RoomEventBody | WithheldEventBody;
}

// ---------------------------------------------------------------------------------------------
// Firmware quarantine (per clinic, audited, reversible)

/** One quarantine or lift of a firmware version in a clinic, as stored and shown in the history. */
export type FirmwareAction =
  | {
      action: "quarantine";
      firmware: string;
      /** Readings of this version taken at or after this time were retracted. */
      since: number;
      at: number;
      by: string;
      reason: string;
      retracted: number;
    }
  | { action: "lift"; firmware: string; at: number; by: string; reason: string };

/** What quarantining a version in a clinic touches (answered before a confirmed quarantine). */
export interface FirmwareImpact {
  firmware: string;
  since: number;
  /** Devices of the clinic that run this version now. */
  devices: number;
  /** Patients with a device on it or readings that would be retracted. */
  patients: number;
  /** Readings that would be retracted. */
  readings: number;
}

export interface FirmwareQuarantineOutcome {
  devices: number;
  patients: number;
  retracted: number;
}

// ---------------------------------------------------------------------------------------------
// Live SOE telemetry to the care team

export interface ReadingsBatch {
  readings: CheckedReading[];
}

/** A batch of readings from one device, sequence-numbered per device for exactly-once storage. */
export type DeviceBatch = DeviceBatchPayload;

export interface DeviceBatchAck {
  seq: number;
  /** How many readings were stored (0 for a duplicate batch). */
  stored: number;
  duplicate: boolean;
}

// ---------------------------------------------------------------------------------------------
// Event names and maps

/** Every event name, once. Nothing else in the code spells an event name. */
export const Ev = {
  // client -> server (people)
  pose: "pose",
  snapshot: "room:snapshot",
  procedureSelect: "procedure:select",
  procedureCommand: "procedure:command",
  mdasSubmit: "comfort:mdas",
  checkinSubmit: "comfort:checkin",
  checkinRequest: "comfort:request_checkin",
  breathing: "comfort:breathing",
  surroundings: "comfort:surroundings",
  ottoAsk: "otto:ask",
  alarmAck: "alarm:ack",
  alarmSilence: "alarm:silence",
  firmwareQuarantine: "firmware:quarantine",
  firmwareLift: "firmware:lift",
  soeHistory: "soe:history",
  // The patient's own words to Otto, spoken or typed
  ottoTell: "otto:tell",
  // server -> client (people)
  welcome: "room:welcome",
  roomEvent: "room:event",
  poses: "poses",
  readings: "soe:readings",
  protocolError: "protocol:error",
  // device -> server
  deviceBatch: "soe:batch",
} as const;

export type Ack<T> = (result: Result<T>) => void;

/** Payload types come from the runtime schemas (shared/schemas.ts), so the two cannot differ. */
type P<E extends ClientPayloadEvent> = ClientPayload<E>;

/** `firmware:quarantine`: one exact version, a reason, `since` (at most 30 days back), `confirm`. */
export type FirmwareQuarantinePayload = P<typeof Ev.firmwareQuarantine>;
export type FirmwareLiftPayload = P<typeof Ev.firmwareLift>;

export interface ClientToServerEvents {
  // The browser sends its 31 bytes as base64 text (shared/poseCodec.ts)
  [Ev.pose]: (pose: ArrayBuffer | Uint8Array | string) => void;
  [Ev.snapshot]: (ack: Ack<RoomSnapshot>) => void;
  [Ev.procedureSelect]: (p: P<typeof Ev.procedureSelect>, ack: Ack<ProcedureView>) => void;
  [Ev.procedureCommand]: (p: P<typeof Ev.procedureCommand>, ack: Ack<ProcedureView>) => void;
  [Ev.mdasSubmit]: (p: P<typeof Ev.mdasSubmit>, ack: Ack<ComfortView>) => void;
  [Ev.checkinSubmit]: (p: P<typeof Ev.checkinSubmit>, ack: Ack<ComfortView>) => void;
  [Ev.checkinRequest]: (p: P<typeof Ev.checkinRequest>, ack: Ack<ComfortView>) => void;
  [Ev.breathing]: (p: P<typeof Ev.breathing>, ack: Ack<ComfortView>) => void;
  [Ev.surroundings]: (p: P<typeof Ev.surroundings>, ack: Ack<ComfortView>) => void;
  [Ev.ottoAsk]: (p: P<typeof Ev.ottoAsk>, ack: Ack<OttoUtterance>) => void;
  [Ev.alarmAck]: (p: P<typeof Ev.alarmAck>, ack: Ack<Alarm>) => void;
  [Ev.alarmSilence]: (p: P<typeof Ev.alarmSilence>, ack: Ack<Alarm>) => void;
  [Ev.firmwareQuarantine]: (p: FirmwareQuarantinePayload, ack: Ack<FirmwareQuarantineOutcome>) => void;
  [Ev.firmwareLift]: (p: FirmwareLiftPayload, ack: Ack<FirmwareAction>) => void;
  [Ev.soeHistory]: (p: P<typeof Ev.soeHistory>, ack: Ack<ReadingsBatch>) => void;
  [Ev.ottoTell]: (p: P<typeof Ev.ottoTell>, ack: Ack<OttoUtterance | null>) => void;
}

export interface ServerToClientEvents {
  [Ev.welcome]: (snapshot: RoomSnapshot) => void;
  [Ev.roomEvent]: (event: DeliveredRoomEvent) => void;
  // The live relay's batches come as text (one frame; shared/poseCodec.ts)
  [Ev.poses]: (batch: ArrayBuffer | Uint8Array | string) => void;
  [Ev.readings]: (batch: ReadingsBatch) => void;
  [Ev.protocolError]: (p: ProtocolError & { event: string }) => void;
}

export interface DeviceToServerEvents {
  [Ev.deviceBatch]: (batch: DeviceBatch, ack: Ack<DeviceBatchAck>) => void;
}

// biome-ignore lint/complexity/noBannedTypes: devices receive nothing but acks
export type ServerToDeviceEvents = {};

/** Client-side rates (Hz) and limits. */
export const RATES = {
  /** Pose send rate from each participant. */
  poseSendHz: 30,
  /** Telemetry fan-out tick to the care team (ticks with nothing new send nothing). */
  readingsDisplayHz: 30,
  /** High-rate signals (bite force) reach the charts reduced to this many samples a second. */
  displaySampleHz: 10,
  /** Largest inbound message we accept, bytes. */
  maxMessageBytes: 16 * 1024,
  /** Grace window for a dropped participant to come back as the same member. */
  rejoinWindowMs: 120_000,
  // edge: bounds on every inbound packet, checked on its raw text before anything parses it
  /** Largest inbound device message (a batch of 1000 readings), bytes. */
  maxDeviceMessageBytes: 128 * 1024,
  /** Deepest nesting of arrays and objects in any inbound message, its argument list included. */
  maxMessageDepth: 8,
  /** Otto answers the same asker (one person in one appointment) at most once in this many ms. */
  ottoAnswerIntervalMs: 2_000,
} as const;

/**
 * Voice signalling rides its own namespace over the same Socket.IO connection (one WebSocket): a
 * room's members pass WebRTC offers, answers and ICE candidates to each other; audio goes peer to
 * peer. Payload schemas live in ./voice.ts.
 */
export const VOICE_NAMESPACE = "/voice";
export const VoiceEv = {
  welcome: "voice:welcome",
  peers: "voice:peers",
  offer: "voice:offer",
  answer: "voice:answer",
  ice: "voice:ice",
  mute: "voice:mute",
} as const;

export interface VoiceClientToServerEvents {
  [VoiceEv.offer]: (p: import("./voice.ts").VoiceDescription) => void;
  [VoiceEv.answer]: (p: import("./voice.ts").VoiceDescription) => void;
  [VoiceEv.ice]: (p: import("./voice.ts").VoiceIce) => void;
  [VoiceEv.mute]: (p: { muted: boolean }) => void;
}

export interface VoiceServerToClientEvents {
  [VoiceEv.welcome]: (w: import("./voice.ts").VoiceWelcome) => void;
  [VoiceEv.peers]: (peers: import("./voice.ts").VoicePeer[]) => void;
  [VoiceEv.offer]: (s: import("./voice.ts").VoiceSignalIn) => void;
  [VoiceEv.answer]: (s: import("./voice.ts").VoiceSignalIn) => void;
  [VoiceEv.ice]: (s: import("./voice.ts").VoiceSignalIn) => void;
  [Ev.protocolError]: (p: ProtocolError & { event: string }) => void;
}
