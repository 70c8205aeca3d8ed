/**
 * Staff accounts as an admin manages them: list, create (with an enrolment link the new person
 * sets their password or passkey with), edit, disable and enable. Accounts are stored as
 * `RecordKind.staff`, which sign-in also writes (password hash), so every change reads the stored
 * record first and keeps what it does not own. Disabling goes through the auth side
 * (`StaffAccountsPort.disable`): it marks the account, ends its sessions and cuts its live sockets.
 */
import { randomBytes } from "node:crypto";
import {
  type EnrolmentLink,
  type StaffCreated,
  type StaffInput,
  type StaffRecord,
  type StaffView,
  staffRecordSchema,
} from "../../shared/records.ts";
import { staffView } from "../auth/staffAccounts.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";
import type { ClinicDirectory } from "./clinicDirectory.ts";
import { ChangeQueue, conflict, notFound, type Outcome } from "./outcome.ts";

/** What the records side needs of the auth side (auth's `Enrolments.create` and `disableStaff`). */
export interface StaffAccountsPort {
  /** A one-time link (token in the `#fragment`) for the account to set its password or passkey. */
  enrolmentLink(staffId: string): Promise<EnrolmentLink | null>;
  /** Marks the account disabled, ends all its sessions and cuts its live connections. */
  disable(staffId: string): Promise<void>;
}

function newStaffId(): string {
  return `s-${randomBytes(9)
    .toString("base64url")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "x")}`;
}

function parseStaff(body: string): StaffRecord | null {
  try {
    const parsed = staffRecordSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export class StaffDirectory {
  private readonly changes = new ChangeQueue();

  constructor(
    private readonly storage: Storage,
    private readonly directory: ClinicDirectory,
    private readonly accounts: StaffAccountsPort,
    private readonly now: () => number,
  ) {}

  private serial<T>(change: () => Promise<T>): Promise<T> {
    return this.changes.run(change);
  }

  private async putAsync(staff: StaffRecord): Promise<void> {
    await this.storage.putRecords([
      {
        kind: RecordKind.staff,
        id: staff.staffId,
        clinicId: staff.clinicId,
        body: JSON.stringify(staff),
        updatedAt: staff.updatedAt,
      },
    ]);
    this.directory.notePerson(staff);
  }

  private async getAsync(clinicId: string, staffId: string): Promise<StaffRecord | null> {
    const row = await this.storage.getRecord(RecordKind.staff, staffId);
    const staff = row ? parseStaff(row.body) : null;
    return staff && staff.clinicId === clinicId ? staff : null;
  }

  /** The clinic's accounts, by name; never a password hash. */
  async list(clinicId: string): Promise<StaffView[]> {
    const passkeys = await this.passkeyCounts();
    return (await this.directory.staffOf(clinicId))
      .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.staffId.localeCompare(b.staffId))
      .map((s) => staffView(s, passkeys.get(s.staffId) ?? 0));
  }

  /** One account as the staff area shows it. */
  async view(s: StaffRecord): Promise<StaffView> {
    return staffView(s, (await this.passkeyCounts()).get(s.staffId) ?? 0);
  }

  private async passkeyCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const row of await this.storage.listRecords(RecordKind.passkey)) {
      try {
        const staffId = (JSON.parse(row.body) as { staffId?: unknown }).staffId;
        if (typeof staffId === "string") counts.set(staffId, (counts.get(staffId) ?? 0) + 1);
      } catch {
        // A passkey row that is not JSON counts for nobody (its owner, auth, logs it).
      }
    }
    return counts;
  }

  /** An e-mail address signs one person in: no two accounts share it, in any clinic. */
  private async emailTaken(email: string, exceptStaffId: string | null): Promise<boolean> {
    for (const row of await this.storage.listRecords(RecordKind.staff)) {
      const s = parseStaff(row.body);
      if (s && s.email === email && s.staffId !== exceptStaffId) return true;
    }
    return false;
  }

  create(clinicId: string, input: StaffInput): Promise<Outcome<StaffCreated>> {
    return this.serial(async () => {
      if (await this.emailTaken(input.email, null)) return emailConflict();
      const at = this.now();
      const staff = staffRecordSchema.parse({
        ...input,
        staffId: newStaffId(),
        clinicId,
        disabledAt: null,
        passwordHash: null,
        createdAt: at,
        updatedAt: at,
      });
      await this.putAsync(staff);
      const enrolment = await this.accounts.enrolmentLink(staff.staffId);
      return { ok: true, value: { staff: staffView(staff, 0), enrolment } };
    });
  }

  /** A fresh enrolment link for an enabled account (the old link was lost, or has expired). */
  async enrol(clinicId: string, staffId: string): Promise<Outcome<EnrolmentLink>> {
    const staff = await this.getAsync(clinicId, staffId);
    if (!staff) return noStaff();
    if (staff.disabledAt !== null) return conflict("Enable this account before enrolling it.");
    const link = await this.accounts.enrolmentLink(staffId);
    if (!link) return conflict("Enrolment links cannot be made on this server yet.");
    return { ok: true, value: link };
  }

  update(clinicId: string, staffId: string, input: StaffInput, by: StaffRecord): Promise<Outcome<StaffView>> {
    return this.serial(async () => {
      const old = await this.getAsync(clinicId, staffId);
      if (!old) return noStaff();
      if (staffId === by.staffId && input.role !== old.role) {
        return conflict("You cannot change your own role: ask another admin.", "role");
      }
      if (await this.emailTaken(input.email, staffId)) return emailConflict();
      const staff = staffRecordSchema.parse({ ...old, ...input, updatedAt: this.now() });
      await this.putAsync(staff);
      return { ok: true, value: staffView(staff, (await this.passkeyCounts()).get(staffId) ?? 0) };
    });
  }

  /** Disables an account: its sessions and live connections end at once (auth does that part). */
  disable(clinicId: string, staffId: string, by: StaffRecord): Promise<Outcome<StaffView>> {
    return this.serial(async () => {
      const old = await this.getAsync(clinicId, staffId);
      if (!old) return noStaff();
      if (staffId === by.staffId) return conflict("You cannot disable your own account.");
      await this.accounts.disable(staffId);
      const now = await this.getAsync(clinicId, staffId);
      return { ok: true, value: staffView(now ?? old, (await this.passkeyCounts()).get(staffId) ?? 0) };
    });
  }

  enable(clinicId: string, staffId: string): Promise<Outcome<StaffView>> {
    return this.serial(async () => {
      const old = await this.getAsync(clinicId, staffId);
      if (!old) return noStaff();
      const staff = { ...old, disabledAt: null, updatedAt: this.now() };
      await this.putAsync(staff);
      return { ok: true, value: staffView(staff, (await this.passkeyCounts()).get(staffId) ?? 0) };
    });
  }
}

function noStaff() {
  return notFound("There is no such account in this clinic.");
}

function emailConflict() {
  return conflict("Another account already signs in with this e-mail address.", "email");
}
