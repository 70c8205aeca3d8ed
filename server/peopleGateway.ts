/**
 * Socket.IO adapter for people (patients, clinicians, assistants, observers, the demo screen). The
 * handshake asks the one authenticator who the connection is (its cookies, or a demo pass) and the
 * pure room admission what it may be in the appointment it asks for; it validates every inbound
 * payload at the edge, applies the limits per person (which survive reconnects), and forwards
 * parsed commands to the session. When a credential ends, the connections that rode on it are cut
 * at once with a typed reason. No room logic here. Every handler is guarded: nothing a client
 * sends can throw out of it.
 */

import type { IncomingMessage } from "node:http";
import type { Socket } from "socket.io";
import { commandRefusal } from "../shared/access.ts";
import { encodeBatch, poseBytesOf } from "../shared/poseCodec.ts";
import {
  type ClientToServerEvents,
  CloseReason,
  ErrorCode,
  Ev,
  fail,
  type ProtocolError,
  personAuthSchema,
  RATES,
  type Result,
  type ServerToClientEvents,
} from "../shared/protocol.ts";
import { type ClientPayloadEvent, clientPayloadSchemas, describeIssue } from "../shared/schemas.ts";
import { AdmissionQueue } from "./admissionQueue.ts";
import type { Authenticator } from "./auth/identity.ts";
import { admitToRoom, CREDENTIAL_ENDED, endedCredentials, type RoomSeat } from "./auth/roomAdmission.ts";
import { RejectedPacket } from "./boundedParser.ts";
import type { Clinic } from "./clinic.ts";
import { resumesSession } from "./connectionRecovery.ts";
import { ackOf, describeError, guard } from "./handlerGuard.ts";
import {
  checkProtocolVersion,
  type PeopleServer,
  type PeopleSocketData,
  refusal,
  refusedForNow,
  remoteAddress,
} from "./handshake.ts";
import { LimitKind, type Limits, type Sender, Verdict } from "./limits.ts";
import { createLogger } from "./log.ts";
import { OTTO_BUSY, ottoNeedsPacing } from "./otto/ottoPacing.ts";
import { type SeatClaims, seatKeyOf } from "./seatClaims.ts";
import type { SessionRegistry } from "./sessionRegistry.ts";
import { TurnCorking } from "./socketCorking.ts";
import { credentialRoom, roomsFor } from "./socketRooms.ts";

const log = createLogger("people-gateway");

type PeopleSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  PeopleSocketData
>;

export interface GatewayDeps {
  clinic: Clinic;
  sessions: SessionRegistry;
  limits: Limits;
  /** Which window holds each person's seat (server/seatClaims.ts). */
  seatClaims: SeatClaims;
  now: () => number;
  /** The one authenticator (server/auth/authenticator.ts). */
  authenticator: Authenticator;
  /** CHAIRSIDE_DEMO: demo passes admit to the demo clinic only while it is on. */
  demoOn: boolean;
  /** Why a demo pass the handshake carried proves nothing (expired, forged, not a demo room, demo off). */
  passRefusal(pass: string): ProtocolError;
  /** How often live connections' credentials are checked again (tests shorten it). */
  revalidateEveryMs?: number;
  /** Serves a connection whose room another node owns (server/cluster/); true when it took it. */
  takesOver?(socket: PeopleSocket): boolean;
}

/**
 * Counters for logs and tests. Every inbound message ends in exactly one of: a handler that
 * accepted it, a typed reply (`rejected`), or a counted silent drop (`dropped`: poses over
 * their rate, which are a droppable stream).
 */
export const gatewayStats = {
  rejected: 0,
  rateLimited: 0,
  dropped: 0,
  internalErrors: 0,
  disconnectedOffenders: 0,
  refusedHandshakes: 0,
  /** Connections cut because the credential they rode on ended. */
  revokedConnections: 0,
};

