/**
 * Messages between nodes over Redis PUB/SUB, one channel per node: a request with an answer (or a
 * timeout, when the other node is gone or cut off) and one-way notes (poses, departures). This is
 * how a command or a reading reaches the room's owner from the node its sender connected to. One
 * more channel reaches every node at once, for what is not about one room (a clinic's firmware
 * quarantine, a seat taken by a newer window).
 */
import { randomUUID } from "node:crypto";
import { describeError } from "../handlerGuard.ts";
import { createLogger } from "../log.ts";
import { type RedisClient, within } from "./redisLink.ts";

const log = createLogger("node-bus");

interface Envelope {
  readonly from: string;
  readonly kind: string;
  readonly body: unknown;
  /** Set on a request; its answer carries the same id. */
  readonly id?: string;
  readonly reply?: true;
  readonly failed?: string;
  /** Sent to every node. */
  readonly all?: true;
}

type Handler = (body: unknown, from: string) => unknown;

export const channelOf = (nodeId: string): string => `chairside:node:${nodeId}`;
/** Every node listens here; a node ignores its own broadcasts. */
export const EVERY_NODE = "chairside:nodes";

export class NodeBusTimeout extends Error {
  override name = "NodeBusTimeout";
}

export class NodeBus {
  private readonly handlers = new Map<string, Handler>();
  private readonly waiting = new Map<
    string,
    { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout }
  >();
  /** Notes and requests handled, answers received (for tests and the bench). */
  readonly stats = { received: 0, sent: 0, timeouts: 0 };

  constructor(
    private readonly commands: RedisClient,
    private readonly subscriber: RedisClient,
    readonly nodeId: string,
  ) {}

  async start(): Promise<void> {
    const receive = (message: string) => this.receive(message);
    await this.subscriber.subscribe([channelOf(this.nodeId), EVERY_NODE], receive);
  }

  /** What this node does with a request or a note of `kind`; a request gets the handler's result. */
  handle(kind: string, handler: Handler): void {
    this.handlers.set(kind, handler);
  }

  /** A request to another node; rejects with NodeBusTimeout if no answer comes in `timeoutMs`. */
  request(nodeId: string, kind: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const id = randomUUID();
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.stats.timeouts += 1;
        reject(new NodeBusTimeout(`node ${nodeId} did not answer ${kind} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      this.publish(nodeId, { from: this.nodeId, kind, body, id });
    });
  }

  /** A note to another node; nothing comes back. */
  note(nodeId: string, kind: string, body: unknown): void {
    this.publish(nodeId, { from: this.nodeId, kind, body });
  }

  /** A note to every other node (at most once: a node cut off Redis misses it). */
  broadcast(kind: string, body: unknown): void {
    this.stats.sent += 1;
    const envelope: Envelope = { from: this.nodeId, kind, body, all: true };
    within(this.commands.publish(EVERY_NODE, JSON.stringify(envelope)), 2000, "publish").catch(
      (error: unknown) => log.warn("could not reach the other nodes", { kind, error: String(error) }),
    );
  }

  close(): void {
    for (const [id, wait] of this.waiting) {
      clearTimeout(wait.timer);
      wait.reject(new NodeBusTimeout("node bus closed"));
      this.waiting.delete(id);
    }
  }

  private publish(nodeId: string, envelope: Envelope): void {
    this.stats.sent += 1;
    within(this.commands.publish(channelOf(nodeId), JSON.stringify(envelope)), 2000, "publish").catch(
      (error: unknown) => log.warn("could not reach another node", { to: nodeId, error: String(error) }),
    );
  }

  private receive(message: string): void {
    this.stats.received += 1;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      log.warn("unreadable node bus message dropped");
      return;
    }
    if (envelope.all && envelope.from === this.nodeId) return; // its own broadcast
    if (envelope.reply) {
      const wait = envelope.id ? this.waiting.get(envelope.id) : undefined;
      if (!wait || !envelope.id) return; // answered after its timeout
      this.waiting.delete(envelope.id);
      clearTimeout(wait.timer);
      if (envelope.failed !== undefined) wait.reject(new Error(envelope.failed));
      else wait.resolve(envelope.body);
      return;
    }
    const handler = this.handlers.get(envelope.kind);
    const answer = (body: unknown, failed?: string) => {
      if (envelope.id === undefined) return;
      this.publish(envelope.from, {
        from: this.nodeId,
        kind: envelope.kind,
        body,
        id: envelope.id,
        reply: true,
        ...(failed !== undefined ? { failed } : {}),
      });
    };
    if (!handler) {
      answer(null, `no handler for ${envelope.kind}`);
      return;
    }
    try {
      Promise.resolve(handler(envelope.body, envelope.from)).then(
        (result) => answer(result ?? null),
        (error: unknown) => answer(null, describeError(error)),
      );
    } catch (error) {
      answer(null, describeError(error));
    }
  }
}
