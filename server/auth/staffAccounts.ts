/**
 * Staff accounts as sign-in sees them: find an account by e-mail, keep its password hash, disable
 * it, and say when its credentials end. The staff area (server/directory) edits names and roles;
 * both read and write the same `staff` records through `Storage`, validated with the schema in
 * `shared/records.ts`.
 *
 * This is also the staff credential checker of the one authenticator (`identifyStaff`), and the
 * source of staff revocations (`onRevoked`): sign-out and a disabled account end sessions here,
 * and the gateway cuts the sockets that rode on them at once.
 */
import { randomBytes } from "node:crypto";
import { type StaffRecord, type StaffRole, type StaffView, staffRecordSchema } from "../../shared/records.ts";
import { createLogger } from "../log.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";
import { staffSessionToken } from "./httpGuard.ts";
import type { Identity } from "./identity.ts";
import { SessionExpiry, type Timers } from "./sessionExpiry.ts";
import type { StaffSessions } from "./staffSessions.ts";

const log = createLogger("staff-accounts");

export type RevokedListener = (credentialIds: readonly string[]) => void;

/** The clinic real accounts belong to; the demo clinic has no accounts (anyone may try it). */
export const MAIN_CLINIC = "main";

export class StaffAccounts {
  private readonly listeners: RevokedListener[] = [];
  /** A timer per session a live connection rides on: it is cut the moment the session runs out. */
  readonly expiry: SessionExpiry;

  constructor(
    private readonly storage: Storage,
    private readonly sessions: StaffSessions,
    private readonly https: boolean,
    private readonly now: () => number = Date.now,
    timers?: Timers,
  ) {
    this.expiry = new SessionExpiry(sessions, (ids) => this.revoked(ids), now, timers);
  }

  async get(staffId: string): Promise<StaffRecord | null> {
    const row = await this.storage.getRecord(RecordKind.staff, staffId);
    if (!row) return null;
    const parsed = staffRecordSchema.safeParse(JSON.parse(row.body));
    if (!parsed.success) {
      log.error("stored staff record does not parse", { staffId });
      return null;
    }
    return parsed.data;
  }

  /** The main clinic's account with this e-mail (already lower-cased by the schema), enabled or not. */
  async byEmail(email: string): Promise<StaffRecord | null> {
    for (const row of await this.storage.listRecords(RecordKind.staff, MAIN_CLINIC)) {
      const parsed = staffRecordSchema.safeParse(JSON.parse(row.body));
      if (parsed.success && parsed.data.email === email) return parsed.data;
    }
    return null;
  }

  /** The main clinic's enabled admin accounts. */
  async enabledAdmins(): Promise<StaffRecord[]> {
    const out: StaffRecord[] = [];
    for (const row of await this.storage.listRecords(RecordKind.staff, MAIN_CLINIC)) {
      const parsed = staffRecordSchema.safeParse(JSON.parse(row.body));
      if (parsed.success && parsed.data.role === "admin" && parsed.data.disabledAt === null)
        out.push(parsed.data);
    }
    return out;
  }

  async save(staff: StaffRecord): Promise<void> {
    const checked = staffRecordSchema.parse(staff);
    await this.storage.putRecords([
      {
        kind: RecordKind.staff,
        id: checked.staffId,
        clinicId: checked.clinicId,
        body: JSON.stringify(checked),
        updatedAt: checked.updatedAt,
      },
    ]);
  }

  /** Creates an account in the main clinic (the first admin at setup). */
  async create(input: { displayName: string; email: string; role: StaffRole }): Promise<StaffRecord> {
    const at = this.now();
    const staff: StaffRecord = {
      staffId: newStaffId(input.displayName),
      clinicId: MAIN_CLINIC,
      displayName: input.displayName,
      email: input.email,
      role: input.role,
      disabledAt: null,
      passwordHash: null,
      createdAt: at,
      updatedAt: at,
    };
    await this.save(staff);
    return staff;
  }

  async setPasswordHash(staff: StaffRecord, passwordHash: string): Promise<StaffRecord> {
    const next = { ...staff, passwordHash, updatedAt: this.now() };
    await this.save(next);
    return next;
  }

  /**
   * Disables an account: it cannot sign in, every session ends, and every live connection that
   * rode on one is cut (through `onRevoked`). Returns the ended session ids; false if no such account.
   */
  async disableStaff(staffId: string, by = "admin"): Promise<string[] | false> {
    const staff = await this.get(staffId);
    if (!staff) return false;
    if (staff.disabledAt === null) {
      const at = this.now();
      await this.save({ ...staff, disabledAt: at, updatedAt: at });
    }
    const ended = await this.sessions.endAllFor(staffId);
    this.expiry.forget(ended);
    log.info("account disabled", { staffId, sessionsEnded: ended.length });
    await this.audit(by, "account.disable", staffId, `${ended.length} session(s) ended`);
    this.revoked(ended);
    return ended;
  }

  /** One line in the append-only audit log: who did what to which account, and why. */
  async audit(who: string, action: string, subject: string, why: string): Promise<void> {
    await this.storage.audit({ at: this.now(), who, action, subject, why });
  }

  /** Ends one session (sign-out) and cuts its live connections. */
  async signOut(sessionId: string): Promise<void> {
    await this.sessions.end(sessionId);
    this.expiry.forget([sessionId]);
    this.revoked([sessionId]);
  }

  /**
   * The staff credential checker: the signed-in staff member a Cookie header's session names, or
   * null. The credential id is the session id, so ending the session revokes exactly its sockets.
   */
  async identifyStaff(cookieHeader: string | undefined): Promise<Identity | null> {
    const live = await this.sessions.lookup(staffSessionToken(cookieHeader, this.https));
    if (!live) return null;
    // Whoever asks (a socket's handshake or its re-check) may ride on it: cut it when it runs out.
    this.expiry.watch(live.session);
    return {
      kind: "staff",
      credentialId: live.session.sessionId,
      staffId: live.staff.staffId,
      clinicId: live.staff.clinicId,
      role: live.staff.role,
      displayName: live.staff.displayName,
    };
  }

  /** Called with the session ids that just ended (sign-out, account disabled). */
  onRevoked(listener: RevokedListener): void {
    this.listeners.push(listener);
  }

  private revoked(ids: readonly string[]): void {
    if (ids.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(ids);
      } catch (error) {
        log.error("revocation listener failed", { error: String(error) });
      }
    }
  }
}

/** What the session endpoint and the staff area show of an account. */
export function staffView(staff: StaffRecord, passkeys: number): StaffView {
  const { passwordHash, ...rest } = staff;
  return { ...rest, hasPassword: passwordHash !== null, passkeys };
}

/** "Dr. Ana Lopez" → "ana-lopez-3f9a": readable in logs, unique by its random tail. */
function newStaffId(displayName: string): string {
  const slug = displayName
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/^(dr|mr|mrs|ms)-/, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `${slug || "staff"}-${randomBytes(3).toString("hex")}`;
}
