/**
 * The one schema history (issue 11), for both backends: step N has its SQLite and its PostgreSQL
 * text, and a database at version N has had steps 1..N. SQLite counts in `PRAGMA user_version`
 * (so every existing data folder upgrades as before); PostgreSQL in `chairside_schema`. A new step
 * is appended at the END, in both dialects, never inserted or edited once released.
 *
 * PostgreSQL databases start empty, so where a SQLite step reshapes old data (the per-reading rows
 * moved into packs, the audit rows chained) its PostgreSQL text only creates the shape that follows;
 * the tables and columns keep the same names, so tools and tests read both the same way.
 */
import { GROUPS_MIGRATION } from "./groupStore.ts";
import { READING_PACKS_MIGRATION } from "./readingStore.ts";
import { RETENTION_MIGRATION } from "./retention.ts";

export interface Migration {
  /** Why the step exists, for the reader of this list. */
  readonly why: string;
  readonly sqlite: string;
  readonly postgres: string;
}

/** Version 0: what every database had before the numbered steps (SQLite: every folder from before issue 8). */
export const BASE_SCHEMA = {
  sqlite: `
CREATE TABLE IF NOT EXISTS alarms (id TEXT PRIMARY KEY, room_id TEXT NOT NULL, raised_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alarms_room ON alarms (room_id, raised_at);
CREATE TABLE IF NOT EXISTS room_events (
  id INTEGER PRIMARY KEY, room_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS room_events_room ON room_events (room_id, id);
CREATE TABLE IF NOT EXISTS room_state (
  room_id TEXT PRIMARY KEY, appointment_id TEXT NOT NULL, version INTEGER NOT NULL, saved_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, why TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS firmware_actions (
  id INTEGER PRIMARY KEY, clinic_id TEXT NOT NULL, firmware TEXT NOT NULL, action TEXT NOT NULL,
  since INTEGER, at INTEGER NOT NULL, by TEXT NOT NULL, reason TEXT NOT NULL, retracted INTEGER NOT NULL DEFAULT 0);
`,
  // Times are epoch ms (BIGINT); values DOUBLE PRECISION as SQLite's REAL; audit ids are given by
  // the writer (the hash chain covers them), every other id is the database's.
  postgres: `
CREATE TABLE alarms (id TEXT PRIMARY KEY, room_id TEXT NOT NULL, raised_at BIGINT NOT NULL, body TEXT NOT NULL);
CREATE INDEX alarms_room ON alarms (room_id, raised_at);
CREATE TABLE room_events (
  id BIGSERIAL PRIMARY KEY, room_id TEXT NOT NULL, seq BIGINT NOT NULL, at BIGINT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX room_events_room ON room_events (room_id, id);
CREATE TABLE room_state (
  room_id TEXT PRIMARY KEY, appointment_id TEXT NOT NULL, version BIGINT NOT NULL, saved_at BIGINT NOT NULL, body TEXT NOT NULL);
CREATE TABLE audit_log (id BIGINT PRIMARY KEY, at BIGINT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, why TEXT NOT NULL);
CREATE TABLE firmware_actions (
  id BIGSERIAL PRIMARY KEY, clinic_id TEXT NOT NULL, firmware TEXT NOT NULL, action TEXT NOT NULL,
  since BIGINT, at BIGINT NOT NULL, "by" TEXT NOT NULL, reason TEXT NOT NULL, retracted BIGINT NOT NULL DEFAULT 0);
`,
} as const;

/** The audit step's SQLite text: SqliteStorage chains the rows already there when it runs it. */
export const AUDIT_CHAIN_MIGRATION = `
  ALTER TABLE audit_log ADD COLUMN patient_id TEXT;
  ALTER TABLE audit_log ADD COLUMN room_id TEXT;
  ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
  ALTER TABLE audit_log ADD COLUMN hash TEXT;
  CREATE INDEX audit_log_who ON audit_log (who, id);
  CREATE INDEX audit_log_patient ON audit_log (patient_id, id);
  CREATE INDEX audit_log_at ON audit_log (at);`;

