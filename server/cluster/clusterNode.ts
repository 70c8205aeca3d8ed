/**
 * One Chairside node among several (CHAIRSIDE_REDIS_URL): Socket.IO traffic shared through the
 * Redis Streams adapter, one owning node per room through a fenced lease (./roomLeases.ts), and the
 * owner reached from any node over the node bus (./nodeBus.ts). The owner runs the room exactly as
 * a single server does (the registry's session, its storage writes, its fan-out through Socket.IO
 * rooms, which the adapter carries to every node). A connection whose room is owned elsewhere is
 * served by ./remoteMembers.ts; a device batch is ingested by the owner of its patient's room. A
 * node that loses a room's lease drops the room and cuts its sockets' transports, so their clients
 * reconnect and join the room at its new owner. Nothing in the room's pure core knows about this.
 */
import { performance } from "node:perf_hooks";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import type { Namespace, Socket } from "socket.io";
import { encodeBatch } from "../../shared/poseCodec.ts";
import {
  type ClientToServerEvents,
  type DeviceBatch,
  type DeviceBatchAck,
  ErrorCode,
  Ev,
  type FirmwareAction,
  fail,
  type Result,
  type ServerToClientEvents,
} from "../../shared/protocol.ts";
import { AUDIENCE_ROLES } from "../../shared/roles.ts";
import { clientPayloadSchemas, deviceBatchSchema } from "../../shared/schemas.ts";
import type { Clinic } from "../clinic.ts";
import type { GroupRegistry } from "../group/groupRegistry.ts";
import { describeError } from "../handlerGuard.ts";
import { type PeopleServer, type PeopleSocketData, refusal } from "../handshake.ts";
import type { Limits } from "../limits.ts";
import { createLogger } from "../log.ts";
import type { SeatClaims } from "../seatClaims.ts";
import type { SessionRegistry } from "../sessionRegistry.ts";
import { audienceRoom } from "../socketRooms.ts";
import type { SoeListener, SoeService } from "../soe/soeService.ts";
import type { Storage } from "../storage/storage.ts";
import { routeBroadcasts } from "./broadcastRoute.ts";
import {
  BusKind,
  commandBody,
  departBody,
  firmwareBody,
  ingestBody,
  type JoinAnswer,
  joinBody,
  NOT_OWNER,
  poseBody,
  snapshotBody,
} from "./busMessages.ts";
import type { ClusterConfig } from "./clusterConfig.ts";
import { ClusterSeats } from "./clusterSeats.ts";
import { fencedStorage } from "./fencedStorage.ts";
import { FirmwareCatchUp } from "./firmwareCatchUp.ts";
import { type LeaseHolder, leaseTiming } from "./leaseTiming.ts";
import { NodeBus } from "./nodeBus.ts";
import { NodeReadiness, type Readiness } from "./nodeReadiness.ts";
import { forAdapter, openRedisLink, type RedisLink } from "./redisLink.ts";
import { RemoteMembers } from "./remoteMembers.ts";
import { RoomLeases } from "./roomLeases.ts";
import { type GroupHandshakes, shareGroups } from "./sharedGroups.ts";

const log = createLogger("cluster");

export type ClusterSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  PeopleSocketData
>;

/** A socket id no socket has: kept in an owned room's audience rooms so events for members on other nodes are never skipped. */
const REMOTE_MEMBERS = "cluster:remote-members";

/** How often a node reads again what the bus may have dropped without a cut (firmware actions, groups). */
export const CATCH_UP_EVERY_MS = 30_000;

export interface AttachDeps {
  io: PeopleServer;
  clinic: Clinic;
  sessions: SessionRegistry;
  soe: SoeService;
  limits: Limits;
  seatClaims: SeatClaims;
  now: () => number;
}

/** Counters for tests and bench:scale. */
export interface ClusterStats {
  roomsTaken: number;
  roomsLost: number;
  forwardedBatches: number;
  remoteJoins: number;
}

