/**
 * One-time links that let a person set up their own sign-in (issue 8): the first admin's setup
 * link printed at start, and the enrolment link an admin gets when creating a staff account. The
 * token travels in the URL's `#fragment` (never sent to any server, never in a log or a Referer);
 * the setup page posts it in a JSON body and removes it from the address bar at once. Only its
 * SHA-256 is kept, it works once, and it expires.
 *
 * Enrolment links are stored records (`RecordKind.enrolment`, keyed by the token's hash): an admin
 * hands one to a colleague who may open it tomorrow, and a restart in between must not break it.
 * The first admin's setup link stays in memory on purpose: it is shown only in this process's log,
 * and every start with no usable admin prints a fresh one, so a stored copy would only be a second
 * live way in that nobody can see.
 */
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { EnrolmentLink } from "../../shared/records.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";

/** The first admin's setup link: 30 minutes. */
export const SETUP_TTL_MS = 30 * 60_000;
/** An enrolment link an admin hands a colleague: one working day. */
export const ENROLMENT_TTL_MS = 24 * 3_600_000;

/** The clinic real accounts (and so their enrolment links) belong to. */
const ENROLMENT_CLINIC = "main";

const enrolmentBodySchema = z.strictObject({ staffId: z.string().min(1), expiresAt: z.number() });

export interface Enrolment {
  /** The account being enrolled; null for the first admin, whose account the setup creates. */
  staffId: string | null;
  expiresAt: number;
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export class Enrolments {
  /** The first admin's setup link, by token hash (in memory, see the top of the file). */
  private setup: { key: string; expiresAt: number } | null = null;

  /** `origin()` is where links point by default (the server's public origin). */
  constructor(
    private readonly storage: Storage,
    private readonly origin: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A link for an existing account to set its password or passkey and sign in. Any earlier link for
   * the same account stops working. Pass the origin the admin used, so the link names the same host.
   */
  async create(staffId: string, origin: string = this.origin()): Promise<EnrolmentLink> {
    await this.revokeFor(staffId);
    const token = randomBytes(32).toString("base64url");
    const expiresAt = this.now() + ENROLMENT_TTL_MS;
    await this.storage.putRecords([
      {
        kind: RecordKind.enrolment,
        id: digest(token),
        clinicId: ENROLMENT_CLINIC,
        body: JSON.stringify({ staffId, expiresAt }),
        updatedAt: this.now(),
      },
    ]);
    return { url: linkOf(origin, token), expiresAt };
  }

  /** The first admin's setup link (only one is valid at a time). */
  createFirstAdmin(origin: string = this.origin()): EnrolmentLink {
    const token = randomBytes(32).toString("base64url");
    this.setup = { key: digest(token), expiresAt: this.now() + SETUP_TTL_MS };
    return { url: linkOf(origin, token), expiresAt: this.setup.expiresAt };
  }

  /** What a live token is for, without using it up (the setup page shows whose account it is). */
  async peek(token: string): Promise<Enrolment | null> {
    const key = digest(token);
    if (this.setup?.key === key) {
      if (this.now() < this.setup.expiresAt) return { staffId: null, expiresAt: this.setup.expiresAt };
      this.setup = null;
      return null;
    }
    const row = await this.storage.getRecord(RecordKind.enrolment, key);
    if (!row) return null;
    const body = enrolmentBodySchema.safeParse(JSON.parse(row.body));
    if (!body.success || this.now() >= body.data.expiresAt) {
      await this.storage.deleteRecords(RecordKind.enrolment, [key]);
      return null;
    }
    return body.data;
  }

  /** Uses a token up: it never works again. Null when unknown, used or expired. */
  async consume(token: string): Promise<Enrolment | null> {
    const e = await this.peek(token);
    if (!e) return null;
    const key = digest(token);
    if (e.staffId === null) this.setup = null;
    else await this.storage.deleteRecords(RecordKind.enrolment, [key]);
    return e;
  }

  /** Every link for this account stops working (a new link replaces it, or the account was disabled). */
  async revokeFor(staffId: string): Promise<void> {
    const ids: string[] = [];
    for (const row of await this.storage.listRecords(RecordKind.enrolment, ENROLMENT_CLINIC)) {
      const body = enrolmentBodySchema.safeParse(JSON.parse(row.body));
      // Unreadable or expired rows go on the way too.
      if (!body.success || body.data.staffId === staffId || this.now() >= body.data.expiresAt)
        ids.push(row.id);
    }
    if (ids.length > 0) await this.storage.deleteRecords(RecordKind.enrolment, ids);
  }
}

function linkOf(origin: string, token: string): string {
  return `${origin}/setup.html#${token}`;
}
