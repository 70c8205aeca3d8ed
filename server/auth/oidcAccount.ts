/**
 * Which Chairside account a single sign-on is for. The identity provider vouches for an e-mail
 * address; the clinic's admin decides who has an account, with which role. So the address must
 * name exactly one staff account of the real clinic, and that account must be enabled: single
 * sign-on never creates an account, never picks a role, and never reaches the demo clinic.
 */
import { type StaffRecord, staffRecordSchema } from "../../shared/records.ts";
import { ClinicId } from "../clinic.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";

export type AccountMatch =
  | { kind: "found"; staff: StaffRecord }
  | { kind: "none" }
  | { kind: "disabled" }
  /** Two enabled accounts share the address: which role to give is the admin's call, not ours. */
  | { kind: "ambiguous" };

/** The clinic's staff account an e-mail address names (pure: the accounts are passed in). */
export function matchAccount(
  accounts: readonly StaffRecord[],
  email: string,
  clinicId: string,
): AccountMatch {
  const wanted = email.trim().toLowerCase();
  const same = accounts.filter((a) => a.clinicId === clinicId && a.email.toLowerCase() === wanted);
  const enabled = same.filter((a) => a.disabledAt === null);
  if (enabled.length === 1) return { kind: "found", staff: enabled[0]! };
  if (enabled.length > 1) return { kind: "ambiguous" };
  return same.length > 0 ? { kind: "disabled" } : { kind: "none" };
}

/** The real clinic's account for an address, read from storage (unreadable rows are skipped, not trusted). */
export async function findStaffByEmail(storage: Storage, email: string): Promise<AccountMatch> {
  const accounts: StaffRecord[] = [];
  for (const row of await storage.listRecords(RecordKind.staff, ClinicId.main)) {
    const parsed = staffRecordSchema.safeParse(parseJson(row.body));
    if (parsed.success) accounts.push(parsed.data);
  }
  return matchAccount(accounts, email, ClinicId.main);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
