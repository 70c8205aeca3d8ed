/**
 * One-time links that let a person set up their own sign-in (issue 8): the first admin's setup
 * link printed at start, and the enrolment link an admin gets when creating a staff account. The
 * token travels in the URL's `#fragment` (never sent to any server, never in a log or a Referer);
 * the setup page posts it in a JSON body and removes it from the address bar at once. Only its
 * SHA-256 is kept, it works once, and it expires.
 *
 * Links live in memory: a restart forgets them (the server prints a new setup link when there is
 * still no admin; an admin can make a new enrolment link).
 */
import { createHash, randomBytes } from "node:crypto";
import type { EnrolmentLink } from "../../shared/records.ts";

/** The first admin's setup link: 30 minutes. */
export const SETUP_TTL_MS = 30 * 60_000;
/** An enrolment link an admin hands a colleague: one working day. */
export const ENROLMENT_TTL_MS = 24 * 3_600_000;

export interface Enrolment {
  /** The account being enrolled; null for the first admin, whose account the setup creates. */
  staffId: string | null;
  expiresAt: number;
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export class Enrolments {
  private readonly pending = new Map<string, Enrolment>();

  /** `origin()` is where links point by default (the server's public origin). */
  constructor(
    private readonly origin: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A link for an existing account to set its password or passkey and sign in. Any earlier link for
   * the same account stops working. Pass the origin the admin used, so the link names the same host.
   */
  create(staffId: string, origin: string = this.origin()): EnrolmentLink {
    for (const [key, e] of this.pending) if (e.staffId === staffId) this.pending.delete(key);
    return this.issue({ staffId, expiresAt: this.now() + ENROLMENT_TTL_MS }, origin);
  }

  /** The first admin's setup link (only one is valid at a time). */
  createFirstAdmin(origin: string = this.origin()): EnrolmentLink {
    for (const [key, e] of this.pending) if (e.staffId === null) this.pending.delete(key);
    return this.issue({ staffId: null, expiresAt: this.now() + SETUP_TTL_MS }, origin);
  }

  /** What a live token is for, without using it up (the setup page shows whose account it is). */
  peek(token: string): Enrolment | null {
    const key = digest(token);
    const e = this.pending.get(key);
    if (!e) return null;
    if (this.now() >= e.expiresAt) {
      this.pending.delete(key);
      return null;
    }
    return e;
  }

  /** Uses a token up: it never works again. Null when unknown, used or expired. */
  consume(token: string): Enrolment | null {
    const e = this.peek(token);
    if (e) this.pending.delete(digest(token));
    return e;
  }

  /** Every link for this account stops working (the account was disabled). */
  revokeFor(staffId: string): void {
    for (const [key, e] of this.pending) if (e.staffId === staffId) this.pending.delete(key);
  }

  private issue(e: Enrolment, origin: string): EnrolmentLink {
    const token = randomBytes(32).toString("base64url");
    this.pending.set(digest(token), e);
    return { url: `${origin}/setup.html#${token}`, expiresAt: e.expiresAt };
  }
}
