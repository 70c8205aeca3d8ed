/**
 * Staff sign-in sessions: a random token in an HttpOnly, SameSite=Strict cookie (Secure with
 * HTTPS); only its SHA-256 is stored, so a copy of the database signs nobody in. A session ends
 * after `idleMs` without a request, after `absoluteMs` whatever happens, on sign-out, and when
 * the account is disabled.
 */
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { type StaffRecord, staffRecordSchema } from "../../shared/records.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";
import { newCsrfToken } from "./csrf.ts";

export interface SessionPolicy {
  /** Ends a session this long after its last request. */
  idleMs: number;
  /** Ends a session this long after sign-in, however busy. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

/** The idle clock is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000;

const sessionBodySchema = z.strictObject({
  staffId: z.string(),
  createdAt: z.number(),
  lastSeenAt: z.number(),
  csrfToken: z.string(),
  /** How the person signed in: "password", "passkey", "sso" or "setup". */
  method: z.string(),
});
export type StaffSession = z.infer<typeof sessionBodySchema> & { sessionId: string; clinicId: string };

export type SessionEnd = "idle" | "absolute";

/** Why a session is over at `now`, or null while it is alive (pure, so it is tested without I/O). */
export function sessionEnd(
  s: Pick<StaffSession, "createdAt" | "lastSeenAt">,
  now: number,
  policy: SessionPolicy,
): SessionEnd | null {
  if (now - s.createdAt >= policy.absoluteMs) return "absolute";
  if (now - s.lastSeenAt >= policy.idleMs) return "idle";
  return null;
}

/** The stored id of a session token. */
export function sessionIdOf(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface LiveSession {
  session: StaffSession;
  staff: StaffRecord;
}

export class StaffSessions {
  constructor(
    private readonly storage: Storage,
    private readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a session for an enabled account; the token goes into the cookie and nowhere else. */
  async create(staff: StaffRecord, method: string): Promise<{ token: string; session: StaffSession }> {
    if (staff.disabledAt !== null) throw new Error(`account ${staff.staffId} is disabled`);
    const token = randomBytes(32).toString("base64url");
    const at = this.now();
    const body = { staffId: staff.staffId, createdAt: at, lastSeenAt: at, csrfToken: newCsrfToken(), method };
    const sessionId = sessionIdOf(token);
    await this.storage.putRecords([
      {
        kind: RecordKind.staffSession,
        id: sessionId,
        clinicId: staff.clinicId,
        body: JSON.stringify(body),
        updatedAt: at,
      },
    ]);
    return { token, session: { ...body, sessionId, clinicId: staff.clinicId } };
  }

  /**
   * The live session a cookie token names, with its account; null if unknown, over, or the account
   * is disabled or gone (such a session is removed on the way). Moves the idle clock on.
   */
  async lookup(token: string | undefined): Promise<LiveSession | null> {
    if (typeof token !== "string" || token.length < 20 || token.length > 100) return null;
    const sessionId = sessionIdOf(token);
    const row = await this.storage.getRecord(RecordKind.staffSession, sessionId);
    if (!row) return null;
    const parsed = sessionBodySchema.safeParse(JSON.parse(row.body));
    const at = this.now();
    if (!parsed.success || sessionEnd(parsed.data, at, this.policy) !== null) {
      await this.storage.deleteRecords(RecordKind.staffSession, [sessionId]);
      return null;
    }
    const staffRow = await this.storage.getRecord(RecordKind.staff, parsed.data.staffId);
    const staff = staffRow ? staffRecordSchema.safeParse(JSON.parse(staffRow.body)) : null;
    if (!staff?.success || staff.data.disabledAt !== null) {
      await this.storage.deleteRecords(RecordKind.staffSession, [sessionId]);
      return null;
    }
    const session = { ...parsed.data, sessionId, clinicId: row.clinicId };
    if (at - session.lastSeenAt >= TOUCH_EVERY_MS) {
      session.lastSeenAt = at;
      const { sessionId: _id, clinicId: _c, ...body } = session;
      await this.storage.putRecords([{ ...row, body: JSON.stringify(body), updatedAt: at }]);
    }
    return { session, staff: staff.data };
  }

  /** When a session ends if no request moves its idle clock on. */
  endsAt(s: Pick<StaffSession, "createdAt" | "lastSeenAt">): number {
    return Math.min(s.createdAt + this.policy.absoluteMs, s.lastSeenAt + this.policy.idleMs);
  }

  /**
   * Reads a session again at what was its end time: if it is over (or gone) it is removed and the
   * answer is null; if a request moved its idle clock on meanwhile, the answer is its new end time.
   */
  async endIfOver(sessionId: string): Promise<number | null> {
    const row = await this.storage.getRecord(RecordKind.staffSession, sessionId);
    if (!row) return null;
    const parsed = sessionBodySchema.safeParse(JSON.parse(row.body));
    if (!parsed.success || sessionEnd(parsed.data, this.now(), this.policy) !== null) {
      await this.storage.deleteRecords(RecordKind.staffSession, [sessionId]);
      return null;
    }
    return this.endsAt(parsed.data);
  }

  /** Ends one session (sign-out). */
  async end(sessionId: string): Promise<void> {
    await this.storage.deleteRecords(RecordKind.staffSession, [sessionId]);
  }

  /** Ends every session of an account (disabled, or signed out everywhere); returns their ids. */
  async endAllFor(staffId: string): Promise<string[]> {
    const ids: string[] = [];
    for (const row of await this.storage.listRecords(RecordKind.staffSession)) {
      const body = sessionBodySchema.safeParse(JSON.parse(row.body));
      if (!body.success || body.data.staffId === staffId) ids.push(row.id);
    }
    await this.storage.deleteRecords(RecordKind.staffSession, ids);
    return ids;
  }
}
