/** Test harness: a real Chairside server on an ephemeral port with its own data folder. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io, type Socket } from "socket.io-client";
import { type Chairside, type StartOptions, startChairside } from "../server/app.ts";
import { ClinicId } from "../server/clinic.ts";
import { loadConfig, type ServerConfig } from "../server/config.ts";
import { batchBytes } from "../shared/poseCodec.ts";
import {
  type ClientToServerEvents,
  type ConnectRefusal,
  type DeliveredRoomEvent,
  Ev,
  PROTOCOL_VERSION,
  type Result,
  type RoomSnapshot,
  type ServerToClientEvents,
} from "../shared/protocol.ts";
import type { AudienceRole } from "../shared/roles.ts";
import { applyRoomEvent } from "../shared/roomView.ts";
import { IssuedCredentials } from "./issuedCredentials.ts";
import { signedInStaff } from "./staffAccount.ts";

export interface TestServer extends Chairside {
  dataDir: string;
  stopAsync(): Promise<void>;
}

export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  opts: StartOptions = {},
): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), "chairside-test-"));
  const config: ServerConfig = {
    ...loadConfig({}),
    port: 0,
    host: "127.0.0.1",
    dataDir,
    simulateSoe: false,
    clientDir: null,
    logLevel: "silent",
    ...overrides,
  };
  const app = await startChairside(config, opts);
  return {
    ...app,
    dataDir,
    async stopAsync() {
      await app.closeAsync();
      if (!overrides.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type PeopleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A test client that keeps its room view in step, like the browser does. */
export class TestClient {
  view: RoomSnapshot | null = null;
  readonly events: DeliveredRoomEvent[] = [];
  readonly errors: { code: string; message: string; event: string }[] = [];
  readonly poseBatches: Uint8Array[] = [];
  readonly socket: PeopleSocket;

  /** `cookie`: the Cookie header a browser would send (a staff session, a paired headset, an observer). */
  constructor(url: string, auth: Record<string, unknown>, cookie?: string) {
    this.socket = io(url, {
      auth,
      transports: ["websocket"],
      forceNew: true,
      reconnectionDelay: 100,
      ...(cookie ? { extraHeaders: { cookie } } : {}),
    });
    this.socket.on(Ev.welcome, (s) => {
      this.view = s;
    });
    this.socket.on(Ev.roomEvent, (e) => {
      this.events.push(e);
      if (this.view && applyRoomEvent(this.view, e) === "gap") {
        void this.socket
          .emitWithAck(Ev.snapshot)
          .then((r) => {
            if (r.ok) this.view = r.value;
          })
          // A link cut while asking (a failover) is answered by the next welcome.
          .catch(() => undefined);
      }
    });
    // Bytes, whichever form the batch came in
    this.socket.on(Ev.poses, (b) => this.poseBatches.push(batchBytes(b)));
    this.socket.on(Ev.protocolError, (e) => this.errors.push(e));
    this.socket.on("connect_error", (err) => {
      this.refusal = (err as Error & { data?: ConnectRefusal }).data ?? {
        code: "transport",
        message: err.message,
      };
    });
  }

  /** The last handshake refusal, if any (for a readable failure). */
  refusal: ConnectRefusal | { code: string; message: string } | null = null;

  /** Resolves at the welcome; fails with the server's refusal in the message. */
  async welcomedAsync(what: string): Promise<void> {
    await waitFor(() => this.view !== null, `${what} welcome`).catch((error: Error) => {
      throw new Error(
        `${error.message}${this.refusal ? ` (refused: ${this.refusal.code} ${this.refusal.message})` : ""}`,
      );
    });
  }

  /**
   * Joins an appointment in a role the way a browser in that role gets in: a demo pass in the demo
   * clinic; in a real clinic the care team signs in (staff session cookie), the patient comes with
   * a paired headset and an observer with an invitation (tests/issuedCredentials.ts).
   */
  static async joinAsync(server: Chairside, appointmentId: string, role: AudienceRole): Promise<TestClient> {
    const appt = server.clinic.appointments.get(appointmentId);
    if (appt && appt.clinicId !== ClinicId.demo) {
      if (role === "clinician" || role === "assistant")
        return TestClient.joinAsStaffAsync(server, appointmentId, role);
      const issued = IssuedCredentials.for(server);
      const credential =
        role === "patient"
          ? issued.headset(server, appointmentId)
          : issued.observer(server, appointmentId, "Observer");
      const client = new TestClient(server.origin, cookieAuth(appointmentId), credential.cookie);
      await client.welcomedAsync(role);
      return client;
    }
    const client = new TestClient(server.origin, passAuth(server, appointmentId, role));
    await waitFor(() => client.view !== null, `${role} welcome`);
    return client;
  }

  /**
   * Joins a real clinic's appointment as its own clinician or assistant, signed in with a staff
   * session cookie (as a browser at the desk does).
   */
  static async joinAsStaffAsync(
    server: Chairside,
    appointmentId: string,
    role: "clinician" | "assistant" = "clinician",
  ): Promise<TestClient> {
    const appt = server.clinic.appointments.get(appointmentId);
    const staffId = role === "clinician" ? appt?.staff.clinicianId : appt?.staff.assistantId;
    if (!appt || !staffId) throw new Error(`no ${role} on appointment ${appointmentId}`);
    const { cookie } = await signedInStaff(server, { staffId, role, clinicId: appt.clinicId });
    const client = new TestClient(server.origin, cookieAuth(appointmentId), cookie);
    await client.welcomedAsync(role);
    return client;
  }

  get memberId(): string {
    return this.view!.you;
  }

  // biome-ignore lint/suspicious/noExplicitAny: tests send deliberately malformed payloads too
  async command<T = unknown>(event: string, payload?: any): Promise<Result<T>> {
    // biome-ignore lint/suspicious/noExplicitAny: see above
    const s = this.socket.timeout(5_000) as any;
    return payload === undefined ? s.emitWithAck(event) : s.emitWithAck(event, payload);
  }

  close(): void {
    this.socket.close();
  }
}

/** The handshake `auth` a page sends for a demo-clinic appointment in a role (a fresh demo pass). */
export function passAuth(
  server: Chairside,
  appointmentId: string,
  role: AudienceRole,
  ttlSeconds?: number,
): { protocolVersion: number; appointmentId: string; pass: string } {
  const minted = server.demoPasses.mint(appointmentId, role, ttlSeconds);
  if (!minted) throw new Error(`no demo pass for ${appointmentId}/${role}: is it a demo-clinic appointment?`);
  return { protocolVersion: PROTOCOL_VERSION, appointmentId, pass: minted.pass };
}

/** The handshake `auth` of a page whose credential is a cookie (staff, headset, observer). */
export function cookieAuth(appointmentId: string): { protocolVersion: number; appointmentId: string } {
  return { protocolVersion: PROTOCOL_VERSION, appointmentId };
}

/** Connects and resolves with the refusal the server sent, or null if it admitted the client. */
export async function connectRefusal(
  url: string,
  auth: Record<string, unknown>,
  cookie?: string,
): Promise<ConnectRefusal | null> {
  const socket = io(url, {
    auth,
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    ...(cookie ? { extraHeaders: { cookie } } : {}),
  });
  try {
    return await new Promise<ConnectRefusal | null>((resolve) => {
      socket.on("connect", () => resolve(null));
      socket.on("connect_error", (err) => resolve((err as Error & { data: ConnectRefusal }).data ?? null));
    });
  } finally {
    socket.close();
  }
}

export async function waitFor(test: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