export class ClusterNode {
  readonly stats: ClusterStats = { roomsTaken: 0, roomsLost: 0, forwardedBatches: 0, remoteJoins: 0 };
  readonly leases: RoomLeases;
  readonly bus: NodeBus;
  private readonly readiness: NodeReadiness;
  private deps: AttachDeps | null = null;
  private remote: RemoteMembers | null = null;
  private seats: ClusterSeats | null = null;
  private readonly opening = new Map<string, Promise<LeaseHolder>>();
  private scanTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Set while a quarantine from another node is applied here: it is not sent back out. */
  private applyingRemote = false;
  private firmware: FirmwareCatchUp | null = null;
  /**
   * Owned rooms that a member joined from another node since this node took them: their pose
   * batches go through the Redis stream. Every other owned room's poses stay on this node (./broadcastRoute.ts).
   */
  private readonly crossNode = new Set<string>();
  private groups: GroupRegistry | null = null;
  private catchUpTimer: NodeJS.Timeout | null = null;

  private constructor(
    readonly config: ClusterConfig,
    private readonly link: RedisLink,
  ) {
    this.bus = new NodeBus(link.commands, link.subscriber, config.nodeId);
    this.readiness = new NodeReadiness(link, () => performance.now());
    this.leases = new RoomLeases({
      redis: link.commands,
      nodeId: config.nodeId,
      timing: leaseTiming(config.leaseMs),
      clock: () => performance.now(),
      onLost: (roomId, _holder, why) => this.dropRoom(roomId, why),
    });
  }

  static async openAsync(config: ClusterConfig): Promise<ClusterNode> {
    const link = await openRedisLink(config.redisUrl, config.nodeId);
    const node = new ClusterNode(config, link);
    await node.bus.start();
    node.readiness.start();
    log.info("cluster node up", { nodeId: config.nodeId, leaseMs: config.leaseMs });
    return node;
  }

  get nodeId(): string {
    return this.config.nodeId;
  }

  /** Whether the balancer may send connections here now (GET /readyz): not while cut off Redis. */
  ready(): Readiness {
    return this.readiness.now();
  }

  /** Socket.IO traffic of every namespace goes through Redis Streams from now on. */
  useAdapter(io: PeopleServer): void {
    const streams = createAdapter(forAdapter(this.link.adapter), { streamName: "chairside:socket.io" });
    // Socket.IO calls this with `new`: a function, not an arrow (an object it returns is the adapter).
    const staysHere = (roomId: string) => this.leases.holds(roomId) !== null && !this.crossNode.has(roomId);
    io.adapter(function adapterFor(nsp: Namespace) {
      return routeBroadcasts(streams(nsp), nsp, staysHere);
    } as unknown as Parameters<PeopleServer["adapter"]>[0]);
  }

  /** The SOE service's listener, with this node's own quarantines and lifts told to every other node. */
  shareFirmware(listener: SoeListener): SoeListener {
    return {
      ...listener,
      onFirmwareAction: (clinicId, action) => {
        listener.onFirmwareAction(clinicId, action);
        if (!this.applyingRemote) this.bus.broadcast(BusKind.firmware, { clinicId, action });
      },
    };
  }

  /**
   * The SOE service's storage: this node's own quarantines and lifts are noted as they are written,
   * so that reading the stored ones again (after a cut from Redis) applies only those it missed.
   */
  firmwareWrites(storage: Storage): Storage {
    this.firmware = new FirmwareCatchUp(() => storage.firmwareActions(), {
      firmwareHistory: (clinicId) => this.deps?.soe.firmwareHistory(clinicId) ?? [],
      apply: (clinicId, action) => this.applyFirmwareFromElsewhere(clinicId, action),
    });
    return this.firmware.watch(storage);
  }

  /** Support groups scheduled, changed or cancelled on any node are known on this one (./sharedGroups.ts). */
  shareGroups(groups: GroupRegistry, nsp: GroupHandshakes): void {
    this.groups = groups;
    shareGroups(this.bus, groups, nsp);
  }

  /** Storage whose room writes stop the moment this node stops owning the room. */
  fence(storage: Storage): Storage {
    return fencedStorage(storage, (roomId) => this.leases.holds(roomId) !== null);
  }

