/**
 * A simulated person in a room, speaking the same protocol over Socket.IO as a browser does.
 * The demo director and the benchmarks use it; nothing takes a shortcut around the server.
 */
import { io, type Socket } from "socket.io-client";
import { encodePose, type Pose } from "../../shared/poseCodec.ts";
import {
  type ClientToServerEvents,
  Ev,
  type PersonAuth,
  type Result,
  type RoomSnapshot,
  type ServerToClientEvents,
} from "../../shared/protocol.ts";
import { applyRoomEvent } from "../../shared/roomView.ts";

export class SimParticipant {
  view: RoomSnapshot | null = null;
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private poseTimer: NodeJS.Timeout | null = null;

  /** `auth`: what a browser's handshake carries (a demo pass here: simulated people only ever sit in the demo clinic). */
  constructor(url: string, auth: PersonAuth, opts: { rejectUnauthorized?: boolean } = {}) {
    this.socket = io(url, {
      auth,
      transports: ["websocket"],
      rejectUnauthorized: opts.rejectUnauthorized ?? false,
      forceNew: true,
    });
    this.socket.on(Ev.welcome, (snapshot) => {
      this.view = snapshot;
    });
    this.socket.on(Ev.roomEvent, (event) => {
      if (this.view && applyRoomEvent(this.view, event) === "gap") {
        void this.socket.emitWithAck(Ev.snapshot).then((r) => {
          if (r.ok) this.view = r.value;
        });
      }
    });
  }

  /** Resolves once the welcome snapshot has arrived. */
  async joinedAsync(timeoutMs = 10_000): Promise<this> {
    const until = Date.now() + timeoutMs;
    while (!this.view) {
      if (Date.now() > until) throw new Error("no welcome from the server");
      await new Promise((r) => setTimeout(r, 20));
    }
    return this;
  }

  // biome-ignore lint/suspicious/noExplicitAny: a thin test/demo driver over the typed event map
  async command<T = unknown>(event: keyof ClientToServerEvents, payload: any): Promise<Result<T>> {
    // biome-ignore lint/suspicious/noExplicitAny: see above
    return (this.socket.timeout(8_000) as any).emitWithAck(event, payload);
  }

  /** Streams a gently moving pose at `hz`, as a seated or standing person would. */
  startPoses(hz: number, base: Pose, sway = 0.03): void {
    const t0 = Date.now();
    this.poseTimer = setInterval(() => {
      const t = (Date.now() - t0) / 1000;
      const dx = Math.sin(t * 0.7) * sway;
      const dy = Math.sin(t * 1.3) * sway * 0.5;
      const move = (tr: Pose["head"]) => ({ p: { x: tr.p.x + dx, y: tr.p.y + dy, z: tr.p.z }, q: tr.q });
      const pose: Pose = {
        head: move(base.head),
        left: base.left ? move(base.left) : null,
        right: base.right ? move(base.right) : null,
      };
      this.socket.volatile.emit(Ev.pose, encodePose(pose));
    }, 1000 / hz);
  }

  close(): void {
    if (this.poseTimer) clearInterval(this.poseTimer);
    this.socket.close();
  }
}
