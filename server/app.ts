/**
 * Composes one Chairside server from its parts: storage, the one authenticator and its credential
 * checkers, HTTP(S), Socket.IO for people and devices, the rooms, the SOE service and the demo.
 * Each part lives in its own module; nothing here decides anything.
 */
import { CloseReason, DEVICE_NAMESPACE, VOICE_NAMESPACE } from "../shared/protocol.ts";
import type { IceServer } from "../shared/voice.ts";
import { ChairsideAuthenticator, cookieChecker } from "./auth/authenticator.ts";
import { DemoPasses, demoPassRefusal } from "./auth/demoPass.ts";
import { staffGuard } from "./auth/httpGuard.ts";
import { type OidcConfig, oidcConfigFromEnv } from "./auth/oidc.ts";
import type { SigninLimitPolicy } from "./auth/signinLimits.ts";
import { StaffAuth } from "./auth/staffAuth.ts";
import { DEFAULT_SESSION_POLICY, type SessionPolicy, StaffSessions } from "./auth/staffSessions.ts";
import type { ParserStats } from "./boundedParser.ts";
import { type Clinic, seedClinic } from "./clinic.ts";
import { clusterConfigFromEnv } from "./cluster/clusterConfig.ts";
import { ClusterNode } from "./cluster/clusterNode.ts";
import type { ServerConfig } from "./config.ts";
import { prepareDataFolder } from "./dataFolder.ts";
import { demoControlFor } from "./demo/demoControl.ts";
import { ClinicDirectory } from "./directory/clinicDirectory.ts";
import { UNKNOWN_FIRMWARE } from "./directory/liveRecords.ts";
import { StaffDirectory } from "./directory/staffDirectory.ts";
import { attachGroupGateway, GROUP_NAMESPACE, type GroupNamespace } from "./group/groupGateway.ts";
import type { GroupRegistry } from "./group/groupRegistry.ts";
import { openGroupRegistryAsync } from "./group/groupWiring.ts";
import type { PeopleServer } from "./handshake.ts";
import { createHttpServer, type HttpDeps } from "./httpServer.ts";
import { attachCircleLessons, lessonCatalog } from "./lessons/lessonWiring.ts";
import { DEFAULT_LIMITS, type LimitPolicy, Limits } from "./limits.ts";
import { createLogger, setLogLevel } from "./log.ts";
import { appointmentsFromClinic } from "./pairing/pairableAppointments.ts";
import { Pairing } from "./pairing/pairing.ts";
import { APPOINTMENT_ENDED_MESSAGE, cutRoom } from "./pairing/roomCuts.ts";
import { attachPeopleGateway } from "./peopleGateway.ts";
import { PoseKeyframeRecorder, poseKeyframeHzFromEnv } from "./record/replayKeyframes.ts";
import { SeatClaims } from "./seatClaims.ts";
import { SessionRegistry } from "./sessionRegistry.ts";
import { createSocketServer } from "./socketServer.ts";
import { attachDeviceGateway, type DeviceNamespace, disconnectDevice } from "./soe/deviceGateway.ts";
import { SoeService } from "./soe/soeService.ts";
import { openStorage } from "./storage/openStorage.ts";
import { retentionPolicyFromEnv, startRetention } from "./storage/retention.ts";
import type { Storage } from "./storage/storage.ts";
import { loadOrCreateSecret } from "./tokens.ts";
import { iceServersFromEnv } from "./voice/iceConfig.ts";
import { attachVoiceGateway, type VoiceNamespace } from "./voice/voiceGateway.ts";

const log = createLogger("app");

