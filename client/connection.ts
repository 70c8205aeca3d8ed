/**
 * The browser's link to the room: handshake with version, appointment and (demo only) pass, while
 * its cookies say who it is; the room view kept in step
 * with reliable events (resync on any gap), poses out and in, and RoomActions over acks. It comes
 * back by itself after any drop (see linkState.ts) and takes a fresh snapshot each time.
 */
import { io, type Socket } from "socket.io-client";
import type { Alarm } from "../shared/alarms.ts";
import type { OttoUtterance, PatientQuestion } from "../shared/otto.ts";
import { decodeBatch, encodePoseText, type Pose, type PoseBatch } from "../shared/poseCodec.ts";
import type { ProcedureCommand, ProcedureView } from "../shared/procedure/types.ts";
import {
  type Ack,
  type ClientToServerEvents,
  CloseReason,
  type ComfortView,
  type ConnectRefusal,
  type DeliveredRoomEvent,
  ErrorCode,
  Ev,
  type FirmwareAction,
  type FirmwareLiftPayload,
  type FirmwareQuarantineOutcome,
  type FirmwareQuarantinePayload,
  fail,
  type PersonAuth,
  type ReadingsBatch,
  type Result,
  type RoomSnapshot,
  type ServerToClientEvents,
  type Surroundings,
} from "../shared/protocol.ts";
import { applyRoomEvent } from "../shared/roomView.ts";
import { type LinkInput, type LinkStatus, nextLink } from "./linkState.ts";
import type { RoomActions, RoomListener } from "./roomActions.ts";
import { tellRoomLink } from "./voice/roomLinkSignal.ts";

export type { LinkStatus } from "./linkState.ts";

export interface ConnectionListener extends RoomListener {
  onPoses(batch: PoseBatch, receivedAt: number): void;
  onLinkState(status: LinkStatus): void;
  onEvent?(event: DeliveredRoomEvent): void;
}

/** Events answered with an ack that carry a payload: the room actions. */
type RequestEvent = {
  [E in keyof ClientToServerEvents]: Parameters<ClientToServerEvents[E]> extends [unknown, Ack<never>]
    ? E
    : never;
}[keyof ClientToServerEvents];
type PayloadOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[0];
type AnswerOf<E extends RequestEvent> =
  Parameters<ClientToServerEvents[E]>[1] extends Ack<infer T> ? T : never;

const ACK_TIMEOUT_MS = 8_000;

export class RoomConnection implements RoomActions {
  view: RoomSnapshot | null = null;
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private resyncing = false;
  private status: LinkStatus = { kind: "connecting" };
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** This window has been live: a connect from now on is a reconnect, until "Use it here". */
  private resuming = false;
  /** Counters for tests and the status line. */
  readonly stats = { events: 0, resyncs: 0, posesIn: 0, posesOut: 0, welcomes: 0, recoveries: 0 };

