import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StaffRecord } from "../../shared/records.ts";
import { SqliteStorage } from "../storage/sqliteStorage.ts";
import { RecordKind } from "../storage/storage.ts";
import { SessionExpiry, type Timers } from "./sessionExpiry.ts";
import { StaffSessions } from "./staffSessions.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A clock the test moves by hand; timers fire when it passes their time, in order. */
class ManualClock implements Timers {
  at = 1_700_000_000_000;
  private next = 1;
  private readonly due = new Map<number, { when: number; fire: () => void }>();
  now = () => this.at;
  setTimeout(fire: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { when: this.at + ms, fire });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }
  /** Moves time on, firing each timer at its moment (and letting its async work settle). */
  async advance(ms: number): Promise<void> {
    const until = this.at + ms;
    for (;;) {
      const first = [...this.due.entries()].sort((a, b) => a[1].when - b[1].when)[0];
      if (!first || first[1].when > until) break;
      this.due.delete(first[0]);
      this.at = first[1].when;
      first[1].fire();
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    }
    this.at = until;
  }
}

const dirs: string[] = [];
const open: SqliteStorage[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), "chairside-expiry-"));
  dirs.push(dir);
  const storage = new SqliteStorage(join(dir, "chairside.db"));
  open.push(storage);
  const clock = new ManualClock();
  const sessions = new StaffSessions(storage, { idleMs: 30 * MIN, absoluteMs: 12 * HOUR }, clock.now);
  const expired: string[] = [];
  const expiry = new SessionExpiry(sessions, (ids) => expired.push(...ids), clock.now, clock);
  const staff: StaffRecord = {
    staffId: "ola",
    clinicId: "main",
    displayName: "Ola",
    email: "ola@clinic.example",
    role: "clinician",
    disabledAt: null,
    passwordHash: null,
    createdAt: clock.at,
    updatedAt: clock.at,
  };
  // The session's account, as sign-in finds it.
  await storage.putRecords([
    {
      kind: RecordKind.staff,
      id: staff.staffId,
      clinicId: "main",
      body: JSON.stringify(staff),
      updatedAt: clock.at,
    },
  ]);
  return { clock, sessions, expiry, expired, staff };
}

describe("a timer per staff session", () => {
  it("ends an idle session at exactly 30 minutes, not at the next re-check", async () => {
    const { clock, sessions, expiry, expired, staff } = await setup();
    const { session } = await sessions.create(staff, "password");
    expiry.watch(session);
    await clock.advance(30 * MIN - 1);
    expect(expired).toEqual([]);
    await clock.advance(1);
    expect(expired).toEqual([session.sessionId]);
    expect(expiry.size).toBe(0);
    expect(await sessions.endIfOver(session.sessionId)).toBeNull();
  });

  it("a request that moves the idle clock moves the timer; 12 hours end it however busy", async () => {
    const { clock, sessions, expiry, expired, staff } = await setup();
    const { token, session } = await sessions.create(staff, "password");
    expiry.watch(session);
    // A request every 29 minutes keeps it alive (the timer re-reads it and sets itself again)...
    for (let i = 0; i < 24; i++) {
      await clock.advance(29 * MIN);
      expect(await sessions.lookup(token), `request ${i}`).not.toBeNull();
      expect(expired, `request ${i}`).toEqual([]);
      expect(expired).toEqual([]);
    }
    // ...until 12 hours after sign-in, to the millisecond, with no request and no re-check.
    await clock.advance(12 * HOUR - 24 * 29 * MIN - 1);
    expect(expired).toEqual([]);
    await clock.advance(1);
    expect(expired).toEqual([session.sessionId]);
    expect(await sessions.lookup(token)).toBeNull();
  });

  it("a session that ended another way (sign-out) has no timer left to fire", async () => {
    const { clock, sessions, expiry, expired, staff } = await setup();
    const { session } = await sessions.create(staff, "password");
    expiry.watch(session);
    expiry.watch(session);
    expect(expiry.size).toBe(1);
    expiry.forget([session.sessionId]);
    await clock.advance(13 * HOUR);
    expect(expired).toEqual([]);
  });
});
