/**
 * The RFC 8628 device grant as a pure state machine (clock injected): the headset asks for a code
 * pair, shows the short user code, and polls with its secret device code; a clinician types the
 * user code into an appointment and approves it; the next poll hands the approval over exactly
 * once. Codes expire, are single-use, and wrong codes are limited per staff member and per
 * address, so six characters are enough: an attacker gets a few guesses among millions of codes.
 *
 * Pending grants live in memory only: they last ten minutes, and after a restart the headset
 * simply shows a new code. What outlives a grant (the headset's credential) is stored elsewhere.
 */
import { randomBytes, randomInt } from "node:crypto";
import {
  type HeadsetCode,
  PAIRING_EXPIRES_IN_S,
  PAIRING_INTERVAL_S,
  PollStatus,
  USER_CODE_ALPHABET,
  USER_CODE_LENGTH,
} from "../../shared/pairing.ts";

export interface PairingPolicy {
  expiresInMs: number;
  intervalMs: number;
  /** RFC 8628 3.5: each `slow_down` adds this to the headset's interval. */
  slowDownStepMs: number;
  /** A poll this much before the interval is up still counts as on time (timers and networks jitter). */
  pollJitterMs: number;
  /** Wrong codes a staff member / an address may type per window before being held off. */
  wrongPerStaff: number;
  wrongPerAddress: number;
  wrongWindowMs: number;
  /** New codes one address may ask for per window, and pending grants in all. */
  issuesPerAddress: number;
  issueWindowMs: number;
  maxPending: number;
  /** A used or expired grant is remembered this long, to say so instead of "unknown". */
  rememberMs: number;
}

export const DEFAULT_PAIRING_POLICY: PairingPolicy = {
  expiresInMs: PAIRING_EXPIRES_IN_S * 1000,
  intervalMs: PAIRING_INTERVAL_S * 1000,
  slowDownStepMs: 5_000,
  pollJitterMs: 300,
  wrongPerStaff: 5,
  wrongPerAddress: 20,
  wrongWindowMs: 15 * 60_000,
  issuesPerAddress: 30,
  issueWindowMs: 10 * 60_000,
  maxPending: 2_000,
  rememberMs: 10 * 60_000,
};

/** Who a clinician's approval binds the headset to. */
export interface Approval {
  appointmentId: string;
  staffId: string;
}

/** Who types a code: limits count per staff member and per address. */
export interface Typist {
  staffId: string;
  address: string;
}

/** What the token route answers a poll; `approved` carries the approval to mint a credential from. */
export type PollOutcome =
  | { status: typeof PollStatus.pending; interval: number }
  | { status: typeof PollStatus.slowDown; interval: number }
  | { status: typeof PollStatus.expired }
  | { status: typeof PollStatus.denied }
  | { status: typeof PollStatus.approved; approval: Approval };

export const CodeRefusal = {
  /** No live grant has this code (counted towards the limits). */
  unknown: "unknown",
  expired: "expired",
  /** Approved, denied or handed over already. */
  used: "used",
  /** Too many wrong codes: wait `retryAfterMs`. */
  limited: "limited",
} as const;
export type CodeRefusal = (typeof CodeRefusal)[keyof typeof CodeRefusal];

export type CodeCheck = { ok: true } | { ok: false; refusal: CodeRefusal; retryAfterMs?: number };

export type IssueOutcome = { ok: true; code: HeadsetCode } | { ok: false; retryAfterMs: number };

type GrantState = "pending" | "approved" | "denied" | "claimed";

interface Grant {
  deviceCode: string;
  userCode: string;
  expiresAt: number;
  intervalMs: number;
  lastPollAt: number | null;
  state: GrantState;
  approval: Approval | null;
}

/** Timestamps per key within a sliding window. */
class WindowCounter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until `key` may act again, or 0 when it may now. */
  waitMs(key: string, now: number): number {
    const live = this.live(key, now);
    return live.length < this.limit ? 0 : live[0]! + this.windowMs - now;
  }

  add(key: string, now: number): void {
    const live = this.live(key, now);
    live.push(now);
    this.hits.set(key, live);
  }

  prune(now: number): void {
    for (const key of [...this.hits.keys()]) if (this.live(key, now).length === 0) this.hits.delete(key);
  }

  private live(key: string, now: number): number[] {
    const live = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (live.length > 0) this.hits.set(key, live);
    else this.hits.delete(key);
    return live;
  }
}