  /** `auth`: the handshake (server/auth decides who this is from the cookies or the demo pass in it). */
  constructor(
    auth: PersonAuth,
    private readonly listener: ConnectionListener,
  ) {
    // Socket.IO's own reconnection gives up after a server-side disconnect (a graceful restart);
    // the link state machine retries after every kind of drop instead.
    this.socket = io({
      // Read at every connect: a reconnect by itself says so (`resume`), so it never takes the
      // seat from a window that took it since; the first connect and "Use it here" do take it.
      auth: (send) => send({ ...auth, ...(this.resuming ? { resume: true } : {}) }),
      transports: ["websocket"],
      reconnection: false,
      query: { room: auth.appointmentId }, // HAProxy sends a room's connections to one node
    });
    this.listener.onLinkState(this.status);
    // Live means the room view has arrived, not merely the socket: the welcome is the fresh truth.
    this.socket.on(Ev.welcome, (snapshot) => {
      this.stats.welcomes += 1;
      this.view = snapshot;
      this.step({ type: "connected" });
      this.listener.onView(snapshot);
    });
    this.socket.on(Ev.roomEvent, (event) => this.onRoomEvent(event));
    this.socket.on(Ev.poses, (data) => {
      const batch = decodeBatch(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
      this.stats.posesIn += 1;
      if (this.view && batch.lastSeq > this.view.seq) void this.resyncAsync();
      this.listener.onPoses(batch, performance.now());
    });
    this.socket.on(Ev.readings, (batch) => this.listener.onReadings(batch.readings));
    this.socket.on(Ev.protocolError, (err) => {
      if (err.event === CloseReason.replaced) this.step({ type: "replaced" });
      // The credential ended (signed out, headset handed on, invitation withdrawn) or the appointment
      // did (finished, cancelled): no retrying, the page says why.
      else if (err.event === CloseReason.revoked || err.event === CloseReason.appointmentEnded)
        this.step({ type: "connect_failed", refusal: { code: ErrorCode.forbidden, message: err.message } });
      else console.warn(`[chairside] ${err.code}: ${err.message}`);
    });
    this.socket.on("connect_error", (err) => {
      const data = (err as Error & { data?: ConnectRefusal }).data;
      this.step({ type: "connect_failed", refusal: data?.code ? data : null });
    });
    this.socket.on("disconnect", () => this.step({ type: "disconnected" }));
    // Socket.IO recovered the connection and replays the events it
    // missed; the server sends no welcome then, so the view stays and the link is live again.
    this.socket.on("connect", () => {
      if (!this.socket.recovered || !this.view) return;
      this.stats.recoveries += 1;
      this.step({ type: "connected" });
    });
    // Leaving on purpose (tab closed) tells the room at once instead of waiting for a timeout.
    addEventListener("pagehide", () => this.close());
  }

  /** Where the link stands now. */
  get link(): LinkStatus {
    return this.status;
  }

  /** "Use it here": take the seat back from the other window that holds it. */
  takeSeatBack(): void {
    this.resuming = false;
    this.step({ type: "take_back" });
  }

  private step(input: LinkInput): void {
    const { status, action } = nextLink(this.status, input, Math.random);
    const changed = status !== this.status;
    // Set first: closing the socket below reports its own "disconnected" step synchronously.
    this.status = status;
    // Live again, by a welcome or a recovered connection (which has none): any later connect is a
    // reconnect, which must not take the seat from a window that takes it meanwhile.
    if (status.kind === "connected") this.resuming = true;
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    // Replaced or closed: this window must not act live any more, nor keep a half-open link.
    if (changed && (status.kind === "replaced" || status.kind === "closed")) this.socket.disconnect();
    switch (action.type) {
      case "none":
        break;
      case "connect":
        this.socket.connect();
        break;
      case "retry":
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.socket.connect();
        }, action.afterMs);
        break;
    }
    if (changed) this.listener.onLinkState(status);
    // The window's voice follows its seat (off when replaced, back when live).
    if (changed) tellRoomLink(status.kind);
  }

  get memberId(): string | null {
    return this.view?.you ?? null;
  }

  private onRoomEvent(event: DeliveredRoomEvent): void {
    if (!this.view) return;
    this.stats.events += 1;
    const outcome = applyRoomEvent(this.view, event);
    if (outcome === "gap") {
      void this.resyncAsync();
      return;
    }
    if (outcome === "applied") {
      this.listener.onEvent?.(event);
      this.listener.onView(this.view);
    }
  }

  /** A reliable event was missed: take a fresh snapshot. */
  private async resyncAsync(): Promise<void> {
    if (this.resyncing) return;
    this.resyncing = true;
    try {
      const result = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(Ev.snapshot);
      if (result.ok) {
        this.stats.resyncs += 1;
        this.view = result.value;
        this.listener.onView(result.value);
      }
    } catch {
      // Timed out: the next event or pose batch will notice the gap again.
    } finally {
      this.resyncing = false;
    }
  }

  sendPose(pose: Pose): void {
    if (!this.socket.connected) return;
    this.stats.posesOut += 1;
    // As text, one WebSocket frame instead of two (shared/poseCodec.ts)
    this.socket.volatile.emit(Ev.pose, encodePoseText(pose));
  }

  /** Sends a room action and waits for its answer; a lost link or a missing answer is a typed failure. */
  private async emit<E extends RequestEvent>(event: E, payload: PayloadOf<E>): Promise<Result<AnswerOf<E>>> {
    if (!this.socket.connected) {
      return fail(
        ErrorCode.notConnected,
        "Not connected to the room: nothing was sent. Try again when it is back.",
      );
    }
    try {
      // Socket.IO's typed emit cannot follow a generic event name; the RequestEvent types above hold the map.
      const timed = this.socket.timeout(ACK_TIMEOUT_MS) as unknown as {
        emitWithAck(event: E, payload: PayloadOf<E>): Promise<Result<AnswerOf<E>>>;
      };
      return await timed.emitWithAck(event, payload);
    } catch {
      return fail(
        ErrorCode.timeout,
        `No answer from the server within ${ACK_TIMEOUT_MS / 1000} s: it may or may not have been done. Check the room before trying again.`,
      );
    }
  }

  selectPlan(planId: string): Promise<Result<ProcedureView>> {
    return this.emit(Ev.procedureSelect, { planId });
  }
  procedureCommand(command: ProcedureCommand, reason?: string): Promise<Result<ProcedureView>> {
    return this.emit(Ev.procedureCommand, reason ? { command, reason } : { command });
  }
  submitMdas(answers: number[]): Promise<Result<ComfortView>> {
    return this.emit(Ev.mdasSubmit, { answers });
  }
  submitCheckin(score: number): Promise<Result<ComfortView>> {
    return this.emit(Ev.checkinSubmit, { score });
  }
  requestCheckin(reason?: string): Promise<Result<ComfortView>> {
    return this.emit(Ev.checkinRequest, reason ? { reason } : {});
  }
  setBreathing(on: boolean): Promise<Result<ComfortView>> {
    return this.emit(Ev.breathing, { on });
  }
  setSurroundings(surroundings: Surroundings): Promise<Result<ComfortView>> {
    return this.emit(Ev.surroundings, { surroundings });
  }
  askOtto(question: PatientQuestion): Promise<Result<OttoUtterance>> {
    return this.emit(Ev.ottoAsk, { question });
  }
  acknowledgeAlarm(alarmId: string): Promise<Result<Alarm>> {
    return this.emit(Ev.alarmAck, { alarmId });
  }
  silenceAlarm(alarmId: string, seconds: number): Promise<Result<Alarm>> {
    return this.emit(Ev.alarmSilence, { alarmId, seconds });
  }
  quarantineFirmware(p: FirmwareQuarantinePayload): Promise<Result<FirmwareQuarantineOutcome>> {
    return this.emit(Ev.firmwareQuarantine, p);
  }
  liftFirmware(p: FirmwareLiftPayload): Promise<Result<FirmwareAction>> {
    return this.emit(Ev.firmwareLift, p);
  }
  loadHistory(sinceMs: number): Promise<Result<ReadingsBatch>> {
    return this.emit(Ev.soeHistory, { sinceMs });
  }
  // The patient's own words to Otto; `spoken` when speech recognition heard them
  tellOtto(text: string, spoken: boolean): Promise<Result<OttoUtterance | null>> {
    return this.emit(Ev.ottoTell, { text, spoken });
  }

  close(): void {
    this.step({ type: "close" });
  }
}
