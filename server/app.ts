/** Wires one Chairside server: HTTP(S), Socket.IO for people and devices, storage, sessions. */
import { join } from "node:path";
import { Server } from "socket.io";
import { DEVICE_NAMESPACE, RATES } from "../shared/protocol.ts";
import { staffGuard } from "./auth/httpGuard.ts";
import { DEFAULT_SESSION_POLICY, type SessionPolicy, StaffSessions } from "./auth/staffSessions.ts";
import { boundedParser, type ParserStats } from "./boundedParser.ts";
import { type Clinic, ClinicId, seedClinic } from "./clinic.ts";
import type { ServerConfig } from "./config.ts";
import { prepareDataFolder } from "./dataFolder.ts";
import { DemoControl } from "./demo/demoControl.ts";
import { DEMO_APPOINTMENT } from "./demo/demoDirector.ts";
import { createHttpServer, type HttpDeps } from "./httpServer.ts";
import { InviteService } from "./invites.ts";
import { DEFAULT_LIMITS, type LimitPolicy, Limits } from "./limits.ts";
import { createLogger, setLogLevel } from "./log.ts";
// wiring: headset
import { appointmentsFromClinic } from "./pairing/pairableAppointments.ts";
import { Pairing } from "./pairing/pairing.ts";
import { attachPeopleGateway, type PeopleServer } from "./peopleGateway.ts";
import { roomsFor, SessionRegistry } from "./sessionRegistry.ts";
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
  /** Staff sign-in sessions (cookie). */
  staffSessions: StaffSessions;
  // wiring: headset
  /** Headset pairing and observer invites: their credentials, checkers and revocations. */
  pairing: Pairing;
  sessions: SessionRegistry;
  soe: SoeService;
  storage: Storage;
  io: PeopleServer;
  /** Raw packets rejected at the edge and protocol violations (each closed its connection). */
  parserStats: ParserStats;
  closeAsync(): Promise<void>;
}

export interface StartOptions {
  now?: () => number;
  clinic?: Clinic;
  /** Limits per identity and address (tests relax or tighten them). */
  limits?: LimitPolicy;
  /** Staff sessions' idle and absolute timeouts (tests shorten them). */
  sessionPolicy?: SessionPolicy;
}

export async function startChairside(config: ServerConfig, opts: StartOptions = {}): Promise<Chairside> {
  setLogLevel(config.logLevel);
  const now = opts.now ?? Date.now;
  const clinic = opts.clinic ?? seedClinic();
  prepareDataFolder(config.dataDir);
  const secret = loadOrCreateSecret(config.dataDir);
  // SQLite runs on its own thread: a group commit never holds up the rooms' event loop.
  const storage: Storage = await openWorkerStorage(join(config.dataDir, "chairside.db"));
  const invites = new InviteService(secret, clinic, config.inviteTtlHours, now);
  const staffSessions = new StaffSessions(storage, opts.sessionPolicy ?? DEFAULT_SESSION_POLICY, now);
  // wiring: headset
  const pairing = new Pairing({
    storage,
    appointments: appointmentsFromClinic(clinic),
    https: Boolean(config.tlsCertPath),
    now,
  });
  const httpDeps: HttpDeps = {
    config,
    invites,
    demo: null,
    guard: staffGuard(staffSessions, Boolean(config.tlsCertPath)),
    pairing, // wiring: headset
  };
  const http = createHttpServer(httpDeps);
  const parserStats: ParserStats = { rejected: 0, protocolViolations: 0, strayAcks: 0 };
  const io: PeopleServer = new Server(http.server, {
    // Size and depth are bounded on each raw packet, per namespace, before any JSON is parsed;
    // handlers answer an over-bound event with a typed error. This cap only protects memory.
    maxHttpBufferSize: 1_000_000,
    parser: boundedParser(
      (nsp) => ({
        maxBytes: nsp === DEVICE_NAMESPACE ? RATES.maxDeviceMessageBytes : RATES.maxMessageBytes,
        maxDepth: RATES.maxMessageDepth,
      }),
      parserStats,
    ),
    pingInterval: 2_000,
    pingTimeout: 3_000,
    serveClient: false,
    allowRequest: http.allowSocketRequest,
  });
  io.engine.use(http.secureSocketResponse);
  const soe = new SoeService(clinic, storage, now);
  const sessions = new SessionRegistry({ clinic, storage, soe, io, now, poseTickHz: config.poseTickHz });
  await soe.init({
    onReadings: (patientId, readings) => sessions.onReadings(patientId, readings),
    onDropouts: (patientId, findings) => sessions.onDropouts(patientId, findings),
    onDevice: (patientId, device) => {
      for (const s of sessions.forPatient(patientId)) s.upsertDevice(device);
    },
    onFirmwareAction: (clinicId, action) => {
      for (const s of sessions.forClinic(clinicId)) s.room.applyFirmwareAction(action);
    },
    onSeqConflict: (patientId, device, seq) => {
      for (const s of sessions.forPatient(patientId)) s.onSeqConflict(device.deviceId, device.tooth, seq);
    },
  });
  // Rooms come back before any client can connect, so no one ever sees a room that forgot.
  await sessions.restoreAsync();
  const limits = new Limits(opts.limits ?? DEFAULT_LIMITS, now);
  attachPeopleGateway(io, { secret, clinic, sessions, limits, now });
  // Runs right after the gateway's welcome, in the same tick: no room event can fall between.
  io.on("connection", (socket) => {
    const { roomId, role } = socket.data.claims;
    if (socket.connected) void socket.join(roomsFor(roomId, role));
  });
  attachDeviceGateway(io.of(DEVICE_NAMESPACE) as unknown as DeviceNamespace, {
    secret,
    clinic,
    soe,
    limits,
    now,
  });
  sessions.start();

  const port = await http.listenAsync();
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
    resetClinicAsync: async () => {
      for (const firmware of soe.quarantinedFirmware(ClinicId.demo)) {
        await soe.lift(ClinicId.demo, firmware, "The demo story starts again from the beginning.", "demo");
      }
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
    staffSessions,
    pairing, // wiring: headset
    sessions,
    soe,
    storage,
    io,
    parserStats,
    async closeAsync() {
      await demo.stopAsync();
      pairing.dispose(); // wiring: headset
      sessions.stop();
      // io.close() ends each transport without a Socket.IO disconnect packet: clients see a
      // transport close and retry (disconnectSockets(true) would tell them never to). Each
      // member is dropped (reconnecting) on the way out, and that is part of the state written below.
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await soe.drain();
      await sessions.flushAllAsync();
      await storage.close();
    },
  };
}
