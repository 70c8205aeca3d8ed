/**
 * Whether this node can take connections now, for the balancer's health check (`GET /readyz`,
 * deploy/haproxy.cfg). A node cut off Redis is alive but useless: it cannot take or keep a room's
 * lease, reach a room's owner or share events, so it refuses every room connection until Redis is
 * back. Failing the check sends its clients to a node that can serve them. Redis is "reachable"
 * while every connection of the link is up AND a PING came back recently: a partition that drops
 * packets silently keeps a socket open for a long time, and only a round trip notices it.
 */
import { createLogger } from "../log.ts";
import { type RedisLink, within } from "./redisLink.ts";

const log = createLogger("node-readiness");

/** How often Redis is pinged, and how long without an answer makes the node unready. */
export const PING_EVERY_MS = 500;
export const UNREADY_AFTER_MS = 1500;

export interface Readiness {
  readonly ready: boolean;
  /** Why not, in words for whoever reads the balancer's log; absent when ready. */
  readonly reason?: string;
}

/** The rule, pure: every connection up and a recent answer to a PING. */
export function readinessOf(linkUp: boolean, lastAnswerAt: number | null, now: number): Readiness {
  if (!linkUp) return { ready: false, reason: "no connection to Redis" };
  if (lastAnswerAt === null || now - lastAnswerAt > UNREADY_AFTER_MS) {
    return { ready: false, reason: "Redis has not answered lately" };
  }
  return { ready: true };
}

export class NodeReadiness {
  private lastAnswerAt: number | null;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private wasReady = true;
  private readonly backListeners: (() => void)[] = [];

  constructor(
    private readonly link: RedisLink,
    /** A monotonic clock (performance.now). */
    private readonly clock: () => number,
  ) {
    // The link was just opened, so Redis answered a moment ago.
    this.lastAnswerAt = clock();
  }

  start(): void {
    this.timer = setInterval(() => void this.ping(), PING_EVERY_MS);
    this.timer.unref();
  }

  /** Called each time the node is ready again after a time cut off Redis (what it missed is read again). */
  onBack(listener: () => void): void {
    this.backListeners.push(listener);
  }

  /** A node shutting down takes no new connections either. */
  stop(): void {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
  }

  now(): Readiness {
    if (this.closing) return { ready: false, reason: "shutting down" };
    const state = readinessOf(this.link.ready(), this.lastAnswerAt, this.clock());
    if (state.ready !== this.wasReady) {
      this.wasReady = state.ready;
      if (state.ready) {
        log.info("node ready again: Redis answers");
        for (const listener of this.backListeners) listener();
      } else log.warn("node not ready: the balancer sends its clients elsewhere", { reason: state.reason });
    }
    return state;
  }

  private async ping(): Promise<void> {
    const sentAt = this.clock();
    try {
      await within(this.link.commands.ping(), UNREADY_AFTER_MS, "ping");
      this.lastAnswerAt = sentAt;
    } catch {
      // No answer: lastAnswerAt stays where it was and the node turns unready once it is old.
    }
    this.now(); // logs the change as it happens, not only when the balancer asks
  }
}