export const MIGRATIONS: readonly Migration[] = [
  {
    why: "issue 8: the clinic's records (patients, appointments, devices, staff, credentials)",
    sqlite: `CREATE TABLE records (
     kind TEXT NOT NULL, id TEXT NOT NULL, clinic_id TEXT NOT NULL, body TEXT NOT NULL,
     updated_at INTEGER NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
   CREATE INDEX records_kind_clinic ON records (kind, clinic_id, id);`,
    postgres: `CREATE TABLE records (
     kind TEXT NOT NULL, id TEXT NOT NULL, clinic_id TEXT NOT NULL, body TEXT NOT NULL,
     updated_at BIGINT NOT NULL, PRIMARY KEY (kind, id));
   CREATE INDEX records_kind_clinic ON records (kind, clinic_id, id);`,
  },
  {
    why: "issue 9 record: a room's events by seq and type, a patient's appointments without parsing every one",
    sqlite: `CREATE INDEX IF NOT EXISTS room_events_room_seq ON room_events (room_id, seq);
   CREATE INDEX IF NOT EXISTS room_events_room_type_seq ON room_events (room_id, type, seq);
   CREATE INDEX IF NOT EXISTS readings_patient_signal_t ON readings (patient_id, signal, t);
   CREATE INDEX IF NOT EXISTS records_kind_patient ON records (kind, json_extract(body, '$.patientId'), id);`,
    // No per-reading rows in PostgreSQL (readings are packs from the start): no readings index.
    postgres: `CREATE INDEX room_events_room_seq ON room_events (room_id, seq);
   CREATE INDEX room_events_room_type_seq ON room_events (room_id, type, seq);
   CREATE INDEX records_kind_patient ON records (kind, ((body::jsonb) ->> 'patientId'), id);`,
  },
  {
    why: "issue 9 audit: the trail names patient and room and becomes an append-only hash chain",
    sqlite: AUDIT_CHAIN_MIGRATION,
    postgres: `${AUDIT_CHAIN_MIGRATION}
  CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
  CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
  CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();`,
  },
  {
    why: "issue 9 replay: pose keyframes, one row per room and instant, read per visit by time, deleted by age",
    sqlite: `CREATE TABLE IF NOT EXISTS pose_keyframes (
     id INTEGER PRIMARY KEY, room_id TEXT NOT NULL, at INTEGER NOT NULL, seq INTEGER NOT NULL, poses BLOB NOT NULL);
   CREATE INDEX IF NOT EXISTS pose_keyframes_room_at ON pose_keyframes (room_id, at);
   CREATE INDEX IF NOT EXISTS pose_keyframes_at ON pose_keyframes (at);`,
    postgres: `CREATE TABLE pose_keyframes (
     id BIGSERIAL PRIMARY KEY, room_id TEXT NOT NULL, at BIGINT NOT NULL, seq BIGINT NOT NULL, poses BYTEA NOT NULL);
   CREATE INDEX pose_keyframes_room_at ON pose_keyframes (room_id, at);
   CREATE INDEX pose_keyframes_at ON pose_keyframes (at);`,
  },
  {
    why: "issue 9 retention: per-minute aggregates of rolled-up raw readings",
    sqlite: RETENTION_MIGRATION,
    postgres: `CREATE TABLE reading_minutes (
    patient_id TEXT NOT NULL, minute BIGINT NOT NULL, device_id TEXT NOT NULL, signal TEXT NOT NULL,
    tooth INTEGER NOT NULL, unit TEXT NOT NULL, value_min DOUBLE PRECISION, value_max DOUBLE PRECISION,
    value_sum DOUBLE PRECISION NOT NULL, valid_count BIGINT NOT NULL, invalid_count BIGINT NOT NULL,
    retracted_count BIGINT NOT NULL, PRIMARY KEY (patient_id, minute, device_id, signal, tooth));`,
  },
  {
    why: "issue 9 store: readings packed per batch and stream, compact batch keys (readingStore.ts)",
    sqlite: READING_PACKS_MIGRATION,
    postgres: `CREATE TABLE reading_streams (
    id BIGSERIAL PRIMARY KEY, patient_id TEXT NOT NULL, device_id TEXT NOT NULL, firmware TEXT NOT NULL,
    signal TEXT NOT NULL, tooth INTEGER NOT NULL, unit TEXT NOT NULL, max_span BIGINT NOT NULL DEFAULT 0,
    UNIQUE (patient_id, device_id, firmware, signal, tooth, unit));
  CREATE INDEX reading_streams_firmware ON reading_streams (firmware, device_id);
  CREATE TABLE reading_packs (
    id BIGSERIAL PRIMARY KEY, stream_id BIGINT NOT NULL REFERENCES reading_streams (id), t0 BIGINT NOT NULL,
    received_at BIGINT NOT NULL, n INTEGER NOT NULL, retracted_since BIGINT, body BYTEA NOT NULL);
  CREATE INDEX reading_packs_stream_t ON reading_packs (stream_id, t0);
  CREATE INDEX reading_packs_stream_received ON reading_packs (stream_id, received_at);
  CREATE TABLE soe_boots (
    id BIGSERIAL PRIMARY KEY, device_id TEXT NOT NULL, boot_id TEXT NOT NULL, UNIQUE (device_id, boot_id));
  CREATE TABLE soe_batch_keys (
    boot BIGINT NOT NULL REFERENCES soe_boots (id), seq BIGINT NOT NULL, digest BYTEA NOT NULL, PRIMARY KEY (boot, seq));
  ALTER TABLE reading_minutes ADD COLUMN below_count INTEGER;
  CREATE VIEW device_boot_batches AS
    SELECT b.device_id, b.boot_id, k.seq, upper(encode(k.digest, 'hex')) AS digest
    FROM soe_batch_keys k JOIN soe_boots b ON b.id = k.boot;`,
  },
  {
    why: "issue 9 record: audit entries carry the clinic; older rows stay null and still verify",
    sqlite: `ALTER TABLE audit_log ADD COLUMN clinic_id TEXT;
   CREATE INDEX IF NOT EXISTS audit_log_clinic ON audit_log (clinic_id, id);`,
    postgres: `ALTER TABLE audit_log ADD COLUMN clinic_id TEXT;
   CREATE INDEX audit_log_clinic ON audit_log (clinic_id, id);`,
  },
  {
    why: "issue 12 support groups: scheduled sessions, their invitations and the notes a group agreed to keep",
    sqlite: GROUPS_MIGRATION,
    postgres: GROUPS_MIGRATION,
  },
];

/** The version a database has once every step ran. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** A database newer than this server: refused with a message that says what to do. */
export function newerSchemaMessage(found: number): string {
  return `This database was written by a newer Chairside (schema ${found}, this one knows ${SCHEMA_VERSION}): update the server.`;
}
