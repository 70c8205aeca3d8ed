/** Rate primitives with the clock injected, so tests need no timers. */

/** Token bucket: `burst` tokens at most, refilled at `ratePerSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false means the caller is over its rate. */
  take(cost = 1): boolean {
    this.refill();
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Milliseconds until `cost` tokens are there again (0 when they are there now). */
  msUntil(cost = 1): number {
    this.refill();
    if (this.tokens >= cost) return 0;
    return Math.ceil(((cost - this.tokens) / this.ratePerSecond) * 1000);
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(
      this.burst,
      this.tokens + (Math.max(0, t - this.last) / 1000) * this.ratePerSecond,
    );
    this.last = t;
  }
}

/**
 * A leaky level of misbehaviour: each offence adds its weight, and the level drains by `limit`
 * every `windowMs`. Past the limit the sender is a repeat offender. Constant memory, unlike a
 * list of timestamps, so a flood of offences costs nothing to keep.
 */
export class OffenceLevel {
  private level = 0;
  private last: number;
  /** Offences recorded in all (weights summed), for logs. */
  total = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {
    this.last = now();
  }

  /** Records one offence; returns true when the level passes the limit (then it starts again at 0). */
  record(weight = 1): boolean {
    const t = this.now();
    this.level = Math.max(0, this.level - (Math.max(0, t - this.last) * this.limit) / this.windowMs);
    this.last = t;
    this.total += weight;
    this.level += weight;
    if (this.level <= this.limit) return false;
    this.level = 0;
    return true;
  }
}
