/**
 * An SOE's uplink: sends batches in order, keeps every unacknowledged batch, and resends them after
 * a reconnect, so no reading is lost (the server deduplicates by device, boot and sequence number).
 * One DeviceClient is one boot of the device: it introduces itself with a fresh boot id, so its
 * counter may start from 1 again after a reboot without its batches being taken for resends.
 */
import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import {
  type ConnectRefusal,
  DEVICE_NAMESPACE,
  type DeviceAuth,
  type DeviceBatch,
  type DeviceBatchAck,
  type DeviceToServerEvents,
  ErrorCode,
  Ev,
  PROTOCOL_VERSION,
  type Result,
  type ServerToDeviceEvents,
} from "../shared/protocol.ts";

export interface DeviceClientOptions {
  url: string;
  deviceId: string;
  deviceKey: string;
  /** This boot's id; a fresh random one by default (a real device draws one at every power-up). */
  bootId?: string;
  /** How long to wait for an ack before resending. */
  ackTimeoutMs?: number;
  /** Most batches awaiting an ack at once; a backlog after a reconnect drains at this pace. */
  window?: number;
  rejectUnauthorized?: boolean;
}

export interface DeviceClientStats {
  sent: number;
  acked: number;
  duplicates: number;
  rejected: number;
  lastError: string | null;
}

export class DeviceClient {
  readonly stats: DeviceClientStats = { sent: 0, acked: 0, duplicates: 0, rejected: 0, lastError: null };
  readonly bootId: string;
  private readonly socket: Socket<ServerToDeviceEvents, DeviceToServerEvents>;
  private readonly unacked = new Map<number, DeviceBatch>();
  private readonly inFlight = new Set<number>();
  private readonly ackTimeoutMs: number;
  private readonly window: number;
  /** A handshake retry after a `refused_for_now`, pending. */
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private onAckListeners: ((batch: DeviceBatch, ack: Result<DeviceBatchAck>, sentAt: number) => void)[] = [];

  constructor(opts: DeviceClientOptions) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 5_000;
    this.window = opts.window ?? 16;
    this.bootId = opts.bootId ?? randomUUID();
    const auth: DeviceAuth = {
      protocolVersion: PROTOCOL_VERSION,
      deviceId: opts.deviceId,
      deviceKey: opts.deviceKey,
      bootId: this.bootId,
    };
    this.socket = io(`${opts.url}${DEVICE_NAMESPACE}`, {
      auth,
      transports: ["websocket"],
      reconnectionDelay: 200,
      reconnectionDelayMax: 2_000,
      rejectUnauthorized: opts.rejectUnauthorized ?? true,
    });
    this.socket.on("connect", () => this.resendAll());
    this.socket.on("connect_error", (err) => {
      this.stats.lastError = err.message;
      // A handshake the server refused for now (too many connections from this address at once,
      // say) is not retried by Socket.IO, which takes any refusal as final: the device sat
      // disconnected until it was restarted, its readings piling up. It comes back when told to.
      const refusal = (err as Error & { data?: Partial<ConnectRefusal> }).data;
      if (refusal?.code === ErrorCode.refusedForNow && !this.closed) {
        const wait = Math.max(200, refusal.retryAfterMs ?? 0);
        clearTimeout(this.retry);
        // Spread over up to twice the wait, so devices refused together do not return together.
        this.retry = setTimeout(() => !this.closed && this.socket.connect(), wait * (1 + Math.random()));
      }
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Batches not yet acknowledged by the server (sent or waiting to be). */
  get pending(): number {
    return this.unacked.size;
  }

  onAck(listener: (batch: DeviceBatch, ack: Result<DeviceBatchAck>, sentAt: number) => void): void {
    this.onAckListeners.push(listener);
  }

  /** Queues a batch and sends it when connected. */
  send(batch: DeviceBatch): void {
    this.unacked.set(batch.seq, batch);
    this.trySend(batch);
  }

  private resendAll(): void {
    this.inFlight.clear();
    this.pump();
  }

  /** Sends the oldest unacknowledged batches, up to the window. */
  private pump(): void {
    if (this.inFlight.size >= this.window) return;
    for (const batch of [...this.unacked.values()].sort((a, b) => a.seq - b.seq)) {
      if (this.inFlight.size >= this.window) return;
      this.trySend(batch);
    }
  }

  private trySend(batch: DeviceBatch): void {
    if (!this.socket.connected || this.inFlight.has(batch.seq) || this.inFlight.size >= this.window) return;
    this.inFlight.add(batch.seq);
    this.stats.sent += 1;
    const sentAt = Date.now();
    this.socket
      .timeout(this.ackTimeoutMs)
      .emit(Ev.deviceBatch, batch, (err: Error | null, result: Result<DeviceBatchAck>) => {
        this.inFlight.delete(batch.seq);
        if (err) {
          // No ack in time: keep it and try again (the server deduplicates).
          setTimeout(() => this.unacked.has(batch.seq) && this.trySend(batch), 250);
          return;
        }
        if (result.ok) {
          this.stats.acked += 1;
          if (result.value.duplicate) this.stats.duplicates += 1;
          this.unacked.delete(batch.seq);
        } else {
          // A typed rejection is final for this batch: resending the same bytes cannot succeed
          // (a `seq_conflict` included: the server kept the first content and raised an alarm).
          this.stats.rejected += 1;
          this.stats.lastError = `${result.error.code}: ${result.error.message}`;
          if (result.error.code === "rate_limited" || result.error.code === "storage_failed") {
            setTimeout(() => this.unacked.has(batch.seq) && this.trySend(batch), 500);
            return;
          }
          this.unacked.delete(batch.seq);
        }
        for (const l of this.onAckListeners) l(batch, result, sentAt);
        this.pump();
      });
  }

  /**
   * Puts a batch on the wire again without tracking it, as a faulty firmware that repeats packets
   * does (the simulator's duplicate fault). The normal path never sends a seq twice on its own.
   */
  transmitUntracked(batch: DeviceBatch): void {
    if (this.socket.connected) this.socket.emit(Ev.deviceBatch, batch, () => {});
  }

  /** Resolves when every queued batch is acknowledged, or after `timeoutMs`. */
  async flushAsync(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.unacked.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.unacked.size === 0;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.socket.close();
  }
}
