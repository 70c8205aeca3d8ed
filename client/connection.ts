/**
 * The browser's link to the room: handshake with version and token, the room view kept in step
 * with reliable events (resync on any gap), poses out and in, and RoomActions over acks.
 */
import { io, type Socket } from "socket.io-client";
import type { Alarm } from "../shared/alarms.ts";
import type { OttoUtterance, PatientQuestion } from "../shared/otto.ts";
import { decodeBatch, encodePose, type Pose, type PoseBatch } from "../shared/poseCodec.ts";
import type { ProcedureCommand, ProcedureView } from "../shared/procedure/types.ts";
import {
  type ClientToServerEvents,
  type ComfortView,
  type ConnectRefusal,
  type DeliveredRoomEvent,
  ErrorCode,
  Ev,
  type FirmwareAction,
  type FirmwareLiftPayload,
  type FirmwareQuarantineOutcome,
  type FirmwareQuarantinePayload,
  PROTOCOL_VERSION,
  type ReadingsBatch,
  type Result,
  type RoomSnapshot,
  type ServerToClientEvents,
  type Surroundings,
} from "../shared/protocol.ts";
import { applyRoomEvent } from "../shared/roomView.ts";
import type { RoomActions, RoomListener } from "./roomActions.ts";

export type LinkState = "connecting" | "connected" | "reconnecting" | "refused";

export interface ConnectionListener extends RoomListener {
  onPoses(batch: PoseBatch, receivedAt: number): void;
  onLinkState(state: LinkState, refusal?: ConnectRefusal): void;
  onEvent?(event: DeliveredRoomEvent): void;
}

const ACK_TIMEOUT_MS = 8_000;

export class RoomConnection implements RoomActions {
  view: RoomSnapshot | null = null;
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private resyncing = false;
  /** Counters for tests and the status line. */
  readonly stats = { events: 0, resyncs: 0, posesIn: 0, posesOut: 0 };

  constructor(
    token: string,
    private readonly listener: ConnectionListener,
  ) {
    this.socket = io({
      auth: { protocolVersion: PROTOCOL_VERSION, token },
      transports: ["websocket"],
      reconnectionDelay: 300,
      reconnectionDelayMax: 3_000,
    });
    this.listener.onLinkState("connecting");
    this.socket.on(Ev.welcome, (snapshot) => {
      this.view = snapshot;
      this.listener.onLinkState("connected");
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
    this.socket.on(Ev.protocolError, (err) => console.warn(`[chairside] ${err.code}: ${err.message}`));
    this.socket.on("connect_error", (err) => {
      const data = (err as Error & { data?: ConnectRefusal }).data;
      if (data?.code) {
        this.listener.onLinkState("refused", data);
        this.socket.disconnect();
      } else {
        this.listener.onLinkState("reconnecting");
      }
    });
    this.socket.on("disconnect", (reason) => {
      if (reason !== "io client disconnect") this.listener.onLinkState("reconnecting");
    });
    // Leaving on purpose (tab closed) tells the room at once instead of waiting for a timeout.
    addEventListener("pagehide", () => this.socket.disconnect());
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
    this.socket.volatile.emit(Ev.pose, encodePose(pose));
  }

  private async request<T>(send: () => Promise<Result<T>>): Promise<Result<T>> {
    try {
      return await send();
    } catch {
      return {
        ok: false,
        error: { code: ErrorCode.storageFailed, message: "No answer from the server: check the connection." },
      };
    }
  }

  private emit<T>(event: keyof ClientToServerEvents, payload: unknown): Promise<Result<T>> {
    return this.request(() =>
      // biome-ignore lint/suspicious/noExplicitAny: the typed maps are enforced by the wrappers below
      (this.socket.timeout(ACK_TIMEOUT_MS) as any).emitWithAck(event, payload),
    );
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

  close(): void {
    this.socket.disconnect();
  }
}
