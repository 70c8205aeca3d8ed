/**
 * A Socket.IO client that writes raw packet text, the way an attacker would: nothing is encoded
 * or checked on this side, so payloads nested 100,000 deep, stray acks and garbage frames all
 * reach the server as sent. It counts every typed reply: acks by id, and `protocol:error` events.
 */
import { Manager, type Socket } from "socket.io-client";
import { readPacketHeader } from "../server/packetBounds.ts";
import { type ConnectRefusal, Ev } from "../shared/protocol.ts";

export interface TypedReply {
  ok: boolean;
  code?: string;
}

export class RawClient {
  readonly manager: Manager;
  /** Replies to acked messages, by ack id (an id answered twice is recorded twice). */
  readonly acks = new Map<number, TypedReply[]>();
  /** `protocol:error` events received. */
  readonly protocolErrors: { code: string; event: string }[] = [];
  private socket: Socket | null = null;
  private nextId = 1;
  private closed = false;

  constructor(
    origin: string,
    private readonly nsp: "/" | "/devices",
  ) {
    this.manager = new Manager(origin, {
      transports: ["websocket"],
      reconnection: false,
      autoConnect: false,
      forceNew: true,
    } as never);
  }

  /** Connects to the namespace; resolves null when admitted, else with the refusal. */
  async connectAsync(auth: Record<string, unknown>): Promise<ConnectRefusal | null> {
    const socket = this.manager.socket(this.nsp, { auth });
    this.socket = socket;
    const result = await new Promise<ConnectRefusal | null>((resolve) => {
      socket.once("connect", () => resolve(null));
      socket.once("connect_error", (err) =>
        resolve(
          (err as Error & { data?: ConnectRefusal }).data ?? { code: "internal_error", message: err.message },
        ),
      );
      socket.connect();
    });
    if (result === null) this.listen();
    return result;
  }

  /** Opens the transport only (no namespace): for garbage that must be refused before any handshake. */
  async openAsync(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.manager.open((err) => (err ? reject(err) : resolve())));
    this.listen();
  }

  get isOpen(): boolean {
    return !this.closed && this.manager.engine?.readyState === "open";
  }

  /** Sends an event with raw JSON text as its arguments (after the name); returns the ack id if asked for. */
  emitRaw(event: string | number, argsJson: string | null, withAck: boolean): number | undefined {
    const id = withAck ? this.nextId++ : undefined;
    const prefix = this.nsp === "/" ? "" : `${this.nsp},`;
    const args = argsJson === null ? "" : `,${argsJson}`;
    this.write(`2${prefix}${id ?? ""}[${JSON.stringify(event)}${args}]`);
    return id;
  }

  /** Sends a binary event: the name, then one placeholder per buffer. */
  emitBinary(event: string, buffers: Uint8Array[], withAck: boolean): number | undefined {
    const id = withAck ? this.nextId++ : undefined;
    const prefix = this.nsp === "/" ? "" : `${this.nsp},`;
    const placeholders = buffers.map((_, num) => `,{"_placeholder":true,"num":${num}}`).join("");
    this.write(`5${buffers.length}-${prefix}${id ?? ""}[${JSON.stringify(event)}${placeholders}]`);
    for (const b of buffers) this.write(b);
    return id;
  }

  /** Writes one raw Socket.IO packet (text or binary frame), exactly as given. */
  write(packet: string | Uint8Array): void {
    this.manager.engine.write(packet as never);
  }

  /** Resolves when the server has closed the transport. */
  closedAsync(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.manager.engine.once("close", () => resolve()));
  }

  close(): void {
    this.socket?.disconnect();
    this.manager.engine?.close();
    this.closed = true;
  }

  private listen(): void {
    const engine = this.manager.engine;
    engine.on("close", () => {
      this.closed = true;
    });
    engine.on("packet", (packet: { type: string; data?: unknown }) => {
      if (packet.type !== "message" || typeof packet.data !== "string") return;
      const text = packet.data;
      const header = readPacketHeader(text);
      if (!header) return;
      if (header.type === 3 && header.id !== undefined) {
        const [result] = JSON.parse(text.slice(header.dataStart)) as [
          { ok: boolean; error?: { code: string } },
        ];
        const list = this.acks.get(header.id) ?? [];
        list.push({ ok: result.ok, code: result.error?.code });
        this.acks.set(header.id, list);
      } else if (header.type === 2 && text.startsWith(`["${Ev.protocolError}"`, header.dataStart)) {
        const [, error] = JSON.parse(text.slice(header.dataStart)) as [
          string,
          { code: string; event: string },
        ];
        this.protocolErrors.push({ code: error.code, event: error.event });
      }
    });
  }
}
