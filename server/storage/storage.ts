/**
 * Storage behind one interface: the embedded SQLite file by default; a PostgreSQL backend for
 * multi-node deployments can implement the same contract later. Methods are async so a
 * networked backend fits; the SQLite one completes synchronously inside them.
 */
import type { Alarm } from "../../shared/alarms.ts";
import type { FirmwareAction, RoomEvent, RoomEventType } from "../../shared/protocol.ts";
import type { CheckedReading, Signal } from "../../shared/soe/signals.ts";
import type { ChainedAuditRow } from "../audit/auditChain.ts";
import type {
  GroupFilter,
  GroupStatus,
  KeptGroupNote,
  StoredGroup,
  StoredGroupInvite,
} from "./groupStore.ts";

/** One device batch, checked, ready to be stored exactly once per (device, boot, seq). */
export interface StoredBatch {
  deviceId: string;
  /** The device's boot: a rebooted device counts from 1 again under a new boot id. */
  bootId: string;
  patientId: string;
  seq: number;
  /** Digest of what the device sent (firmware and readings), to tell a resend from a conflict. */
  digest: string;
  firmware: string;
  readings: CheckedReading[];
}

/**
 * `duplicate`: the same (device, boot, seq) was stored before with the same content (a resend).
 * `conflict`: it was stored before with other content; nothing of this batch is stored.
 */
export interface StoreOutcome {
  duplicate: boolean;
  conflict: boolean;
  stored: number;
}

/** A firmware quarantine or lift in one clinic. */
export interface FirmwareRecord {
  clinicId: string;
  action: FirmwareAction;
}

/** What quarantining a version would touch among some devices' readings. */
export interface FirmwareUsage {
  /** Readings at or after `since` not yet retracted. */
  readings: number;
  /** Patients those readings belong to. */
  patientIds: string[];
  /** Any reading of this version was ever stored from these devices. */
  seen: boolean;
}

export interface AuditEntry {
  at: number;
  who: string;
  action: string;
  subject: string;
  why: string;
  /** The patient whose data was read or changed, so the trail answers "who saw Julian's record". */
  patientId?: string;
  /** The treatment room (appointment) it happened in, where there is one. */
  roomId?: string;
  // Audit entries carry the clinic
  /** The clinic it happened in; when left out, the storage takes the patient's or the person's clinic. */
  clinicId?: string;
}

/** Which audit entries to read: every field optional but the page; `to` is exclusive. */
export interface AuditFilter {
  // One clinic's trail
  clinicId?: string;
  who?: string;
  patientId?: string;
  from?: number;
  to?: number;
  limit: number;
  offset: number;
}

/** One page of the trail and how many entries match the filter in all. */
export interface AuditPage {
  total: number;
  entries: ChainedAuditRow[];
}

/** One treatment room's saved state (server/roomState.ts encodes and checks `body`). */
export interface RoomStateRow {
  roomId: string;
  appointmentId: string;
  /** Grows with every save of this room; an older save never overwrites a newer one. */
  version: number;
  savedAt: number;
  body: string;
}

/**
 * The clinic's records (issue 8): patients, appointments, devices, staff, their credentials and
 * sessions. Each kind is owned by one service, which validates `body` (JSON) with its zod schema
 * from `shared/` on the way in and out; storage only keeps them, keyed by (kind, id).
 */
