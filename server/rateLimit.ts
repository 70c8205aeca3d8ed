/** Token bucket per socket and event class; the clock is injected so tests need no timers. */
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
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}

/**
 * Counts a connection's bad messages in a sliding window; past the limit the connection is a
 * repeat offender and the adapter disconnects it with a reason.
 */
export class OffenceCounter {
  private times: number[] = [];
  total = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Records one offence; returns true when the connection should be cut. */
  record(): boolean {
    const t = this.now();
    this.total += 1;
    this.times = this.times.filter((x) => t - x < this.windowMs);
    this.times.push(t);
    return this.times.length > this.limit;
  }
}