export interface Chairside {
  port: number;
  origin: string;
  secret: Buffer;
  clinic: Clinic;
  /** Demo passes for the demo clinic (minted only while CHAIRSIDE_DEMO is on). */
  demoPasses: DemoPasses;
  /** Who a request or a socket is, for HTTP and Socket.IO alike; `revoked` cuts live sockets. */
  authenticator: ChairsideAuthenticator;
  /** The real clinic's records (patients, appointments, devices), written through to the live maps. */
  directory: ClinicDirectory;
  /** Staff sign-in sessions (cookie). */
  staffSessions: StaffSessions;
  /** Staff sign-in: accounts (disableStaff, identifyStaff, onRevoked), passkeys, enrolment links. */
  staffAuth: StaffAuth;
  /** Headset pairing and observer invites: their credentials, checkers and revocations. */
  pairing: Pairing;
  sessions: SessionRegistry;
  soe: SoeService;
  storage: Storage;
  io: PeopleServer;
  /** Support groups (scheduled sessions, invitations, kept boards). */
  groups: GroupRegistry;
  /** Every HTTP route the server answers. */
  routes(): readonly { method: string; url: string }[];
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
  /** Sign-in failure limits per account and address (tests tighten them). */
  signinLimits?: SigninLimitPolicy;
  /** Single sign-on settings; by default from CHAIRSIDE_OIDC_* (null: off). */
  oidc?: OidcConfig | null;
  /** How often live connections' credentials are checked again (tests shorten it). */
  revalidateEveryMs?: number;
  /** Pose keyframes a second for replay; by default CHAIRSIDE_POSE_KEYFRAME_HZ (10). */
  poseKeyframeHz?: number;
  /** STUN/TURN servers for voice; by default CHAIRSIDE_ICE_SERVERS (none: one LAN). */
  iceServers?: IceServer[];
}