export const RecordKind = {
  patient: "patient",
  appointment: "appointment",
  device: "device",
  staff: "staff",
  passkey: "passkey",
  staffSession: "staff_session",
  headsetCredential: "headset_credential",
  observerInvite: "observer_invite",
  /** A staff enrolment link, by its token's SHA-256 (server/auth/enrolments.ts). */
  enrolment: "enrolment",
  /** A lesson assigned to a patient, with their consent and answers (server/lessons/lessonAssignments.ts). */
  lessonAssignment: "lesson_assignment",
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export interface StoredRecord {
  kind: RecordKind;
  id: string;
  clinicId: string;
  /** JSON text of the record, checked by its owner's schema. */
  body: string;
  updatedAt: number;
}

/** Which of a room's events to read: a seq range and/or a time range, optionally only some types. */
export interface RoomEventRange {
  /** Seq at or after / at or before (both included). */
  fromSeq?: number;
  toSeq?: number;
  /** Event time (`at`, epoch ms) at or after / at or before. */
  fromAt?: number;
  toAt?: number;
  types?: readonly RoomEventType[];
  /** At most this many, oldest first (default: all). */
  limit?: number;
}

/** Which of a patient's readings to read: device time `t` in [from, to], optionally one signal or tooth. */
export interface ReadingRange {
  from: number;
  to: number;
  signal?: Signal;
  tooth?: number;
  /** At most this many, oldest first (default: all). */
  limit?: number;
}

/** A reading as stored: the checked reading with the firmware that measured it. */
export interface StoredReading extends CheckedReading {
  firmware: string;
}

/**
 * Every pose in one room at one instant, stored a few times a second while people are in it so a
 * visit can be replayed. `poses` is a pose batch as shared/poseCodec.ts encodes it (slots and poses).
 */
export interface PoseKeyframe {
  roomId: string;
  /** Server time, epoch ms. */
  at: number;
  /** The room's last reliable event when the keyframe was taken. */
  seq: number;
  poses: Uint8Array;
}

/** One minute of one signal of one device on one tooth, after the raw readings were rolled up. */
export interface ReadingMinute {
  patientId: string;
  /** Start of the minute (device clock), epoch ms. */
  minute: number;
  deviceId: string;
  signal: Signal;
  tooth: number | null;
  unit: string;
  /** Over the usable readings (neither invalid nor retracted); null when there were none. */
  min: number | null;
  max: number | null;
  mean: number | null;
  count: number;
  invalidCount: number;
  retractedCount: number;
  /**
   * pH only: how many usable readings were below 5.5 (enamel demineralises), so a day's time below
   * it stays exact after the rollup. Absent for minutes rolled up before it was counted.
   */
  belowCriticalCount?: number;
}

/** One rollup batch: readings replaced, minutes written to, and whether nothing older is left. */
export interface RollupOutcome {
  rolledUp: number;
  minutes: number;
  done: boolean;
}

export interface Storage {
  /** Stores batches atomically, exactly once per (device, boot, seq); resolves once durable. */
  storeBatches(batches: readonly StoredBatch[]): Promise<StoreOutcome[]>;
  /** Highest seq stored for a device's boot, so a restarted server knows what it has. */
  lastSeq(deviceId: string, bootId: string): Promise<number>;
  /** Readings of a patient received at or after `sinceMs`, oldest first (retracted ones included). */
  recentReadings(patientId: string, sinceMs: number, limit: number): Promise<CheckedReading[]>;
  countReadings(filter?: { deviceId?: string; status?: string }): Promise<number>;
  // -- soe: firmware quarantines per clinic (issue 7) --
  /** Readings of a version from these devices that a quarantine since a time would retract. */
  firmwareUsage(firmware: string, deviceIds: readonly string[], sinceMs: number): Promise<FirmwareUsage>;
  /**
   * In one transaction: marks the version's readings from these devices taken at or after
   * `action.since` as entered-in-error (never deletes), stores the action and its audit row.
   * Returns how many readings changed.
   */
  quarantineFirmware(
    clinicId: string,
    deviceIds: readonly string[],
    action: Omit<Extract<FirmwareAction, { action: "quarantine" }>, "retracted">,
  ): Promise<number>;
  /** Stores a lift and its audit row; retracted readings stay retracted. */
  liftFirmware(clinicId: string, action: Extract<FirmwareAction, { action: "lift" }>): Promise<void>;
  /** Every quarantine and lift of every clinic, oldest first. */
  firmwareActions(): Promise<FirmwareRecord[]>;
  saveAlarm(roomId: string, alarm: Alarm): Promise<void>;
  alarms(roomId: string): Promise<Alarm[]>;
  appendRoomEvent(roomId: string, event: RoomEvent): Promise<void>;
  roomEvents(roomId: string, limit: number): Promise<RoomEvent[]>;
  /** Stores a room's state unless a newer version of it is already stored; resolves once durable. */
  saveRoomState(row: RoomStateRow): Promise<void>;
  /** Every saved room state, to restore the rooms at start-up. */
  roomStates(): Promise<RoomStateRow[]>;
  /** Forgets a room's state (the room starts fresh next time). */
  deleteRoomState(roomId: string): Promise<void>;
  /** Inserts or replaces records in one transaction; resolves once durable. */
  putRecords(records: readonly StoredRecord[]): Promise<void>;
  getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null>;
  /** Records of a kind, of one clinic or of all, in id order. */
  listRecords(kind: RecordKind, clinicId?: string): Promise<StoredRecord[]>;
  /** Removes records (sessions that ended, for example); missing ids are ignored. */
  deleteRecords(kind: RecordKind, ids: readonly string[]): Promise<void>;
  /** A room's events in a seq and/or time range, oldest first (index room_events (room_id, seq)). */
  roomEventsBetween(roomId: string, range: RoomEventRange): Promise<RoomEvent[]>;
  /** A patient's readings by device time, oldest first, retracted and invalid ones included. */
  readingsBetween(patientId: string, range: ReadingRange): Promise<StoredReading[]>;
  /** Records of a kind whose body names this patient (`patientId`), in id order (indexed). */
  recordsOfPatient(kind: RecordKind, patientId: string): Promise<StoredRecord[]>;
  /** Stores pose keyframes of any rooms in one transaction (index pose_keyframes (room_id, at)). */
  appendPoseKeyframes(frames: readonly PoseKeyframe[]): Promise<void>;
  /** A room's keyframes taken at or after `fromAt` and at or before `toAt`, oldest first. */
  poseKeyframesBetween(roomId: string, fromAt: number, toAt: number): Promise<PoseKeyframe[]>;
  /** Deletes every keyframe taken before `ms` (the replay retention); returns how many went. */
  deletePoseKeyframesBefore(ms: number): Promise<number>;
  /** Rolls up (then deletes) up to `batchSize` readings received before `beforeMs`, in one transaction. */
  rollupReadings(beforeMs: number, batchSize: number): Promise<RollupOutcome>;
  /** A patient's per-minute aggregates with `fromMs <= minute < toMs`, oldest first. */
  readingMinutes(patientId: string, fromMs: number, toMs: number): Promise<ReadingMinute[]>;
  /** About how many raw readings `readingsBetween` would decode for a range (no decoding: cheap). */
  countReadingsBetween(patientId: string, range: ReadingRange): Promise<number>;
  /** The raw (not yet rolled-up) readings of a range as per-minute aggregates, oldest minute first. */
  rawReadingMinutes(patientId: string, range: ReadingRange): Promise<ReadingMinute[]>;
  audit(entry: AuditEntry): Promise<void>;
  auditLog(limit: number): Promise<AuditEntry[]>;
  /** A page of the trail, newest first, filtered by person, patient and time (indexed). */
  auditQuery(filter: AuditFilter): Promise<AuditPage>;
  /** The chained rows after `afterId`, oldest first, for verifying the hash chain page by page. */
  auditChain(afterId: number, limit: number): Promise<ChainedAuditRow[]>;
  // Support groups (server/storage/groupStore.ts)
  /** Inserts a scheduled group or replaces its plan; resolves once durable. */
  saveSupportGroup(group: StoredGroup): Promise<void>;
  /** Groups of one clinic and/or one status, soonest first. */
  supportGroups(filter: GroupFilter): Promise<StoredGroup[]>;
  /** Ends or cancels a group and stores the notes it agreed to keep, in one transaction. */
  closeSupportGroup(
    groupId: string,
    status: GroupStatus,
    at: number,
    kept: readonly KeptGroupNote[],
  ): Promise<void>;
  saveGroupInvite(invite: StoredGroupInvite): Promise<void>;
  /** Withdraws an invitation (the link no longer opens the door, after a restart too). */
  withdrawGroupInvite(inviteId: string, at: number): Promise<void>;
  /** A group's invitations, oldest first, withdrawn ones included. */
  /** The `limit` groups that closed last (cancelled or ended), the latest first. */
  recentlyClosedGroups(limit: number): Promise<StoredGroup[]>;
  groupInvites(groupId: string): Promise<StoredGroupInvite[]>;
  /** The notes a group agreed to keep, in board order. */
  keptGroupNotes(groupId: string): Promise<KeptGroupNote[]>;
  close(): Promise<void>;
}
