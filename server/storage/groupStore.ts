/**
 * Support groups in storage (issue 12): the sessions a host scheduled, their invitations (a
 * withdrawn link stays withdrawn after a restart) and the notes a group agreed to keep. Notes the
 * group did not agree to keep never reach this file: they live in the room's memory and are
 * erased when the session ends.
 *
 * The statements are written once, in the SQL both backends speak (`?` placeholders, numbered for
 * PostgreSQL by `numbered`; `ON CONFLICT` upserts), and each backend only runs them: SQLite in one
 * `db.transaction`, PostgreSQL on its write lane. A write is a list of statements that commit together.
 */
import { z } from "zod";
import { agendaTopicSchema } from "../../shared/supportGroup.ts";

/** Where a scheduled session stands. */
export const GroupStatus = { scheduled: "scheduled", ended: "ended", cancelled: "cancelled" } as const;
export type GroupStatus = (typeof GroupStatus)[keyof typeof GroupStatus];

const storedGroupSchema = z.strictObject({
  groupId: z.string(),
  clinicId: z.string(),
  hostStaffId: z.string(),
  hostName: z.string(),
  title: z.string(),
  /** ISO date-time with the clinic's offset, as the host scheduled it. */
  startsAt: z.string(),
  /** The clinic's time zone (IANA) the host scheduled in, so the page shows the same wall clock. */
  timeZone: z.string(),
  agenda: z.array(agendaTopicSchema),
  status: z.enum([GroupStatus.scheduled, GroupStatus.ended, GroupStatus.cancelled]),
  createdAt: z.number(),
  /** When it ended or was cancelled. */
  closedAt: z.number().nullable(),
});
export type StoredGroup = z.infer<typeof storedGroupSchema>;

export interface StoredGroupInvite {
  inviteId: string;
  groupId: string;
  /** The clinic's patient it was made for (the host picked them from the directory), or null for a plain link. */
  patientId: string | null;
  createdAt: number;
  expiresAt: number;
  withdrawnAt: number | null;
}

/** A note of the board that the whole group agreed to keep. */
export interface KeptGroupNote {
  groupId: string;
  noteId: number;
  text: string;
  by: string;
  at: number;
}

/** Which groups to read: one clinic's and/or one status, soonest first. */
export interface GroupFilter {
  clinicId?: string;
  status?: GroupStatus;
}

/** One statement and its parameters. */
export type Statement = readonly [sql: string, params: readonly unknown[]];

/** The schema step (both dialects: BIGINT is an integer in SQLite too). */
export const GROUPS_MIGRATION = `CREATE TABLE support_groups (
     group_id TEXT PRIMARY KEY, clinic_id TEXT NOT NULL, host_staff_id TEXT NOT NULL, host_name TEXT NOT NULL,
     title TEXT NOT NULL, starts_at TEXT NOT NULL, starts_ms BIGINT NOT NULL, time_zone TEXT NOT NULL,
     agenda TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL, closed_at BIGINT);
   CREATE INDEX support_groups_clinic ON support_groups (clinic_id, starts_ms);
   CREATE INDEX support_groups_status ON support_groups (status, starts_ms);
   CREATE TABLE group_invites (
     invite_id TEXT PRIMARY KEY, group_id TEXT NOT NULL, patient_id TEXT, created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL, withdrawn_at BIGINT);
   CREATE INDEX group_invites_group ON group_invites (group_id, created_at);
   CREATE TABLE group_kept_notes (
     group_id TEXT NOT NULL, note_id INTEGER NOT NULL, text TEXT NOT NULL, by_name TEXT NOT NULL,
     at BIGINT NOT NULL, PRIMARY KEY (group_id, note_id));`;

