/** Wires one Chairside server: HTTP(S), Socket.IO for people and devices, storage, sessions. */
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Server } from "socket.io";
import { DEVICE_NAMESPACE } from "../shared/protocol.ts";
import { isCareTeam } from "../shared/roles.ts";
import { type Clinic, seedClinic } from "./clinic.ts";
import type { ServerConfig } from "./config.ts";
import { DemoControl } from "./demo/demoControl.ts";
import { DEMO_APPOINTMENT } from "./demo/demoDirector.ts";
import { createHttpServer, type HttpDeps } from "./httpServer.ts";
import { InviteService } from "./invites.ts";
import { createLogger, setLogLevel } from "./log.ts";
import { attachPeopleGateway, type PeopleServer } from "./peopleGateway.ts";
import { careRoom, SessionRegistry } from "./sessionRegistry.ts";
import { attachDeviceGateway, type DeviceNamespace } from "./soe/deviceGateway.ts";
import { SoeService } from "./soe/soeService.ts";
import type { Storage } from "./storage/storage.ts";
import { openWorkerStorage } from "./storage/workerStorage.ts";
import { loadOrCreateSecret } from "./tokens.ts";

const log = createLogger("app");

export interface Chairside {
  port: number;
  origin: string;
  secret: Buffer;
  clinic: Clinic;
  invites: InviteService;
  sessions: SessionRegistry;
  soe: SoeService;
  storage: Storage;
  io: PeopleServer;
  closeAsync(): Promise<void>;
}

export interface StartOptions {
  now?: () => number;
  clinic?: Clinic;
}

export async function startChairside(config: ServerConfig, opts: StartOptions = {}): Promise<Chairside> {
  setLogLevel(config.logLevel);
  const now = opts.now ?? Date.now;
  const clinic = opts.clinic ?? seedClinic();
  const secret = loadOrCreateSecret(config.dataDir);
  // SQLite runs on its own thread: a group commit never holds up the rooms' event loop.
  const storage: Storage = await openWorkerStorage(join(config.dataDir, "chairside.db"));
  const invites = new InviteService(secret, clinic, config.inviteTtlHours, now);
  const httpDeps: HttpDeps = { config, invites, demo: null };
  const httpServer = createHttpServer(httpDeps);
  const io: PeopleServer = new Server(httpServer, {
    // Per-message limits are checked in the gateways with typed replies; this cap only protects memory.
    maxHttpBufferSize: 1_000_000,
    pingInterval: 2_000,
    pingTimeout: 3_000,
    serveClient: false,
  });
  const soe = new SoeService(clinic, storage, now);
  const sessions = new SessionRegistry({ clinic, storage, soe, io, now, poseTickHz: config.poseTickHz });
  await soe.init({
    onReadings: (patientId, readings) => sessions.onReadings(patientId, readings),
    onDropouts: (patientId, findings) => sessions.onDropouts(patientId, findings),
    onDevice: (patientId, device) => {
      for (const s of sessions.forPatient(patientId)) s.upsertDevice(device);
    },
    onQuarantine: (firmware, since, by, retracted) => {
      for (const s of sessions.all()) s.room.markQuarantined(firmware, since, by, retracted);
    },
  });
  attachPeopleGateway(io, { secret, clinic, sessions, now });
  io.on("connection", (socket) => {
    if (isCareTeam(socket.data.claims.role)) void socket.join(careRoom(socket.data.claims.roomId));
  });
  attachDeviceGateway(io.of(DEVICE_NAMESPACE) as unknown as DeviceNamespace, { secret, clinic, soe, now });
  sessions.start();

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const scheme = config.tlsCertPath ? "https" : "http";
  const origin = `${scheme}://localhost:${port}`;
  log.info("listening", { origin, host: config.host, dataDir: config.dataDir });
  const demo = new DemoControl({
    origin,
    secret,
    clinic,
    invites,
    resetRoom: () => {
      const roomId = clinic.appointments.get(DEMO_APPOINTMENT)!.roomId;
      io.in(roomId).disconnectSockets(true);
      sessions.reset(DEMO_APPOINTMENT);
    },
    procedure: () => sessions.forAppointment(DEMO_APPOINTMENT).room.getProcedure(),
    checkinPending: () => sessions.forAppointment(DEMO_APPOINTMENT).room.getComfort().checkinPending !== null,
    alarmIds: () =>
      sessions
        .forAppointment(DEMO_APPOINTMENT)
        .room.activeAlarms()
        .filter((a) => a.acknowledgedAt === undefined)
        .map((a) => a.id),
  });
  httpDeps.demo = demo;

  return {
    port,
    origin,
    secret,
    clinic,
    invites,
    sessions,
    soe,
    storage,
    io,
    async closeAsync() {
      await demo.stopAsync();
      sessions.stop();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await soe.drain();
      await storage.close();
    },
  };
}
