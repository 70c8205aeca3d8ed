/**
 * A signed-in staff member for tests that are about something else than signing in: the account
 * is stored as the staff area stores it and the session is made by the same StaffSessions the
 * sign-in routes use. Returns what a browser would hold: the cookie and the page's CSRF token.
 */
import type { Chairside } from "../server/app.ts";
import { CookieName, cookieName } from "../server/auth/identity.ts";
import { RecordKind } from "../server/storage/storage.ts";
import { type StaffRecord, type StaffRole, staffRecordSchema } from "../shared/records.ts";

export interface SignedInStaff {
  staff: StaffRecord;
  /** The Cookie header a browser would send. */
  cookie: string;
  csrfToken: string;
  sessionId: string;
}

export async function signedInStaff(
  app: Chairside,
  who: { staffId: string; role: StaffRole; clinicId?: string; displayName?: string; email?: string },
  https = false,
): Promise<SignedInStaff> {
  const at = Date.now();
  const staff = staffRecordSchema.parse({
    staffId: who.staffId,
    clinicId: who.clinicId ?? "main",
    displayName: who.displayName ?? who.staffId,
    email: who.email ?? `${who.staffId}@clinic.example`,
    role: who.role,
    disabledAt: null,
    passwordHash: null,
    createdAt: at,
    updatedAt: at,
  });
  const existing = await app.storage.getRecord(RecordKind.staff, staff.staffId);
  if (!existing) {
    await app.storage.putRecords([
      {
        kind: RecordKind.staff,
        id: staff.staffId,
        clinicId: staff.clinicId,
        body: JSON.stringify(staff),
        updatedAt: at,
      },
    ]);
  }
  const { token, session } = await app.staffSessions.create(staff, "test");
  return {
    staff,
    cookie: `${cookieName(CookieName.staffSession, https)}=${token}`,
    csrfToken: session.csrfToken,
    sessionId: session.sessionId,
  };
}