const PAYLOAD_EVENTS = Object.keys(clientPayloadSchemas) as ClientPayloadEvent[];
const KNOWN_EVENTS = new Set<string>([Ev.pose, Ev.snapshot, ...PAYLOAD_EVENTS]);

/** The identity limits are kept for: one person in one appointment. */
export function personIdentity(seat: RoomSeat): string {
  // Scoped by appointment: a clinician working in two rooms has a budget in each.
  return `person:${seat.appointmentId}:${seat.personId}`;
}

/**
 * Joins (and departures) handled in one batch; the rest of a crowd waits for later batches, each
 * at least JOIN_GAP_MS after the previous one ended (server/admissionQueue.ts): the turns between
 * are free for every other room.
 */
export const JOINS_PER_BATCH = 16;
export const JOIN_GAP_MS = 10;

/** How often live connections' credentials are checked again (by default). */
export const REVALIDATE_EVERY_MS = 5 * 60_000;

export interface PeopleGateway {
  /** Stops the periodic re-check (graceful shutdown). */
  stop(): void;
  /**
   * Resolves once every join and departure queued so far has reached its room. After the server
   * closes its connections, their departures wait in the queue like any crowd's (graceful shutdown).
   */
  settledAsync(): Promise<void>;
}

export function attachPeopleGateway(io: PeopleServer, deps: GatewayDeps): PeopleGateway {
  const joins = new AdmissionQueue({ perTurn: JOINS_PER_BATCH, gapMs: JOIN_GAP_MS });
  io.use((socket, next) => {
    const address = remoteAddress(socket.handshake.address);
    const refuse = (error: Error, offence: boolean) => {
      gatewayStats.refusedHandshakes += 1;
      if (offence) deps.limits.offence({ address });
      next(error);
    };
    const fromError = (error: ProtocolError) => refusal(error.code, error.message);
    const admitAsync = async () => {
      const byAddress = deps.limits.admitAddress(address);
      if (!byAddress.ok) return refuse(refusedForNow(byAddress.retryAfterMs), false);
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const versionError = checkProtocolVersion(auth.protocolVersion);
      if (versionError) return refuse(versionError, false);
      const parsed = personAuthSchema.safeParse(auth);
      if (!parsed.success) {
        return refuse(refusal(ErrorCode.badPayload, `Handshake: ${describeIssue(parsed.error)}`), true);
      }
      const { appointmentId, pass, seat, window, resume } = parsed.data;
      const identities = await deps.authenticator.identify({
        cookieHeader: socket.handshake.headers.cookie,
        ...(pass !== undefined ? { demoPass: pass } : {}),
      });
      if (pass !== undefined && !identities.some((i) => i.kind === "demo")) {
        return refuse(fromError(deps.passRefusal(pass)), true);
      }
      const appt = deps.clinic.appointments.get(appointmentId);
      if (!appt) {
        return refuse(refusal(ErrorCode.forbidden, "There is no such appointment here."), true);
      }
      const admission = admitToRoom(identities, appt, {
        ended: endedCredentials(socket.handshake.headers.cookie, identities),
        passSent: pass !== undefined,
        ...(seat !== undefined ? { seat } : {}),
        demoOn: deps.demoOn,
      });
      if (!admission.ok) return refuse(fromError(admission.error), true);
      const admitted = admission.seat;
      const byIdentity = deps.limits.admitIdentity({ identity: personIdentity(admitted), address });
      if (!byIdentity.ok) return refuse(refusedForNow(byIdentity.retryAfterMs), false);
      if (window !== undefined) {
        const seatKey = seatKeyOf(admitted.roomId, admitted.personId);
        if (resume && !deps.seatClaims.mayResume(seatKey, window)) {
          return refuse(refusal(ErrorCode.seatElsewhere, "This seat is open in another window."), false);
        }
        socket.data.window = window; // It claims the seat once connected (onConnection)
      }
      socket.data.seat = admitted;
      socket.data.displayName =
        admitted.displayName ?? deps.clinic.people.get(admitted.personId)?.displayName ?? admitted.personId;
      joins.admit(next);
    };
    admitAsync().catch((error: unknown) => {
      gatewayStats.internalErrors += 1;
      log.error("handshake threw", { error: describeError(error) });
      refuse(refusal(ErrorCode.internalError, "The server could not admit this connection."), true);
    });
  });

  // A credential ended: every connection that rode on it goes at once, told why.
  // One whose handshake was already past the authenticator when it ended is cut on arrival.
  const revoked = new RecentlyRevoked(deps.now);
  deps.authenticator.onRevoked((credentialIds) => {
    for (const id of credentialIds) {
      revoked.add(id);
      for (const socketId of [...(io.sockets.adapter.rooms.get(credentialRoom(id)) ?? [])]) {
        const live = io.sockets.sockets.get(socketId);
        if (live) cutRevoked(live);
      }
    }
  });

  // A connection storm into one room is n² small writes (each join is broadcast to everyone there):
  // send each connection's writes of one event-loop turn in one system call.
  // Only a connection that opened as a WebSocket owns its TCP socket: a polling request's socket is
  // a keep-alive HTTP socket that later requests share, and corking it would hold back (or, when
  // such a request is refused and destroyed in the same turn, drop) their answers.
  const corking = new TurnCorking((error) => {
    gatewayStats.internalErrors += 1;
    log.error("end-of-turn task threw", { error: describeError(error) });
  });
  // Poses leave with the turn's other writes, in the same system call per socket.
  deps.sessions.poses.runAtEndOfTurnWith((task) => corking.atEndOfTurn(task));
  io.engine.on("connection", (conn: { request: IncomingMessage; transport: { name: string } }) => {
    if (conn.transport.name === "websocket") corking.attach(conn.request.socket);
  });
  const seats: Seats = new Map();
  io.on(
    "connection",
    guard(
      "connection",
      (socket: PeopleSocket) => {
        if (revoked.has(socket.data.seat.credentialId)) return cutRevoked(socket);
        onConnection(seats, joins, socket, deps);
      },
      (_error, [socket]) => {
        gatewayStats.internalErrors += 1;
        socket.emit(Ev.protocolError, {
          code: ErrorCode.internalError,
          message: "The server could not open this connection.",
          event: "connect",
        });
        socket.disconnect(true);
      },
    ),
  );

  // A credential can also end with nobody announcing it (a staff session's absolute timeout, a demo
  // pass's expiry): every few minutes each live connection presents its handshake again. The same
  // check keeps a signed-in clinician's idle clock moving while they work in a room without HTTP.
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    revalidateAsync(io, deps)
      .catch((error: unknown) =>
        log.error("re-check of live connections failed", { error: describeError(error) }),
      )
      .finally(() => {
        checking = false;
      });
  }, deps.revalidateEveryMs ?? REVALIDATE_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), settledAsync: () => joins.emptyAsync() };
}

