/**
 * Limits per sender, not per connection: message rates and offences are kept per identity (a
 * person in one appointment, or a device) and handshakes and offences per remote address, so a
 * reconnect starts from where the last connection left off. A sender whose offences pass the
 * limit is cut and refused at the handshake for a back-off period that doubles with each cut.
 * Pure: the clock is injected; idle entries expire so memory stays bounded.
 */
import { RATES } from "../shared/protocol.ts";
import { OffenceLevel, TokenBucket } from "./rateLimit.ts";

/** The message classes that have a rate of their own. */
export const LimitKind = {
  pose: "pose",
  command: "command",
  /** Questions to Otto: the rate at which Otto answers one asker. */
  otto: "otto",
  deviceBatch: "deviceBatch",
} as const;
export type LimitKind = (typeof LimitKind)[keyof typeof LimitKind];

export interface BucketSpec {
  perSecond: number;
  burst: number;
}

export interface LimitPolicy {
  /** Message rates per identity. */
  rates: Record<LimitKind, BucketSpec>;
  /** Handshake attempts per identity and per address. */
  connects: { identity: BucketSpec; address: BucketSpec };
  /** Offence level at which an identity or an address is cut; it drains by that much per window. */
  offences: { identity: number; address: number; windowMs: number };
  /** Weight of one message over its rate (an invalid message weighs 1). */
  overRateWeight: number;
  /** Refusal after the n-th cut: firstMs * 2^(n-1), at most maxMs; cuts are forgiven after forgiveAfterMs. */
  backoff: { firstMs: number; maxMs: number; forgiveAfterMs: number };
  /** An entry not seen for this long (and not in back-off) is forgotten. */
  idleExpiryMs: number;
  /** Hard cap on entries; the longest idle go first. */
  maxEntries: number;
}

/** The defaults; SPEC.md ("Limits") describes them in words. */
export const DEFAULT_LIMITS: LimitPolicy = {
  rates: {
    // 4x the 30 Hz send rate; a 2 s burst covers a flush after a short stall.
    pose: { perSecond: 120, burst: 60 },
    command: { perSecond: 20, burst: 40 },
    otto: { perSecond: 1000 / RATES.ottoAnswerIntervalMs, burst: 1 },
    // A device sends about one batch a second; catch-up bursts after a reconnect.
    deviceBatch: { perSecond: 20, burst: 200 },
  },
  connects: {
    // Ten quick reconnects, then one every 2 s.
    identity: { perSecond: 0.5, burst: 10 },
    // Generous: a clinic behind one address, a demo or a benchmark opens hundreds at once.
    address: { perSecond: 50, burst: 500 },
  },
  offences: { identity: 20, address: 100, windowMs: 10_000 },
  overRateWeight: 0.05,
  backoff: { firstMs: 10_000, maxMs: 10 * 60_000, forgiveAfterMs: 30 * 60_000 },
  idleExpiryMs: 10 * 60_000,
  maxEntries: 20_000,
};

/** Who sent a message: the identity from the handshake and the peer's address (fixed per connection). */
export interface Sender {
  readonly identity: string;
  readonly address: string;
}

export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

/** A message's fate: through, over its rate (drop it with a typed reply), or the sender is cut. */
export const Verdict = { ok: "ok", overRate: "over_rate", cut: "cut" } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

interface Entry {
  buckets: Map<string, TokenBucket>;
  offences: OffenceLevel;
  strikes: number;
  lastCutAt: number;
  refusedUntil: number;
  lastSeen: number;
  /** When it last moved to the end of the insertion order. */
  movedAt: number;
}

const CONNECT = "connect";
const SWEEP_EVERY_MS = 1_000;

export class Limits {
  /**
   * Insertion order is last-seen order to within SWEEP_EVERY_MS: a touched entry moves to the
   * end unless it moved there less than that long ago.
   */
  private readonly entries = new Map<string, Entry>();
  private readonly identityKeys = new WeakMap<Sender, string>();
  private lastSweep: number;

  constructor(
    private readonly policy: LimitPolicy,
    private readonly now: () => number,
  ) {
    this.lastSweep = now();
  }

  /** Entries held now (for tests and logs). */
  get size(): number {
    return this.entries.size;
  }

  /** Handshake, before the credentials are checked: the address must not be in back-off or over its rate. */
  admitAddress(address: string): Admission {
    return this.admit(addressKey(address), this.policy.connects.address, this.policy.offences.address);
  }

  /** Handshake, once the credentials name an identity. */
  admitIdentity(sender: Sender): Admission {
    return this.admit(
      identityKey(sender.identity),
      this.policy.connects.identity,
      this.policy.offences.identity,
    );
  }

