/**
 * Storage behind one interface: the embedded SQLite file by default; a PostgreSQL backend for
 * multi-node deployments can implement the same contract later. Methods are async so a
 * networked backend fits; the SQLite one completes synchronously inside them.
 */
import type { Alarm } from "../../shared/alarms.ts";
import type { FirmwareAction, RoomEvent } from "../../shared/protocol.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";

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
  // -- finish8 (issue 8) --
  /** A staff enrolment link, by its token's SHA-256 (server/auth/enrolments.ts). */
  enrolment: "enrolment",
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
  // -- records (issue 8) --
  /** Inserts or replaces records in one transaction; resolves once durable. */
  putRecords(records: readonly StoredRecord[]): Promise<void>;
  getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null>;
  /** Records of a kind, of one clinic or of all, in id order. */
  listRecords(kind: RecordKind, clinicId?: string): Promise<StoredRecord[]>;
  /** Removes records (sessions that ended, for example); missing ids are ignored. */
  deleteRecords(kind: RecordKind, ids: readonly string[]): Promise<void>;
  audit(entry: AuditEntry): Promise<void>;
  auditLog(limit: number): Promise<AuditEntry[]>;
  close(): Promise<void>;
}