/** Cuts each live connection whose credential no longer proves who it was admitted as. */
async function revalidateAsync(io: PeopleServer, deps: GatewayDeps): Promise<void> {
  for (const socket of [...io.sockets.sockets.values()]) {
    if (!socket.connected || !socket.data.seat) continue;
    const auth = (socket.handshake.auth ?? {}) as { pass?: unknown };
    const identities = await deps.authenticator.identify({
      cookieHeader: socket.handshake.headers.cookie,
      ...(typeof auth.pass === "string" ? { demoPass: auth.pass } : {}),
    });
    if (!identities.some((i) => i.credentialId === socket.data.seat.credentialId) && socket.connected) {
      cutRevoked(socket);
    }
  }
}

/** Credentials that ended in the last minute (longer than any handshake takes). */
class RecentlyRevoked {
  private readonly ended = new Map<string, number>();
  constructor(private readonly now: () => number) {}

  add(credentialId: string): void {
    const at = this.now();
    for (const [id, when] of this.ended) if (at - when > 60_000) this.ended.delete(id);
    this.ended.set(credentialId, at);
  }

  has(credentialId: string): boolean {
    return this.ended.has(credentialId);
  }
}

/** Cuts a connection whose credential ended, telling the page why (it does not retry). */
function cutRevoked(socket: PeopleSocket): void {
  gatewayStats.revokedConnections += 1;
  socket.emit(Ev.protocolError, {
    code: ErrorCode.forbidden,
    message: CREDENTIAL_ENDED[socket.data.seat.credentialKind],
    event: CloseReason.revoked,
  });
  log.info("connection cut: credential ended", {
    room: socket.data.seat.roomId,
    kind: socket.data.seat.credentialKind,
  });
  socket.disconnect(true);
}