  /** One message of a kind; an over-rate message is a light offence. */
  take(sender: Sender, kind: LimitKind): Verdict {
    const entry = this.touch(this.identityKeyOf(sender));
    const spec = this.policy.rates[kind];
    if (this.bucket(entry, kind, spec).take()) return Verdict.ok;
    return this.offence(sender, this.policy.overRateWeight) === Verdict.cut ? Verdict.cut : Verdict.overRate;
  }

  /** A bad message or a failed handshake; `cut` when the sender (or its address) is past the limit. */
  offence(sender: Partial<Sender>, weight = 1): Verdict {
    let verdict: Verdict = Verdict.ok;
    if (sender.identity !== undefined) {
      const entry = this.touch(identityKey(sender.identity));
      if (entry.offences.record(weight)) verdict = this.cut(entry);
    }
    if (sender.address !== undefined) {
      const entry = this.touch(addressKey(sender.address));
      if (entry.offences.record(weight)) verdict = this.cut(entry);
    }
    return verdict;
  }

  /** How long an identity is still refused (0 if it is not). */
  refusedForMs(identity: string): number {
    const entry = this.entries.get(identityKey(identity));
    return entry ? Math.max(0, entry.refusedUntil - this.now()) : 0;
  }

  private admit(key: string, connectSpec: BucketSpec, offenceLimit: number): Admission {
    const t = this.now();
    const entry = this.touch(key, offenceLimit);
    if (entry.refusedUntil > t) return { ok: false, retryAfterMs: entry.refusedUntil - t };
    const bucket = this.bucket(entry, CONNECT, connectSpec);
    if (bucket.take()) return { ok: true };
    // Knocking faster than the connect rate is an offence; enough of them earn a back-off.
    if (entry.offences.record(1)) this.cut(entry);
    const retryAfterMs = Math.max(entry.refusedUntil - t, bucket.msUntil());
    return { ok: false, retryAfterMs };
  }

  private cut(entry: Entry): Verdict {
    const t = this.now();
    if (t - entry.lastCutAt > this.policy.backoff.forgiveAfterMs) entry.strikes = 0;
    entry.strikes += 1;
    entry.lastCutAt = t;
    const { firstMs, maxMs } = this.policy.backoff;
    entry.refusedUntil = t + Math.min(maxMs, firstMs * 2 ** Math.min(30, entry.strikes - 1));
    return Verdict.cut;
  }

  private bucket(entry: Entry, name: string, spec: BucketSpec): TokenBucket {
    let bucket = entry.buckets.get(name);
    if (!bucket) {
      bucket = new TokenBucket(spec.perSecond, spec.burst, this.now);
      entry.buckets.set(name, bucket);
    }
    return bucket;
  }

  /**
   * The sender's key, built once per sender object (a connection keeps one): a key built for every
   * message is a new string, which the map must hash afresh each time, on the pose path.
   */
  private identityKeyOf(sender: Sender): string {
    let key = this.identityKeys.get(sender);
    if (key === undefined) {
      key = identityKey(sender.identity);
      this.identityKeys.set(sender, key);
    }
    return key;
  }

  private touch(key: string, offenceLimit?: number): Entry {
    const t = this.now();
    if (t - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(t);
    let entry = this.entries.get(key);
    if (entry) {
      // Moved to the end at most once a sweep interval: a pose a frame from every member made
      // the delete and insert a few per cent of the server's work, and the order it keeps for the
      // sweep is still last-seen order to within that interval.
      entry.lastSeen = t;
      if (t - entry.movedAt < SWEEP_EVERY_MS) return entry;
      this.entries.delete(key);
    } else {
      const limit =
        offenceLimit ?? (key.startsWith("a:") ? this.policy.offences.address : this.policy.offences.identity);
      entry = {
        buckets: new Map(),
        offences: new OffenceLevel(limit, this.policy.offences.windowMs, this.now),
        strikes: 0,
        lastCutAt: Number.NEGATIVE_INFINITY,
        refusedUntil: 0,
        lastSeen: t,
        movedAt: t,
      };
    }
    entry.movedAt = t;
    this.entries.set(key, entry);
    return entry;
  }

  /** Forgets idle entries, oldest first; one in back-off or with unforgiven cuts is kept. */
  private sweep(t: number): void {
    this.lastSweep = t;
    const { idleExpiryMs, maxEntries } = this.policy;
    for (const [key, entry] of this.entries) {
      if (t - entry.lastSeen <= idleExpiryMs) break;
      const pinned = entry.refusedUntil > t || t - entry.lastCutAt <= this.policy.backoff.forgiveAfterMs;
      if (!pinned) this.entries.delete(key);
    }
    for (const [key, entry] of this.entries) {
      if (this.entries.size < maxEntries) break;
      // Seen since it last moved to the end: its place is older than its last message.
      if (t - entry.lastSeen < SWEEP_EVERY_MS) continue;
      this.entries.delete(key);
    }
  }
}

const identityKey = (identity: string): string => `i:${identity}`;
const addressKey = (address: string): string => `a:${address}`;
