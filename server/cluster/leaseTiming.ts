/**
 * When a room's owner must renew its lease and when it must give the room up, as pure arithmetic.
 * A lease set in Redis with `PX ttl` at a renewal that STARTED at time t lives until at least
 * t + ttl: the owner counts from the start of its last confirmed renewal, so a reply that was slow
 * to come back only makes it give up earlier, never later. It gives up `margin` before that point,
 * so it has stopped acting as the owner before any other node can take the lease (clocks here
 * measure intervals, which drift far less than the margin over a few seconds).
 */
export interface LeaseTiming {
  /** How long a lease lives in Redis without a renewal. */
  readonly ttlMs: number;
  /** How often the owner renews. */
  readonly renewEveryMs: number;
  /** How long after the start of the last confirmed renewal the owner stops acting as the owner. */
  readonly giveUpAfterMs: number;
}

/** The timing for a lease of `ttlMs`: renew five times per lease, give up with a third of it to spare. */
export function leaseTiming(ttlMs: number): LeaseTiming {
  if (!Number.isFinite(ttlMs) || ttlMs < 600) throw new RangeError("a lease must live at least 600 ms");
  return {
    ttlMs,
    renewEveryMs: Math.floor(ttlMs / 5),
    giveUpAfterMs: Math.floor((ttlMs * 2) / 3),
  };
}

/** Whether an owner whose last confirmed renewal started at `confirmedAt` must give the room up now. */
export function mustGiveUp(timing: LeaseTiming, confirmedAt: number, now: number): boolean {
  return now - confirmedAt >= timing.giveUpAfterMs;
}

/**
 * The value stored under a room's lease key: the owning node and the fencing number it was
 * granted. The fencing number only ever grows for a room, so a later owner always holds a larger one.
 */
export interface LeaseHolder {
  readonly nodeId: string;
  readonly fence: number;
}

export function encodeHolder(holder: LeaseHolder): string {
  return `${holder.nodeId}|${holder.fence}`;
}

export function decodeHolder(value: string | null | undefined): LeaseHolder | null {
  if (!value) return null;
  const bar = value.lastIndexOf("|");
  if (bar <= 0) return null;
  const fence = Number(value.slice(bar + 1));
  if (!Number.isSafeInteger(fence) || fence <= 0) return null;
  return { nodeId: value.slice(0, bar), fence };
}

/** Whether two holders are the same grant (same node and same fencing number). */
export function sameHolder(a: LeaseHolder | null, b: LeaseHolder | null): boolean {
  return a !== null && b !== null && a.nodeId === b.nodeId && a.fence === b.fence;
}