/** The live socket of each member, by room and member id: finding the one to replace is O(1). */
type Seats = Map<string, PeopleSocket>;

function onConnection(
  seats: Seats,
  roomChanges: AdmissionQueue,
  socket: PeopleSocket,
  deps: GatewayDeps,
): void {
  const { seat: admitted, displayName } = socket.data;
  // The seat is claimed by a connection that arrived, not one that passed the handshake and then
  // went (a tab closed while its join waited): such a claim would refuse the window still here.
  if (socket.data.window !== undefined)
    deps.seatClaims.claim(seatKeyOf(admitted.roomId, admitted.personId), socket.data.window);
  if (deps.takesOver?.(socket)) return;
  const session = deps.sessions.forAppointment(admitted.appointmentId);
  const joined = session.join({ personId: admitted.personId, displayName, role: admitted.role });
  if (!joined.ok) {
    socket.emit(Ev.protocolError, {
      code: ErrorCode.forbidden,
      message: "The room is full.",
      event: "connect",
    });
    socket.disconnect(true);
    return;
  }
  const memberId = joined.member.memberId;
  const resumed = resumesSession(socket, memberId);
  socket.data.memberId = memberId;
  // One connection per member: a second tab or a reconnect replaces the older socket.
  const seatKey = `${admitted.roomId}|${memberId}`;
  const other = seats.get(seatKey);
  seats.set(seatKey, socket);
  if (other && other.id !== socket.id && other.data.memberId === memberId) {
    other.data.memberId = "";
    other.emit(Ev.protocolError, {
      code: ErrorCode.forbidden,
      message: "You joined from another window.",
      event: CloseReason.replaced,
    });
    other.disconnect(true);
  }
  void socket.join(roomsFor(admitted.roomId, admitted.role, admitted.credentialId));
  // A recovered connection was sent every event it missed: no snapshot.
  if (!resumed) socket.emit(Ev.welcome, session.snapshotFor(memberId));
  const poses = session.room.allPoses();
  if (poses.length) socket.emit(Ev.poses, encodeBatch(deps.now(), session.room.lastSeq, poses));
  log.info("member connected", {
    room: admitted.roomId,
    memberId,
    role: admitted.role,
    rejoined: joined.rejoined,
  });

  const sender: Sender = {
    identity: personIdentity(admitted),
    address: remoteAddress(socket.handshake.address),
  };
  let lastPoseError = 0;
  let cut = false;

  // The per-connection helpers are methods of one object, not `const f = () => …`: tsx (esbuild
  // with keepNames) wraps every named arrow in `__name`, a defineProperty on each new closure, and
  // in a connection storm that was a third of a join's cost on the event loop. Methods keep their
  // names natively.
  const helpers = {
    cutOff(): void {
      if (cut) return;
      cut = true;
      gatewayStats.disconnectedOffenders += 1;
      log.warn("repeat offender disconnected", { room: admitted.roomId, memberId });
      socket.emit(Ev.protocolError, {
        code: ErrorCode.rateLimited,
        message: "Too many invalid or too frequent messages: disconnected.",
        event: CloseReason.repeatOffender,
      });
      socket.disconnect(true);
    },

    /** A typed reply, on the ack if there is one, else as a `protocol:error` event. */
    answer(event: string, error: ProtocolError, args: readonly unknown[]): void {
      gatewayStats.rejected += 1;
      if (error.code === ErrorCode.rateLimited) gatewayStats.rateLimited += 1;
      const ack = ackOf(args);
      if (ack) ack({ ok: false, error } satisfies Result<never>);
      else socket.emit(Ev.protocolError, { ...error, event: event.slice(0, 64) });
    },

    /** A bad message: typed reply, and an offence against the person and their address. */
    reject(event: string, error: ProtocolError, args: readonly unknown[], weight = 1): void {
      log.warn("message rejected", {
        room: admitted.roomId,
        memberId,
        event: event.slice(0, 40),
        code: error.code,
      });
      answer(event, error, args);
      if (deps.limits.offence(sender, weight) === Verdict.cut) cutOff();
    },

    /** A message over its rate: typed reply (lighter offence); true if it may go on. */
    withinRate(event: string, kind: LimitKind, args: readonly unknown[], message: string): boolean {
      const verdict = deps.limits.take(sender, kind);
      if (verdict === Verdict.ok) return true;
      answer(event, { code: ErrorCode.rateLimited, message }, args);
      if (verdict === Verdict.cut) cutOff();
      return false;
    },

    onThrow(event: string): (error: unknown, args: readonly unknown[]) => void {
      return (_error, args) => {
        gatewayStats.internalErrors += 1;
        reject(
          event,
          {
            code: ErrorCode.internalError,
            message: "The server could not handle this message; nothing was changed.",
          },
          args,
        );
      };
    },

    onKnown(event: string, handler: (...args: unknown[]) => void): void {
      // biome-ignore lint/suspicious/noExplicitAny: each handler narrows its arguments from unknown itself
      (socket as any).on(event, guard(event, handler, onThrow(event)));
    },
  };
  const { cutOff, answer, reject, withinRate, onThrow, onKnown } = helpers;

  socket.onAny(
    guard(
      "any",
      (event: unknown, ...args: unknown[]) => {
        if (typeof event === "string" && KNOWN_EVENTS.has(event)) return;
        const name = String(event).slice(0, 40);
        reject(name, { code: ErrorCode.unknownEvent, message: `Unknown event "${name}".` }, args);
      },
      onThrow("unknown"),
    ),
  );

  onKnown(Ev.pose, (...args) => {
    const verdict = deps.limits.take(sender, LimitKind.pose);
    if (verdict === Verdict.cut) return cutOff();
    if (verdict === Verdict.overRate) {
      // Poses are droppable: answer at most once a second so an error reply is no flood of its own.
      if (deps.now() - lastPoseError <= 1000 && !ackOf(args)) {
        gatewayStats.dropped += 1;
        return;
      }
      lastPoseError = deps.now();
      return answer(Ev.pose, { code: ErrorCode.rateLimited, message: "Poses are sent too often." }, args);
    }
    const refused = commandRefusal(admitted.role, Ev.pose);
    if (refused !== null) {
      // The presenter has no body in the scene, so its poses are refused, at most one reply a second.
      if (deps.now() - lastPoseError <= 1000 && !ackOf(args)) {
        gatewayStats.dropped += 1;
        return;
      }
      lastPoseError = deps.now();
      return answer(Ev.pose, { code: ErrorCode.forbidden, message: refused }, args);
    }
    // The browser sends its pose as base64 text (one frame), tools as bytes
    if (!session.room.setPose(memberId, poseBytesOf(args[0]))) {
      return reject(
        Ev.pose,
        { code: ErrorCode.badPayload, message: "A pose must be 31 bytes of pose data (or their base64)." },
        args,
      );
    }
    deps.sessions.poses.arrived(admitted.roomId, session.room, socket.id);
  });

  onKnown(Ev.snapshot, (...args) => {
    const ack = ackOf(args);
    if (!ack) return reject(Ev.snapshot, { code: ErrorCode.badPayload, message: "Missing ack." }, args);
    if (!withinRate(Ev.snapshot, LimitKind.command, args, "Too many requests.")) return;
    ack({ ok: true, value: session.snapshotFor(memberId) } satisfies Result<unknown>);
  });

  for (const event of PAYLOAD_EVENTS) {
    onKnown(event, (...args) => {
      const reply = ackOf(args);
      if (!reply || args.length !== 2) {
        return reject(
          event,
          {
            code: ErrorCode.badPayload,
            message: `${event} needs one payload and an acknowledgement callback.`,
          },
          args,
        );
      }
      if (!withinRate(event, LimitKind.command, args, "Too many requests: slow down.")) return;
      const payload = args[0];
      if (payload instanceof RejectedPacket) {
        const tooLarge = payload.reason === "too_large";
        return reject(
          event,
          tooLarge
            ? { code: ErrorCode.tooLarge, message: `Message larger than ${RATES.maxMessageBytes} bytes.` }
            : {
                code: ErrorCode.badPayload,
                message: `Message nested deeper than ${RATES.maxMessageDepth} levels.`,
              },
          args,
        );
      }
      const parsed = clientPayloadSchemas[event].safeParse(payload);
      if (!parsed.success) {
        return reject(event, { code: ErrorCode.badPayload, message: describeIssue(parsed.error) }, args);
      }
      if (
        event === Ev.ottoAsk &&
        !withinRate(event, LimitKind.otto, args, "Otto has just answered you: ask again in a moment.")
      ) {
        return;
      }
      // Words to Otto are paced like questions, except the spoken stop
      if (
        ottoNeedsPacing(event, parsed.data, admitted.role) &&
        !withinRate(event, LimitKind.otto, args, OTTO_BUSY)
      )
        return;
      session
        .handle({ memberId, role: admitted.role, personId: admitted.personId }, event, parsed.data)
        .then((result) => {
          if (
            !result.ok &&
            result.error.code !== ErrorCode.illegalTransition &&
            result.error.code !== ErrorCode.forbidden &&
            deps.limits.offence(sender) === Verdict.cut
          ) {
            cutOff();
          }
          reply(result);
        })
        .catch((err: unknown) => {
          log.error("command failed", { room: admitted.roomId, event, error: describeError(err) });
          reply(
            fail(ErrorCode.storageFailed, "The server could not complete this request; nothing was changed."),
          );
        });
    });
  }

  socket.on(
    "disconnect",
    guard(
      "disconnect",
      (reason: string) => {
        if (socket.data.memberId !== memberId) return; // replaced by a newer connection
        log.info("member disconnected", { room: admitted.roomId, memberId, reason });
        // A departure is a broadcast to everyone still in the room, like a join: when a crowd
        // leaves at once, its departures wait their turn in the same queue as joins (in arrival
        // order, so a quick reconnect's join still comes after its own leave).
        roomChanges.admit(
          guard(
            "leave",
            () => {
              // A newer connection took the seat meanwhile: the person is here, nothing to announce.
              if (seats.get(seatKey) !== socket) return;
              seats.delete(seatKey);
              // Left for good (closed, or cut): the seat is free for any window, a resuming one too.
              const leftForGood =
                reason === "client namespace disconnect" || reason === "server namespace disconnect";
              if (leftForGood && socket.data.window !== undefined)
                deps.seatClaims.release(seatKeyOf(admitted.roomId, admitted.personId), socket.data.window);
              if (reason === "client namespace disconnect") session.leave(memberId, "left");
              // The server cut it on purpose (credential ended, room closed,
              // offender): the page does not come back, so the person leaves now, not after the rejoin window.
              else if (reason === "server namespace disconnect") session.leave(memberId, "cut by the server");
              else session.drop(memberId);
            },
            countInternalError,
          ),
        );
      },
      countInternalError,
    ),
  );
}

function countInternalError(): void {
  gatewayStats.internalErrors += 1;
}
