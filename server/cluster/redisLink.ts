/**
 * The node's connections to Redis: one for commands (leases, publishing), one subscriber for the
 * node bus (a subscribed connection can do nothing else), one for the Socket.IO adapter's blocking
 * stream reads. A command that Redis does not answer in time fails instead of waiting for a
 * reconnect: the lease keeper must learn of a partition while its lease still holds.
 */
import { createClient } from "redis";
import { createLogger } from "../log.ts";

const log = createLogger("cluster-redis");

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisLink {
  readonly commands: RedisClient;
  readonly subscriber: RedisClient;
  readonly adapter: RedisClient;
  /** Every connection is up (not reconnecting). */
  ready(): boolean;
  close(): Promise<void>;
}

export async function openRedisLink(url: string, nodeId: string): Promise<RedisLink> {
  const make = (role: string): RedisClient => {
    const client = createClient({
      url,
      name: `chairside-${nodeId}-${role}`,
      socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 1000) },
    });
    let down = false;
    client.on("error", (error: unknown) => {
      if (down) return;
      down = true;
      log.warn("Redis connection lost", { role, error: String(error) });
    });
    client.on("ready", () => {
      if (down) log.info("Redis connection back", { role });
      down = false;
    });
    return client;
  };
  const commands = make("commands");
  const subscriber = make("bus");
  const adapter = make("adapter");
  await Promise.all([commands.connect(), subscriber.connect(), adapter.connect()]);
  return {
    commands,
    subscriber,
    adapter,
    ready: () => commands.isReady && subscriber.isReady && adapter.isReady,
    async close() {
      // A partitioned connection would never finish closing: it is dropped instead.
      await Promise.allSettled(
        [commands, subscriber, adapter].map((c) => within(c.close(), 1000, "close").catch(() => c.destroy())),
      );
    },
  };
}

/** A promise that rejects if `promise` takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis in ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * The client as handed to the Socket.IO adapter. With connection-state recovery on, the adapter
 * stores each dropped connection's session with a SET that it never awaits: while Redis is out
 * of reach that SET fails, and the unhandled rejection would end the node. Its failure only means
 * that session cannot be recovered (the client gets a welcome instead), so it is logged and
 * dropped here. Every method is bound to the client itself (it keeps private fields).
 */
export function forAdapter(client: RedisClient): RedisClient {
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      const bound = value.bind(target) as (...args: unknown[]) => unknown;
      if (prop !== "set") return bound;
      return (...args: unknown[]) =>
        Promise.resolve(bound(...args)).catch((error: unknown) => {
          log.warn("a dropped connection's session was not stored (Redis out of reach)", {
            error: String(error),
          });
          return null;
        });
    },
  });
}
