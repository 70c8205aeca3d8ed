/**
 * Brute-force limits on sign-in, per account AND per address (issue 8): 5 failed attempts within
 * 15 minutes lock an account's password sign-in for the rest of that window; 20 failures from one
 * address lock that address. Only failures count; a success clears the account's count (not the
 * address's, so one good password does not buy an attacker 20 more tries elsewhere). Pure, with the
 * clock injected; state is in memory (a restart forgives, which costs an attacker a restart of ours).
 */

export interface SigninLimitPolicy {
  windowMs: number;
  perAccount: number;
  perAddress: number;
}

export const DEFAULT_SIGNIN_LIMITS: SigninLimitPolicy = {
  windowMs: 15 * 60_000,
  perAccount: 5,
  perAddress: 20,
};

/** Refused: come back in `retryAfterMs`. `by` says which limit (for the message and the log). */
export interface Limited {
  by: "account" | "address";
  retryAfterMs: number;
}

/** At most this many keys are tracked; the oldest are dropped first (bounded memory under a flood). */
const MAX_KEYS = 100_000;

export class SigninLimits {
  /** Failure times per key, oldest first, only those inside the window. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly policy: SigninLimitPolicy = DEFAULT_SIGNIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Null when an attempt may go ahead; checked before the password is even hashed. */
  check(account: string, address: string): Limited | null {
    const at = this.now();
    const byAddress = this.retryAfter(`addr:${address}`, this.policy.perAddress, at);
    if (byAddress !== null) return { by: "address", retryAfterMs: byAddress };
    const byAccount = this.retryAfter(`acct:${account}`, this.policy.perAccount, at);
    if (byAccount !== null) return { by: "account", retryAfterMs: byAccount };
    return null;
  }

  /** Counts a failed attempt against both the account (even one that does not exist) and the address. */
  fail(account: string, address: string): void {
    const at = this.now();
    this.push(`acct:${account}`, at);
    this.push(`addr:${address}`, at);
  }

  /** A successful sign-in clears the account's failures. */
  succeed(account: string): void {
    this.failures.delete(`acct:${account}`);
  }

  private live(key: string, at: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    while (times.length > 0 && at - times[0]! >= this.policy.windowMs) times.shift();
    if (times.length === 0) this.failures.delete(key);
    return times;
  }

  private retryAfter(key: string, limit: number, at: number): number | null {
    const times = this.live(key, at);
    if (times.length < limit) return null;
    // The attempt that brings the count under the limit again is when the oldest counted one expires.
    return times[times.length - limit]! + this.policy.windowMs - at;
  }

  private push(key: string, at: number): void {
    const times = this.live(key, at);
    if (times.length === 0) {
      if (this.failures.size >= MAX_KEYS) {
        const oldest = this.failures.keys().next().value;
        if (oldest !== undefined) this.failures.delete(oldest);
      }
      this.failures.set(key, times);
    }
    times.push(at);
  }
}
