/**
 * The audit trail as CSV for auditors' spreadsheets (RFC 4180). Every field is quoted, quotes are
 * doubled, and a field a spreadsheet would run as a formula (starting =, +, -, @, tab or CR) gets a
 * leading apostrophe (OWASP "CSV injection"): entries carry text typed by people (reasons, names).
 */
import type { AuditEntryView } from "../../shared/auditTrail.ts";

const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, quoted, formula-safe. */
export function csvField(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  const safe = typeof value === "string" && FORMULA_START.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

export const AUDIT_CSV_COLUMNS = [
  "id",
  "time (UTC)",
  "who",
  "action",
  "subject",
  "why",
  "patient",
  "room",
  "hash",
] as const;

export function auditCsvHeader(): string {
  return `${AUDIT_CSV_COLUMNS.map(csvField).join(",")}\r\n`;
}

export function auditCsvRow(e: AuditEntryView): string {
  return `${[
    e.id,
    new Date(e.at).toISOString(),
    e.who,
    e.action,
    e.subject,
    e.why,
    e.patientId,
    e.roomId,
    e.hash,
  ]
    .map(csvField)
    .join(",")}\r\n`;
}