/** `?` placeholders as PostgreSQL's `$1, $2, …` (the statements here hold no `?` in literals). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const GROUP_COLUMNS =
  "group_id, clinic_id, host_staff_id, host_name, title, starts_at, time_zone, agenda, status, created_at, closed_at";
const INVITE_COLUMNS = "invite_id, group_id, patient_id, created_at, expires_at, withdrawn_at";

/** Writes: each a list of statements that commit together. */
export const groupWrites = {
  /** Inserts a group or replaces its plan and status. */
  save(g: StoredGroup): Statement[] {
    return [
      [
        `INSERT INTO support_groups (${GROUP_COLUMNS}, starts_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (group_id) DO UPDATE SET clinic_id = excluded.clinic_id, host_staff_id = excluded.host_staff_id,
           host_name = excluded.host_name, title = excluded.title, starts_at = excluded.starts_at,
           time_zone = excluded.time_zone, agenda = excluded.agenda, status = excluded.status,
           created_at = excluded.created_at, closed_at = excluded.closed_at, starts_ms = excluded.starts_ms`,
        [
          g.groupId,
          g.clinicId,
          g.hostStaffId,
          g.hostName,
          g.title,
          g.startsAt,
          g.timeZone,
          JSON.stringify(g.agenda),
          g.status,
          g.createdAt,
          g.closedAt,
          Date.parse(g.startsAt),
        ],
      ],
    ];
  },
  /** The session ended or was cancelled; the notes the group agreed to keep are stored with it. */
  close(groupId: string, status: GroupStatus, at: number, kept: readonly KeptGroupNote[]): Statement[] {
    return [
      ["UPDATE support_groups SET status = ?, closed_at = ? WHERE group_id = ?", [status, at, groupId]],
      ...kept.map(
        (n): Statement => [
          `INSERT INTO group_kept_notes (group_id, note_id, text, by_name, at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
          [groupId, n.noteId, n.text, n.by, n.at],
        ],
      ),
    ];
  },
  saveInvite(i: StoredGroupInvite): Statement[] {
    return [
      [
        `INSERT INTO group_invites (${INVITE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (invite_id) DO UPDATE SET withdrawn_at = excluded.withdrawn_at`,
        [i.inviteId, i.groupId, i.patientId, i.createdAt, i.expiresAt, i.withdrawnAt],
      ],
    ];
  },
  /** Withdraws an invitation; withdrawing twice keeps the first time. */
  withdrawInvite(inviteId: string, at: number): Statement[] {
    return [
      [
        "UPDATE group_invites SET withdrawn_at = ? WHERE invite_id = ? AND withdrawn_at IS NULL",
        [at, inviteId],
      ],
    ];
  },
};

interface GroupRow {
  group_id: string;
  clinic_id: string;
  host_staff_id: string;
  host_name: string;
  title: string;
  starts_at: string;
  time_zone: string;
  agenda: string;
  status: string;
  created_at: number;
  closed_at: number | null;
}

interface InviteRow {
  invite_id: string;
  group_id: string;
  patient_id: string | null;
  created_at: number;
  expires_at: number;
  withdrawn_at: number | null;
}

interface NoteRow {
  group_id: string;
  note_id: number;
  text: string;
  by_name: string;
  at: number;
}

/** Reads: a statement and how to turn its rows into the contract's values. */
export const groupReads = {
  groups(filter: GroupFilter): Statement {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.clinicId !== undefined) {
      where.push("clinic_id = ?");
      params.push(filter.clinicId);
    }
    if (filter.status !== undefined) {
      where.push("status = ?");
      params.push(filter.status);
    }
    return [
      `SELECT ${GROUP_COLUMNS} FROM support_groups ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY starts_ms, group_id`,
      params,
    ];
  },
  /** The `limit` sessions that closed last (cancelled or ended), the latest first. */
  recentlyClosed(limit: number): Statement {
    return [
      `SELECT ${GROUP_COLUMNS} FROM support_groups WHERE status IN (?, ?) AND closed_at IS NOT NULL
       ORDER BY closed_at DESC, group_id DESC LIMIT ?`,
      [GroupStatus.cancelled, GroupStatus.ended, limit],
    ];
  },
  invites(groupId: string): Statement {
    return [
      `SELECT ${INVITE_COLUMNS} FROM group_invites WHERE group_id = ? ORDER BY created_at, invite_id`,
      [groupId],
    ];
  },
  keptNotes(groupId: string): Statement {
    return [
      "SELECT group_id, note_id, text, by_name, at FROM group_kept_notes WHERE group_id = ? ORDER BY note_id",
      [groupId],
    ];
  },
};

/** A group row as the contract's value; a row that does not parse is a broken invariant (it throws). */
export function fromGroupRow(row: unknown): StoredGroup {
  const r = row as GroupRow;
  return storedGroupSchema.parse({
    groupId: r.group_id,
    clinicId: r.clinic_id,
    hostStaffId: r.host_staff_id,
    hostName: r.host_name,
    title: r.title,
    startsAt: r.starts_at,
    timeZone: r.time_zone,
    agenda: JSON.parse(r.agenda),
    status: r.status,
    createdAt: Number(r.created_at),
    closedAt: r.closed_at === null ? null : Number(r.closed_at),
  });
}

export function fromInviteRow(row: unknown): StoredGroupInvite {
  const r = row as InviteRow;
  return {
    inviteId: r.invite_id,
    groupId: r.group_id,
    patientId: r.patient_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    withdrawnAt: r.withdrawn_at === null ? null : Number(r.withdrawn_at),
  };
}

export function fromNoteRow(row: unknown): KeptGroupNote {
  const r = row as NoteRow;
  return { groupId: r.group_id, noteId: Number(r.note_id), text: r.text, by: r.by_name, at: Number(r.at) };
}
