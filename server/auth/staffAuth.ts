/**
 * Staff sign-in, composed (issue 8): accounts, passkeys, enrolment links and sign-in limits behind
 * one object that app.ts builds once. Other parts call it by these names:
 * - `enrolments.create(staffId, origin?)` → `{ url, expiresAt }` (the staff area, new account);
 * - `disableStaff(staffId)` (the staff area; ends sessions, enrolment links and live connections);
 * - `identifyStaff(cookieHeader)` and `onRevoked(listener)` (the authenticator);
 * - `registerRoutes(fastify, guard)` (the HTTP server).
 */
import type { FastifyInstance } from "fastify";
import type { EnrolmentLink } from "../../shared/records.ts";
import { createLogger } from "../log.ts";
import type { Storage } from "../storage/storage.ts";
import { registerAuthRoutes } from "./authRoutes.ts";
import { Enrolments } from "./enrolments.ts";
import type { StaffGuard } from "./httpGuard.ts";
import { Passkeys } from "./passkeys.ts";
import { DEFAULT_SIGNIN_LIMITS, type SigninLimitPolicy, SigninLimits } from "./signinLimits.ts";
import { StaffAccounts } from "./staffAccounts.ts";
import type { SessionPolicy, StaffSessions } from "./staffSessions.ts";

const log = createLogger("setup");

export interface StaffAuthOptions {
  storage: Storage;
  sessions: StaffSessions;
  sessionPolicy: SessionPolicy;
  https: boolean;
  demo: boolean;
  ssoName: string | null;
  /** Where links point: the server's public origin, known once it listens. */
  publicOrigin: () => string;
  signinLimits?: SigninLimitPolicy;
  /** Coarse per-address cap on the sign-in routes, requests per minute. */
  requestsPerMinute?: number;
  now?: () => number;
}

export class StaffAuth {
  readonly accounts: StaffAccounts;
  readonly passkeys: Passkeys;
  readonly enrolments: Enrolments;
  readonly limits: SigninLimits;
  /** The first admin's setup link printed at start (null when the clinic has an admin). */
  firstAdminLink: EnrolmentLink | null = null;

  constructor(private readonly opts: StaffAuthOptions) {
    const now = opts.now ?? Date.now;
    this.accounts = new StaffAccounts(opts.storage, opts.sessions, opts.https, now);
    this.passkeys = new Passkeys(opts.storage, now);
    this.enrolments = new Enrolments(opts.storage, opts.publicOrigin, now);
    this.limits = new SigninLimits(opts.signinLimits ?? DEFAULT_SIGNIN_LIMITS, now);
  }

  /**
   * Disables an account: no sign-in, no pending enrolment link, every session and live connection
   * ended. `by` is the admin's staff id, for the audit log. Returns the ended session ids.
   */
  async disableStaff(staffId: string, by = "admin"): Promise<string[] | false> {
    await this.enrolments.revokeFor(staffId);
    return this.accounts.disableStaff(staffId, by);
  }

  /** The staff credential checker for the one authenticator (see StaffAccounts.identifyStaff). */
  identifyStaff(cookieHeader: string | undefined) {
    return this.accounts.identifyStaff(cookieHeader);
  }

  /** Called with the session ids that just ended (sign-out, account disabled). */
  onRevoked(listener: (credentialIds: readonly string[]) => void): void {
    this.accounts.onRevoked(listener);
  }

  /**
   * True while some enabled admin of the main clinic can sign in (has a password or a passkey). An
   * admin whose setup stopped before any credential was added does not count, so the next start
   * prints a setup link again instead of locking the clinic out.
   */
  async hasUsableAdminAsync(): Promise<boolean> {
    for (const admin of await this.accounts.enabledAdmins()) {
      if (admin.passwordHash !== null) return true;
      if ((await this.passkeys.forStaff(admin.staffId)).length > 0) return true;
    }
    return false;
  }

  registerRoutes(fastify: FastifyInstance, guard: StaffGuard): void {
    registerAuthRoutes(fastify, {
      accounts: this.accounts,
      sessions: this.opts.sessions,
      sessionPolicy: this.opts.sessionPolicy,
      passkeys: this.passkeys,
      enrolments: this.enrolments,
      limits: this.limits,
      guard,
      https: this.opts.https,
      demo: this.opts.demo,
      ssoName: this.opts.ssoName,
      requestsPerMinute: this.opts.requestsPerMinute,
      hasUsableAdmin: () => this.hasUsableAdminAsync(),
    });
  }

  /**
   * At start: when the main clinic has no enabled admin, prints ONE setup link (30 minutes, single
   * use) to the server's log, and nowhere else. Returns it (tests read it from here, not over HTTP).
   */
  async announceFirstAdminAsync(): Promise<EnrolmentLink | null> {
    if (await this.hasUsableAdminAsync()) {
      this.firstAdminLink = null;
      return null;
    }
    this.firstAdminLink = this.enrolments.createFirstAdmin();
    log.warn(
      "This clinic has no admin yet. Open this one-time link within 30 minutes to create the first admin account",
      {
        setupLink: this.firstAdminLink.url,
        expiresAt: new Date(this.firstAdminLink.expiresAt).toISOString(),
      },
    );
    return this.firstAdminLink;
  }
}