  /** Wires the node into the running server: ownership on handshake, owner-side handlers, the scans. */
  attach(deps: AttachDeps): void {
    this.deps = deps;
    this.seats = new ClusterSeats(deps.io, this.bus, deps.seatClaims);
    this.remote = new RemoteMembers({
      bus: this.bus,
      leases: this.leases,
      limits: deps.limits,
      now: deps.now,
      nodeId: this.nodeId,
    });
    // Runs after the gateway's admission: the seat is known, so is the room.
    deps.io.use((socket, next) => {
      const seat = socket.data.seat;
      if (!seat) return next();
      this.ownerOf(seat.appointmentId)
        .then((holder) => {
          if (holder.nodeId !== this.nodeId) this.remote?.expect(socket, holder);
          next();
        })
        .catch((error: unknown) => {
          log.warn("no owner for a room right now", { roomId: seat.roomId, error: describeError(error) });
          next(refusal(ErrorCode.refusedForNow, "The room is moving to another server: trying again.", 1000));
        });
    });
    this.handleOwnerMessages(deps);
    this.leases.start();
    this.remote.start();
    this.readiness.onBack(() => void this.catchUpAsync("back on Redis"));
    this.catchUpTimer = setInterval(() => void this.catchUpAsync("periodic"), CATCH_UP_EVERY_MS);
    this.catchUpTimer.unref();
    const every = Math.max(100, Math.floor(this.config.leaseMs / 6));
    this.scanTimer = setInterval(() => void this.takeOrphans(), every);
    this.scanTimer.unref();
  }

  /**
   * Gateway hook, for each new room connection: it takes its person's seat on every node (older
   * windows close), and true when this node serves it as a remote member (its room is owned elsewhere).
   */
  takesOver(socket: ClusterSocket): boolean {
    this.seats?.claim(socket);
    return this.remote?.adopt(socket) ?? false;
  }

  /** Device gateway hook: a batch goes to the owner of its patient's room, or is ingested here. */
  async ingest(deviceId: string, bootId: string, batch: DeviceBatch): Promise<Result<DeviceBatchAck>> {
    const deps = this.requireDeps();
    const device = deps.clinic.devices.get(deviceId);
    const rooms = device
      ? [...deps.clinic.appointments.values()]
          .filter((a) => a.patientId === device.patientId)
          .map((a) => a.roomId)
      : [];
    if (rooms.some((roomId) => this.leases.holds(roomId))) return deps.soe.ingest(deviceId, bootId, batch);
    for (const roomId of rooms) {
      const holder = await this.leases.holderOf(roomId);
      if (!holder) continue;
      if (holder.nodeId === this.nodeId) break; // lapsing here: the device sends again shortly
      this.stats.forwardedBatches += 1;
      try {
        const answer = await this.bus.request(
          holder.nodeId,
          BusKind.ingest,
          { deviceId, bootId, batch },
          3000,
        );
        return answer as Result<DeviceBatchAck>;
      } catch (error) {
        log.warn("the room's owner did not take a batch", { deviceId, error: describeError(error) });
        return fail(ErrorCode.storageFailed, "The batch could not be stored right now; send it again.");
      }
    }
    if (rooms.some((roomId) => this.leases.holds(roomId) === null && this.opening.has(roomId))) {
      return fail(ErrorCode.storageFailed, "The room is moving to another server; send the batch again.");
    }
    return deps.soe.ingest(deviceId, bootId, batch);
  }

  /** Hands every room back (their state was written first) and leaves Redis. */
  async closeAsync(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.readiness.stop();
    if (this.scanTimer) clearInterval(this.scanTimer);
    if (this.catchUpTimer) clearInterval(this.catchUpTimer);
    this.remote?.stop();
    this.leases.stop();
    await Promise.all(this.leases.heldRooms().map((roomId) => this.leases.release(roomId)));
    this.bus.close();
    await this.link.close();
  }

  /** Reads again what another node stored while its note may have been lost (a cut from Redis). */
  async catchUpAsync(why: string): Promise<void> {
    if (this.closed) return;
    const [firmware, groups] = await Promise.allSettled([
      this.firmware?.catchUpAsync(),
      this.groups?.resyncAsync(),
    ]);
    for (const [what, outcome] of [
      ["firmware actions", firmware],
      ["support groups", groups],
    ] as const) {
      if (outcome?.status === "rejected")
        log.warn("could not read again what other nodes stored", {
          what,
          why,
          error: describeError(outcome.reason),
        });
    }
    log.info("caught up with the other nodes", {
      why,
      firmwareMissed: firmware?.status === "fulfilled" ? (firmware.value ?? 0) : null,
    });
  }

