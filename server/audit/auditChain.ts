/**
 * The audit trail's tamper evidence (HIPAA §164.312(b)): every entry stores
 * `hash = SHA-256(previous hash + canonical content)`, so changing, removing or reordering any stored
 * row breaks every link after it. Pure functions, shared by the storage that writes the chain and
 * the verify command that reads it back. `AUDIT_COLUMNS` is the one list of an entry's fields: the
 * canonical content and the storage's INSERT both come from it. A column added once rows were
 * already chained (the clinic) enters the content only when it has a value, so old rows verify.
 */
import { createHash } from "node:crypto";
import type { AuditEntry } from "../storage/storage.ts";

/** The hash the first entry of a trail chains onto. */
export const GENESIS_HASH = "0".repeat(64);

/** One stored row of the trail as the chain sees it. */
export interface ChainedAuditRow extends AuditEntry {
  id: number;
  prevHash: string;
  hash: string;
}

type AuditValue = string | number | null;

/** An entry's stored fields in their fixed order: column name and value. */
export const AUDIT_COLUMNS: readonly {
  column: string;
  value: (e: AuditEntry) => AuditValue;
  /** Added after rows were chained: left out of the content while null (old rows hash as before). */
  later?: true;
}[] = [
  { column: "at", value: (e) => e.at },
  { column: "who", value: (e) => e.who },
  { column: "action", value: (e) => e.action },
  { column: "subject", value: (e) => e.subject },
  { column: "why", value: (e) => e.why },
  { column: "patient_id", value: (e) => e.patientId ?? null },
  { column: "room_id", value: (e) => e.roomId ?? null },
  { column: "clinic_id", value: (e) => e.clinicId ?? null, later: true },
];

/** The entry's values in `AUDIT_COLUMNS` order (what the storage inserts). */
export function auditColumnValues(entry: AuditEntry): AuditValue[] {
  return AUDIT_COLUMNS.map((c) => c.value(entry));
}

/**
 * The entry's content in one fixed form: a JSON array in a fixed field order, absent fields as null,
 * so the same entry always hashes the same (key order or `undefined` vs missing cannot change it).
 * The row id is part of it: moving a row to another id breaks its link. Columns added later are
 * appended only when set, so an entry written before them keeps its content and its hash.
 */
export function canonicalAuditContent(id: number, entry: AuditEntry): string {
  const values: AuditValue[] = [id];
  for (const c of AUDIT_COLUMNS) {
    const v = c.value(entry);
    if (!c.later || v !== null) values.push(v);
  }
  return JSON.stringify(values);
}

export function auditHash(prevHash: string, id: number, entry: AuditEntry): string {
  return createHash("sha256").update(prevHash).update(canonicalAuditContent(id, entry)).digest("hex");
}

/** The first link that does not hold, and what differs there. */
export interface BrokenLink {
  id: number;
  /** `prev_hash`: the row does not point at the row before it; `hash`: its content was changed. */
  field: "prev_hash" | "hash";
  expected: string;
  found: string;
}

/**
 * Walks rows (in id order, possibly one page of a longer trail) from the hash before them. Answers
 * the first broken link, or null and the hash to continue the walk from.
 */
export function verifyAuditRows(
  rows: readonly ChainedAuditRow[],
  previousHash: string,
): { broken: BrokenLink | null; lastHash: string } {
  let prev = previousHash;
  for (const row of rows) {
    if (row.prevHash !== prev) {
      return {
        broken: { id: row.id, field: "prev_hash", expected: prev, found: row.prevHash },
        lastHash: prev,
      };
    }
    const expected = auditHash(prev, row.id, row);
    if (row.hash !== expected) {
      return { broken: { id: row.id, field: "hash", expected, found: row.hash }, lastHash: prev };
    }
    prev = row.hash;
  }
  return { broken: null, lastHash: prev };
}

/** What a verify run found: how many rows it checked and the first broken link, if any. */
export interface ChainReport {
  checked: number;
  broken: BrokenLink | null;
  /** The hash of the last row checked: written down elsewhere, it also shows the tail was not cut. */
  lastHash: string;
}

/** Reads a trail page by page through `page(afterId, limit)` and verifies it end to end. */
export async function verifyAuditChainAsync(
  page: (afterId: number, limit: number) => Promise<ChainedAuditRow[]>,
  pageSize = 5_000,
): Promise<ChainReport> {
  let afterId = 0;
  let lastHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await page(afterId, pageSize);
    if (rows.length === 0) return { checked, broken: null, lastHash };
    const result = verifyAuditRows(rows, lastHash);
    if (result.broken) {
      return {
        checked: checked + rows.findIndex((r) => r.id === result.broken?.id),
        broken: result.broken,
        lastHash,
      };
    }
    checked += rows.length;
    lastHash = result.lastHash;
    afterId = rows[rows.length - 1]!.id;
  }
}

/** A report in one sentence for people (the admin page and the command line). */
export function describeChainReport(report: ChainReport): string {
  if (!report.broken) return `The audit trail is intact: ${report.checked} entries, every link holds.`;
  const { id, field, expected, found } = report.broken;
  return field === "hash"
    ? `Broken at entry ${id}: its content was changed after it was written (hash ${found.slice(0, 12)}…, content hashes to ${expected.slice(0, 12)}…). ${report.checked} entries before it hold.`
    : `Broken at entry ${id}: it does not follow the entry before it (previous hash ${found.slice(0, 12)}…, expected ${expected.slice(0, 12)}…): an entry was removed, inserted or reordered. ${report.checked} entries before it hold.`;
}

/** A row of `audit_log` as SQLite returns it (the server's storage and `audit:verify` read it). */
export interface AuditRow {
  id: number;
  at: number;
  who: string;
  action: string;
  subject: string;
  why: string;
  patient_id: string | null;
  room_id: string | null;
  /** Absent in a database from before the clinic column. */
  clinic_id?: string | null;
  prev_hash: string | null;
  hash: string | null;
}

export function fromAuditRow(row: AuditRow): ChainedAuditRow {
  return {
    id: row.id,
    at: row.at,
    who: row.who,
    action: row.action,
    subject: row.subject,
    why: row.why,
    ...(row.patient_id !== null ? { patientId: row.patient_id } : {}),
    ...(row.room_id !== null ? { roomId: row.room_id } : {}),
    ...(row.clinic_id != null ? { clinicId: row.clinic_id } : {}),
    prevHash: row.prev_hash ?? "",
    hash: row.hash ?? "",
  };
}