/** A user code from the unambiguous alphabet, uniformly random. */
export function newUserCode(): string {
  let code = "";
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

export class PairingCodes {
  private readonly byDevice = new Map<string, Grant>();
  private readonly byUser = new Map<string, Grant>();
  private readonly wrongByStaff: WindowCounter;
  private readonly wrongByAddress: WindowCounter;
  private readonly issuesByAddress: WindowCounter;

  constructor(
    private readonly policy: PairingPolicy = DEFAULT_PAIRING_POLICY,
    private readonly now: () => number = Date.now,
  ) {
    this.wrongByStaff = new WindowCounter(policy.wrongPerStaff, policy.wrongWindowMs);
    this.wrongByAddress = new WindowCounter(policy.wrongPerAddress, policy.wrongWindowMs);
    this.issuesByAddress = new WindowCounter(policy.issuesPerAddress, policy.issueWindowMs);
  }

  /** A new code pair for a headset at `address` (anonymous, so limited per address and in all). */
  issue(address: string): IssueOutcome {
    const at = this.now();
    this.prune(at);
    const wait = this.issuesByAddress.waitMs(address, at);
    if (wait > 0) return { ok: false, retryAfterMs: wait };
    if (this.pendingCount(at) >= this.policy.maxPending) return { ok: false, retryAfterMs: 30_000 };
    this.issuesByAddress.add(address, at);
    let userCode = newUserCode();
    while (this.byUser.has(userCode)) userCode = newUserCode();
    const grant: Grant = {
      deviceCode: randomBytes(32).toString("base64url"),
      userCode,
      expiresAt: at + this.policy.expiresInMs,
      intervalMs: this.policy.intervalMs,
      lastPollAt: null,
      state: "pending",
      approval: null,
    };
    this.byDevice.set(grant.deviceCode, grant);
    this.byUser.set(grant.userCode, grant);
    return {
      ok: true,
      code: {
        deviceCode: grant.deviceCode,
        userCode,
        expiresIn: Math.round(this.policy.expiresInMs / 1000),
        interval: Math.round(this.policy.intervalMs / 1000),
      },
    };
  }

  /** The headset's poll. An approval is handed over once; the grant is used up with it. */
  poll(deviceCode: string): PollOutcome {
    const at = this.now();
    const grant = this.byDevice.get(deviceCode);
    if (!grant || grant.state === "claimed" || at >= grant.expiresAt) return { status: PollStatus.expired };
    if (grant.state === "denied") return { status: PollStatus.denied };
    const tooSoon =
      grant.lastPollAt !== null && at - grant.lastPollAt < grant.intervalMs - this.policy.pollJitterMs;
    grant.lastPollAt = at;
    if (tooSoon) {
      grant.intervalMs += this.policy.slowDownStepMs;
      return { status: PollStatus.slowDown, interval: Math.round(grant.intervalMs / 1000) };
    }
    if (grant.state === "approved" && grant.approval) {
      grant.state = "claimed";
      return { status: PollStatus.approved, approval: grant.approval };
    }
    return { status: PollStatus.pending, interval: Math.round(grant.intervalMs / 1000) };
  }

  /** Whether `userCode` names a headset waiting to be paired (does not use it up). */
  check(userCode: string, who: Typist): CodeCheck {
    const at = this.now();
    const wait = Math.max(
      this.wrongByStaff.waitMs(who.staffId, at),
      this.wrongByAddress.waitMs(who.address, at),
    );
    if (wait > 0) return { ok: false, refusal: CodeRefusal.limited, retryAfterMs: wait };
    const grant = this.byUser.get(userCode);
    if (!grant) {
      this.wrongByStaff.add(who.staffId, at);
      this.wrongByAddress.add(who.address, at);
      return { ok: false, refusal: CodeRefusal.unknown };
    }
    if (grant.state !== "pending") return { ok: false, refusal: CodeRefusal.used };
    if (at >= grant.expiresAt) return { ok: false, refusal: CodeRefusal.expired };
    return { ok: true };
  }

  /** Binds the waiting headset to an appointment; its next poll receives the approval. */
  approve(userCode: string, approval: Approval, who: Typist): CodeCheck {
    const checked = this.check(userCode, who);
    if (!checked.ok) return checked;
    const grant = this.byUser.get(userCode)!;
    grant.state = "approved";
    grant.approval = approval;
    return checked;
  }

  /**
   * Withdraws approvals for an appointment that no headset has collected yet (the headset is handed
   * to the next patient, or the appointment ended before the poll came). Returns how many.
   */
  withdraw(appointmentId: string): number {
    let n = 0;
    for (const grant of this.byDevice.values()) {
      if (grant.state === "approved" && grant.approval?.appointmentId === appointmentId) {
        grant.state = "denied";
        n++;
      }
    }
    return n;
  }

  /** Grants still waiting for a clinician. */
  pendingCount(at = this.now()): number {
    let n = 0;
    for (const g of this.byDevice.values()) if (g.state === "pending" && at < g.expiresAt) n++;
    return n;
  }

  /** Forgets grants expired or finished longer than `rememberMs` ago, and old counters. */
  prune(at = this.now()): void {
    for (const [deviceCode, grant] of this.byDevice) {
      if (at >= grant.expiresAt + this.policy.rememberMs) {
        this.byDevice.delete(deviceCode);
        this.byUser.delete(grant.userCode);
      }
    }
    this.wrongByStaff.prune(at);
    this.wrongByAddress.prune(at);
    this.issuesByAddress.prune(at);
  }
}