export async function startChairside(config: ServerConfig, opts: StartOptions = {}): Promise<Chairside> {
  setLogLevel(config.logLevel);
  for (const warning of config.warnings) log.warn(warning);
  const now = opts.now ?? Date.now;
  // Read before anything opens, so a wrong setting stops nothing half-started.
  const oidc = opts.oidc === undefined ? oidcConfigFromEnv(process.env) : opts.oidc;
  const poseKeyframeHz = opts.poseKeyframeHz ?? poseKeyframeHzFromEnv(process.env);
  const iceServers = opts.iceServers ?? iceServersFromEnv(process.env);
  const https = Boolean(config.tlsCertPath);
  // CHAIRSIDE_REDIS_URL makes this server one node of several.
  const clusterConfig = clusterConfigFromEnv(process.env);
  const cluster = clusterConfig ? await ClusterNode.openAsync(clusterConfig) : null;
  prepareDataFolder(config.dataDir);
  const secret = loadOrCreateSecret(config.dataDir);
  // SQLite runs on its own thread: a group commit never holds up the rooms' event loop.
  // Encryption at rest, and the rollup of old raw readings
  const retentionPolicy = retentionPolicyFromEnv(process.env);
  const dbKey = process.env.CHAIRSIDE_DB_KEY || undefined;
  // CHAIRSIDE_DATABASE_URL switches storage to PostgreSQL (server/storage/openStorage.ts)
  const storage: Storage = await openStorage(config, dbKey);
  if (config.databaseUrl) log.info("storage is PostgreSQL (CHAIRSIDE_DATABASE_URL)");
  else if (dbKey) log.info("the database is encrypted at rest (CHAIRSIDE_DB_KEY)");
  else
    log.warn(
      "the database is NOT encrypted: patient data is stored in plain text; set CHAIRSIDE_DB_KEY to encrypt it",
    );
  const retention = startRetention(
    storage,
    retentionPolicy,
    now,
    (error) => log.error("retention pass failed", { error: String(error) }),
    (run) => {
      if (run.rolledUp > 0 || run.keyframesDeleted > 0) log.info("retention pass", { ...run });
    },
  );
  // The demo clinic from code, the real clinic's records from storage.
  const directory = await ClinicDirectory.openAsync(storage, opts.clinic ?? seedClinic(), secret, now);
  const clinic = directory.clinic;
  const staffSessions = new StaffSessions(storage, opts.sessionPolicy ?? DEFAULT_SESSION_POLICY, now);
  const demoPasses = new DemoPasses(secret, clinic, config.demoPassTtlHours, now);
  const pairing = new Pairing({ storage, appointments: appointmentsFromClinic(clinic), https, now });
  let publicOrigin = "";
  const staffAuth = new StaffAuth({
    storage,
    sessions: staffSessions,
    sessionPolicy: opts.sessionPolicy ?? DEFAULT_SESSION_POLICY,
    https,
    demo: config.demo,
    ssoName: oidc?.name ?? null,
    publicOrigin: () => publicOrigin,
    signinLimits: opts.signinLimits,
    now,
  });
  // The one authenticator: each kind of credential joins it as a checker with its revocation feed.
  const authenticator = new ChairsideAuthenticator([
    cookieChecker(
      "staff",
      (c) => staffAuth.identifyStaff(c),
      (l) => staffAuth.onRevoked(l),
    ),
    cookieChecker(
      "headset",
      (c) => pairing.identifyHeadset(c),
      (l) => pairing.onRevoked(l),
    ),
    cookieChecker("observer", (c) => pairing.identifyObserver(c)),
  ]);
  if (config.demo) authenticator.use(demoPasses.checker());

  const guard = staffGuard(staffSessions, https);
  // Noah's support groups
  // Kept in storage (server/group/groupRegistry.ts)
  // Sessions are planned in the clinic's zone (CHAIRSIDE_CLINIC_TIME_ZONE)
  const timeZone = config.clinicTimeZone;
  const groups = await openGroupRegistryAsync({ storage, secret, now, directory, timeZone });
  const staffAccounts = {
    enrolmentLink: async (staffId: string) => staffAuth.enrolments.create(staffId),
    disable: async (staffId: string) => void (await staffAuth.disableStaff(staffId)),
  };
  let soeForRoutes: SoeService | null = null;
  const httpDeps: HttpDeps = {
    config,
    clinic,
    authenticator,
    demoPasses,
    demo: null,
    guard,
    staffAuth,
    pairing,
    oidc: oidc
      ? {
          config: oidc,
          storage,
          sessions: staffSessions,
          secret,
          https,
          sessionPolicy: opts.sessionPolicy ?? DEFAULT_SESSION_POLICY,
          now,
        }
      : null,
    records: {
      guard,
      directory,
      audit: (entry) => storage.audit(entry),
      staff: new StaffDirectory(storage, directory, staffAccounts, now),
      liveDevice: (deviceId) => {
        const device = clinic.devices.get(deviceId);
        if (!device || !soeForRoutes) return null;
        const view = soeForRoutes.deviceView(device);
        return {
          firmware: view.firmware === UNKNOWN_FIRMWARE ? null : view.firmware,
          lastSeenAt: view.lastSeenAt,
        };
      },
      now,
    },
    fhir: { guard, storage, clinic, now },
    patientRecord: { guard, storage, clinic, now },
    audit: { guard, storage, now },
    replay: { guard, storage, clinic, now },
    lessons: { guard, storage, clinic, lessons: lessonCatalog(), now },
    groups: { guard, groups, origin: () => publicOrigin },
    ...(cluster ? { readiness: () => cluster.ready() } : {}),
  };
  const http = createHttpServer(httpDeps);
  const parserStats: ParserStats = { rejected: 0, protocolViolations: 0, strayAcks: 0 };
  const io = createSocketServer(http, parserStats);
  cluster?.useAdapter(io);
  // A node notes its own quarantines, so a catch-up never applies them twice.
  const soe = new SoeService(clinic, cluster ? cluster.firmwareWrites(storage) : storage, now);
  soeForRoutes = soe;
  // A node writes a room only while it holds the room's lease.
  const roomStorage = cluster ? cluster.fence(storage) : storage;
  const sessions = new SessionRegistry({
    clinic,
    storage: roomStorage,
    soe,
    io,
    now,
    poseTickHz: config.poseTickHz,
  });
  // A node's quarantines and lifts reach every node's rooms of the clinic.
  await soe.init(cluster ? cluster.shareFirmware(sessions.soeListener()) : sessions.soeListener());
  // Rooms come back before any client can connect, so no one ever sees a room that forgot.
  // A node restores a room when it takes the room's lease instead.
  if (!cluster) await sessions.restoreAsync();
  const limits = new Limits(opts.limits ?? DEFAULT_LIMITS, now);
  // Which window holds each person's seat: the room's handshake, its voice and the other nodes share it.
  const seatClaims = new SeatClaims();
  const gateway = attachPeopleGateway(io, {
    clinic,
    sessions,
    limits,
    seatClaims,
    now,
    authenticator,
    demoOn: config.demo,
    passRefusal: (pass) => demoPassRefusal(secret, clinic, pass, now(), config.demo),
    ...(opts.revalidateEveryMs !== undefined ? { revalidateEveryMs: opts.revalidateEveryMs } : {}),
    ...(cluster ? { takesOver: (socket) => cluster.takesOver(socket) } : {}),
  });
  cluster?.attach({ io, clinic, sessions, soe, limits, seatClaims, now });
  // WebRTC signalling between a room's members, over the same connection.
  attachVoiceGateway(io.of(VOICE_NAMESPACE) as unknown as VoiceNamespace, {
    clinic,
    sessions,
    authenticator,
    demoOn: config.demo,
    iceServers,
    seatClaims,
    now,
  });
  // Groups scheduled, changed or cancelled on another node are known here.
  cluster?.shareGroups(groups, io.of(GROUP_NAMESPACE));
  // The support group, a second kind of room on its own namespace.
  const groupGateway = attachGroupGateway(io.of(GROUP_NAMESPACE) as unknown as GroupNamespace, {
    groups,
    authenticator,
    iceServers,
    now,
    poseTickHz: config.poseTickHz,
  });
  // The host's lesson for the circle, on /group-lesson beside /group
  attachCircleLessons(io, GROUP_NAMESPACE, { groups, storage, now });
  const devicesNsp = io.of(DEVICE_NAMESPACE) as unknown as DeviceNamespace;
  attachDeviceGateway(devicesNsp, {
    clinic,
    // Device keys and last contact come from the directory.
    deviceKeyMatches: (deviceId, key) => directory.deviceRegistry.keyMatches(deviceId, key),
    onContact: (deviceId, at, firmware) => void directory.deviceRegistry.noteContact(deviceId, at, firmware),
    soe,
    limits,
    now,
    ...(cluster ? { ingest: (d, b, batch) => cluster.ingest(d, b, batch) } : {}),
  });
  // What a change in the records ends or starts live.
  directory.listen({
    onAppointmentEnded: (appt) => {
      // Everyone in the room is told why before the cut, then the credentials end
      cutRoom(io, appt.roomId, CloseReason.appointmentEnded, APPOINTMENT_ENDED_MESSAGE);
      void pairing.endForAppointment(appt.appointmentId);
    },
    onDevicePaired: (device) => {
      for (const s of sessions.forPatient(device.patientId)) s.upsertDevice(soe.deviceView(device));
    },
    onDeviceKeyRevoked: (deviceId) => disconnectDevice(devicesNsp, deviceId),
  });
  sessions.start();
  // Every room's poses a few times a second, for replaying the visit later.
  const poseKeyframes = new PoseKeyframeRecorder({
    storage,
    rooms: () => sessions.all().map((s) => ({ roomId: s.appointment.roomId, room: s.room })),
    now,
    hz: poseKeyframeHz,
  });
  poseKeyframes.start();

  const port = await http.listenAsync();
  const origin = `${https ? "https" : "http"}://localhost:${port}`;
  log.info("listening", { origin, host: config.host, dataDir: config.dataDir, demo: config.demo });
  const demo = demoControlFor({ origin, secret, clinic, demoPasses, io, sessions, soe });
  httpDeps.demo = demo;
  publicOrigin = config.hostnames[0]
    ? `${https ? "https" : "http"}://${config.hostnames[0]}:${port}`
    : origin;
  await staffAuth.announceFirstAdminAsync();

  return {
    port,
    origin,
    secret,
    clinic,
    directory,
    demoPasses,
    authenticator,
    staffSessions,
    staffAuth,
    pairing,
    sessions,
    soe,
    storage,
    io,
    groups,
    routes: http.routes,
    parserStats,
    async closeAsync() {
      await demo.stopAsync();
      gateway.stop();
      groupGateway.stop();
      pairing.dispose();
      sessions.stop();
      poseKeyframes.stop();
      // io.close() ends each transport without a Socket.IO disconnect packet: clients see a
      // transport close and retry (disconnectSockets(true) would tell them never to). Each
      // member is dropped (reconnecting) on the way out, and that is part of the state written below.
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // A crowd's departures take their turns in the admission queue: all of them, before the
      // rooms are written (one still queued then would be an event for a closed storage).
      await gateway.settledAsync();
      await soe.drain();
      await sessions.flushAllAsync();
      await retention.stop();
      await cluster?.closeAsync(); // Rooms handed back after their state is written
      await storage.close();
    },
  };
}
