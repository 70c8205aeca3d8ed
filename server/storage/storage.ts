/**
 * Storage behind one interface: the embedded SQLite file by default; a PostgreSQL backend for
 * multi-node deployments can implement the same contract later. Methods are async so a
 * networked backend fits; the SQLite one completes synchronously inside them.
 */
import type { Alarm } from "../../shared/alarms.ts";
import type { RoomEvent } from "../../shared/protocol.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";

/** One device batch, checked, ready to be stored exactly once. */
export interface StoredBatch {
  deviceId: string;
  patientId: string;
  seq: number;
  firmware: string;
  readings: CheckedReading[];
}

export interface StoreOutcome {
  duplicate: boolean;
  stored: number;
}

export interface Quarantine {
  firmware: string;
  since: number;
  by: string;
  at: number;
}

export interface AuditEntry {
  at: number;
  who: string;
  action: string;
  subject: string;
  why: string;
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

export interface Storage {
  /** Stores batches atomically, deduplicated by (device, seq); resolves once durable. */
  storeBatches(batches: readonly StoredBatch[]): Promise<StoreOutcome[]>;
  /** Highest seq stored per device, so a restarted server knows what it has. */
  lastSeq(deviceId: string): Promise<number>;
  /** Readings of a patient received at or after `sinceMs`, oldest first (retracted ones included). */
  recentReadings(patientId: string, sinceMs: number, limit: number): Promise<CheckedReading[]>;
  /** Marks readings of a firmware since a time as entered-in-error; never deletes. Returns how many changed. */
  retractReadings(firmware: string, sinceMs: number): Promise<number>;
  countReadings(filter?: { deviceId?: string; status?: string }): Promise<number>;
  saveQuarantine(q: Quarantine): Promise<void>;
  quarantines(): Promise<Quarantine[]>;
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
  audit(entry: AuditEntry): Promise<void>;
  auditLog(limit: number): Promise<AuditEntry[]>;
  close(): Promise<void>;
}