  private applyFirmwareFromElsewhere(clinicId: string, action: FirmwareAction): void {
    const soe = this.deps?.soe;
    if (!soe) return;
    this.applyingRemote = true;
    try {
      soe.applyFirmwareActionFromAnotherNode(clinicId, action);
    } finally {
      this.applyingRemote = false;
    }
    log.info("firmware action from another node applied", {
      clinicId,
      firmware: action.firmware,
      action: action.action,
    });
  }

  /** The room's owner, taking the room (and restoring it from storage) when nobody holds it. */
  private ownerOf(appointmentId: string): Promise<LeaseHolder> {
    const deps = this.requireDeps();
    const appt = deps.clinic.appointments.get(appointmentId);
    if (!appt) return Promise.reject(new Error(`no appointment ${appointmentId}`));
    const mine = this.leases.holds(appt.roomId);
    if (mine && deps.sessions.has(appointmentId)) return Promise.resolve(mine);
    const pending = this.opening.get(appt.roomId);
    if (pending) return pending;
    const opening = this.takeRoom(appt.roomId, appointmentId).finally(() => this.opening.delete(appt.roomId));
    this.opening.set(appt.roomId, opening);
    return opening;
  }

  private async takeRoom(roomId: string, appointmentId: string): Promise<LeaseHolder> {
    const deps = this.requireDeps();
    const wasMine = this.leases.holds(roomId) !== null;
    const holder = await this.leases.acquire(roomId);
    if (!holder) throw new Error("Redis did not answer");
    if (holder.nodeId !== this.nodeId) return holder;
    if (!wasMine || !deps.sessions.has(appointmentId)) {
      const started = performance.now();
      await deps.sessions.restoreRoomAsync(appointmentId);
      if (!this.leases.holds(roomId)) {
        deps.sessions.release(appointmentId);
        throw new Error("the lease lapsed while the room was restored");
      }
      deps.io.sockets.adapter.addAll(
        REMOTE_MEMBERS,
        new Set(AUDIENCE_ROLES.map((role) => audienceRoom(roomId, role))),
      );
      this.stats.roomsTaken += 1;
      log.info("room taken", {
        roomId,
        fence: holder.fence,
        restoreMs: Math.round(performance.now() - started),
      });
    }
    return holder;
  }

  /** Rooms whose owner is gone are taken by whichever node sees it first. */
  private async takeOrphans(): Promise<void> {
    const deps = this.deps;
    if (!deps || this.closed) return;
    for (const roomId of await this.leases.knownRooms()) {
      if (this.leases.holds(roomId) || this.opening.has(roomId)) continue;
      const appt = [...deps.clinic.appointments.values()].find((a) => a.roomId === roomId);
      if (!appt) continue;
      if (await this.leases.holderOf(roomId)) continue;
      await this.ownerOf(appt.appointmentId).catch(() => undefined);
    }
  }

  /** The lease is gone: forget the room without writing, cut its local sockets so they rejoin the new owner. */
  private dropRoom(roomId: string, why: string): void {
    const deps = this.deps;
    if (!deps) return;
    this.stats.roomsLost += 1;
    this.crossNode.delete(roomId);
    for (const appt of deps.clinic.appointments.values()) {
      if (appt.roomId === roomId) deps.sessions.release(appt.appointmentId);
    }
    for (const role of AUDIENCE_ROLES)
      deps.io.sockets.adapter.del(REMOTE_MEMBERS, audienceRoom(roomId, role));
    const cut = cutTransports(deps.io, roomId);
    log.warn("room given up", { roomId, why, sockets: cut });
  }

