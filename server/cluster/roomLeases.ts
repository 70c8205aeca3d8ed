/**
 * Room leases in Redis, with fencing: one owning node per room. A lease is a key set with
 * `SET NX PX` (inside a script that also bumps the room's fencing counter with INCR), renewed by its
 * holder with a compare-and-PEXPIRE, released with a compare-and-DEL. The holder gives a room up by
 * its own clock (./leaseTiming.ts) before the key can expire, whether Redis said no, answered too
 * late or never answered, so two nodes never both act as a room's owner. The fencing number rides
 * on every forwarded command and guards the owner's storage writes (./fencedStorage.ts).
 */
import { createLogger } from "../log.ts";
import { decodeHolder, encodeHolder, type LeaseHolder, type LeaseTiming, mustGiveUp } from "./leaseTiming.ts";
import { type RedisClient, within } from "./redisLink.ts";

const log = createLogger("room-leases");

const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('GET', KEYS[1]) end
local fence = redis.call('INCR', KEYS[2])
local value = ARGV[1] .. '|' .. fence
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return value`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export const leaseKey = (roomId: string): string => `chairside:lease:${roomId}`;
const fenceKey = (roomId: string): string => `chairside:fence:${roomId}`;
/** Rooms that have had an owner: a node scans these for rooms whose owner died. */
export const ROOMS_KEY = "chairside:rooms";

interface Held {
  holder: LeaseHolder;
  confirmedAt: number;
  renewing: boolean;
}

export interface LeaseDeps {
  redis: RedisClient;
  nodeId: string;
  timing: LeaseTiming;
  /** A monotonic clock (performance.now), not wall time. */
  clock: () => number;
  /** This node must stop acting as the room's owner now (before the lease can expire). */
  onLost(roomId: string, holder: LeaseHolder, why: string): void;
}

export class RoomLeases {
  private readonly held = new Map<string, Held>();
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly deps: LeaseDeps) {}

  /** Takes the room's lease if nobody holds it; the holder either way (null: Redis did not answer). */
  async acquire(roomId: string): Promise<LeaseHolder | null> {
    const mine = this.holds(roomId);
    if (mine) return mine;
    const { redis, nodeId, timing, clock } = this.deps;
    const startedAt = clock();
    const value = await within(
      redis.eval(ACQUIRE, {
        keys: [leaseKey(roomId), fenceKey(roomId), ROOMS_KEY],
        arguments: [nodeId, String(timing.ttlMs), roomId],
      }),
      timing.giveUpAfterMs,
      "acquire",
    ).catch((error: unknown) => {
      log.warn("could not reach Redis to take a room", { roomId, error: String(error) });
      return null;
    });
    const holder = decodeHolder(typeof value === "string" ? value : null);
    if (holder && holder.nodeId === nodeId && !this.held.has(roomId)) {
      if (mustGiveUp(timing, startedAt, clock())) {
        // The answer came too late to act on: let the lease run out rather than own it blind.
        return null;
      }
      this.held.set(roomId, { holder, confirmedAt: startedAt, renewing: false });
      log.info("room lease taken", { roomId, fence: holder.fence });
    }
    return holder;
  }

  /** Who holds the room's lease in Redis (null: nobody, or Redis did not answer). */
  async holderOf(roomId: string): Promise<LeaseHolder | null> {
    const value = await within(this.deps.redis.get(leaseKey(roomId)), 1000, "get").catch(() => null);
    return decodeHolder(value);
  }

  /** This node's grant for the room, if it still may act as its owner. */
  holds(roomId: string): LeaseHolder | null {
    const held = this.held.get(roomId);
    if (!held) return null;
    if (mustGiveUp(this.deps.timing, held.confirmedAt, this.deps.clock())) {
      this.lose(roomId, held, "renewal overdue");
      return null;
    }
    return held.holder;
  }

  heldRooms(): string[] {
    return [...this.held.keys()];
  }

  /** Rooms that have had an owner (for the orphan scan). */
  async knownRooms(): Promise<string[]> {
    return within(this.deps.redis.sMembers(ROOMS_KEY), 1000, "rooms").catch(() => []);
  }

  /** Hands a room back (graceful: its state is written). */
  async release(roomId: string): Promise<void> {
    const held = this.held.get(roomId);
    if (!held) return;
    this.held.delete(roomId);
    await within(
      this.deps.redis.eval(RELEASE, { keys: [leaseKey(roomId)], arguments: [encodeHolder(held.holder)] }),
      1000,
      "release",
    ).catch(() => undefined);
  }

  start(): void {
    const { timing } = this.deps;
    this.timers.push(
      setInterval(() => this.renewAll(), timing.renewEveryMs),
      // The deadline is checked apart from the renewals: a renewal that hangs never delays a give-up.
      setInterval(
        () => {
          for (const roomId of [...this.held.keys()]) this.holds(roomId);
        },
        Math.max(50, Math.floor(timing.ttlMs / 20)),
      ),
    );
    for (const t of this.timers) t.unref();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private renewAll(): void {
    for (const [roomId, held] of this.held) {
      if (held.renewing || !this.holds(roomId)) continue;
      held.renewing = true;
      const startedAt = this.deps.clock();
      within(
        this.deps.redis.eval(RENEW, {
          keys: [leaseKey(roomId)],
          arguments: [encodeHolder(held.holder), String(this.deps.timing.ttlMs)],
        }),
        this.deps.timing.giveUpAfterMs,
        "renew",
      )
        .then((renewed) => {
          if (this.held.get(roomId) !== held) return;
          if (renewed === 1) held.confirmedAt = startedAt;
          else this.lose(roomId, held, "lease taken or expired in Redis");
        })
        .catch(() => undefined) // an unanswered renewal simply does not move the deadline
        .finally(() => {
          held.renewing = false;
        });
    }
  }

  private lose(roomId: string, held: Held, why: string): void {
    if (this.held.get(roomId) !== held) return;
    this.held.delete(roomId);
    log.warn("room lease given up", { roomId, fence: held.holder.fence, why });
    this.deps.onLost(roomId, held.holder, why);
  }
}