  private handleOwnerMessages(deps: AttachDeps): void {
    const sessionFor = (appointmentId: string, fence: number) => {
      const appt = deps.clinic.appointments.get(appointmentId);
      if (!appt) return null;
      const mine = this.leases.holds(appt.roomId);
      if (!mine || mine.fence !== fence || !deps.sessions.has(appointmentId)) return null;
      return deps.sessions.forAppointment(appointmentId);
    };
    this.bus.handle(BusKind.join, (raw): JoinAnswer => {
      const body = joinBody.parse(raw);
      const session = sessionFor(body.appointmentId, body.fence);
      if (!session) return NOT_OWNER;
      const joined = session.join({
        personId: body.personId,
        displayName: body.displayName,
        role: body.role,
      });
      if (!joined.ok) return { ok: false, message: "The room is full." };
      // Before the answer: the member's node joins its socket to the room once it has it.
      this.crossNode.add(session.appointment.roomId);
      this.stats.remoteJoins += 1;
      const memberId = joined.member.memberId;
      const resumed = body.recoveredAs === memberId;
      // To the member's connection from here, through the stream, in order with the room's events
      // (see JoinAnswer). Sent after the answer (published at the end of this turn), so the member's
      // node has its handlers set before the page has its welcome and can send its first command;
      // the snapshot is taken then, so every room event after it follows it in the stream.
      setImmediate(() => {
        const toMember = deps.io.to(body.socketId);
        if (!resumed) toMember.emit(Ev.welcome, session.snapshotFor(memberId));
        const poses = session.room.allPoses();
        if (poses.length) toMember.emit(Ev.poses, encodeBatch(deps.now(), session.room.lastSeq, poses));
      });
      return { ok: true, memberId, rejoined: joined.rejoined, resumed };
    });
    this.bus.handle(BusKind.pose, (raw) => {
      const body = poseBody.safeParse(raw);
      if (!body.success) return;
      sessionFor(body.data.appointmentId, body.data.fence)?.room.setPose(
        body.data.memberId,
        new Uint8Array(Buffer.from(body.data.pose, "base64")),
      );
    });
    this.bus.handle(BusKind.snapshot, (raw) => {
      const body = snapshotBody.parse(raw);
      const session = sessionFor(body.appointmentId, body.fence);
      return session ? { ok: true, value: session.snapshotFor(body.memberId) } : NOT_OWNER;
    });
    this.bus.handle(BusKind.command, async (raw) => {
      const body = commandBody.parse(raw);
      const session = sessionFor(body.appointmentId, body.fence);
      if (!session) return NOT_OWNER;
      if (!(body.event in clientPayloadSchemas)) return fail(ErrorCode.unknownEvent, "Unknown event.");
      const event = body.event as keyof typeof clientPayloadSchemas;
      const parsed = clientPayloadSchemas[event].safeParse(body.payload);
      if (!parsed.success) return fail(ErrorCode.badPayload, "The payload does not fit the event.");
      return session.handle(
        { memberId: body.memberId, personId: body.personId, role: body.role },
        event,
        parsed.data as never,
      );
    });
    this.bus.handle(BusKind.depart, (raw) => {
      const body = departBody.safeParse(raw);
      if (!body.success) return;
      const session = sessionFor(body.data.appointmentId, body.data.fence);
      if (!session) return;
      if (body.data.how === "leave") session.leave(body.data.memberId, body.data.reason);
      else session.drop(body.data.memberId);
    });
    this.bus.handle(BusKind.firmware, (raw) => {
      const body = firmwareBody.safeParse(raw);
      if (!body.success) return log.warn("unreadable firmware action from another node dropped");
      // Through the catch-up when there is one: an action it already applied is not applied twice.
      if (this.firmware) this.firmware.receive(body.data.clinicId, body.data.action);
      else this.applyFirmwareFromElsewhere(body.data.clinicId, body.data.action);
    });
    this.bus.handle(BusKind.ingest, async (raw) => {
      const body = ingestBody.parse(raw);
      const batch = deviceBatchSchema.safeParse(body.batch);
      if (!batch.success) return fail(ErrorCode.badPayload, "The batch does not fit its schema.");
      return deps.soe.ingest(body.deviceId, body.bootId, batch.data);
    });
  }

  private requireDeps(): AttachDeps {
    if (!this.deps) throw new Error("cluster node not attached");
    return this.deps;
  }
}

/**
 * Closes the transport of every local connection in a Socket.IO room, so each client reconnects
 * (a server-side disconnect would tell it never to). Their seat is cleared first: the departure
 * is not announced from a room this node no longer owns.
 */
export function cutTransports(io: PeopleServer, roomId: string): number {
  let cut = 0;
  for (const socketId of [...(io.sockets.adapter.rooms.get(roomId) ?? [])]) {
    const socket = io.sockets.sockets.get(socketId);
    if (!socket) continue;
    socket.data.memberId = "";
    socket.conn.close();
    cut += 1;
  }
  return cut;
}
