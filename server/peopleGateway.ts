/**
 * Socket.IO adapter for people (patients, clinicians, assistants, observers). It checks the
 * protocol version and the signed token in the handshake, validates every inbound payload at the
 * edge, applies the limits per person (which survive reconnects), and forwards parsed commands to
 * the session. No room logic here. Every handler is guarded: nothing a client sends can throw
 * out of it.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "socket.io";
import { commandRefusal } from "../shared/access.ts";
import { encodeBatch } from "../shared/poseCodec.ts";
import {
  type ClientToServerEvents,
  CloseReason,
  ErrorCode,
  Ev,
  fail,
  type InviteClaims,
  type ProtocolError,
  RATES,
  type Result,
  type ServerToClientEvents,
} from "../shared/protocol.ts";
import { type ClientPayloadEvent, clientPayloadSchemas, describeIssue } from "../shared/schemas.ts";
import { AdmissionQueue } from "./admissionQueue.ts";
import { RejectedPacket } from "./boundedParser.ts";
import { type Clinic, ClinicId } from "./clinic.ts";
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
import type { SessionRegistry } from "./sessionRegistry.ts";
import { TurnCorking } from "./socketCorking.ts";
import { verifyInvite } from "./tokens.ts";

export { checkProtocolVersion, type PeopleServer, type PeopleSocketData, refusal } from "./handshake.ts";

const log = createLogger("people-gateway");

type PeopleSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  PeopleSocketData
>;

export interface GatewayDeps {
  secret: Buffer;
  clinic: Clinic;
  sessions: SessionRegistry;
  limits: Limits;
  now: () => number;
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
};

const PAYLOAD_EVENTS = Object.keys(clientPayloadSchemas) as ClientPayloadEvent[];
const KNOWN_EVENTS = new Set<string>([Ev.pose, Ev.snapshot, ...PAYLOAD_EVENTS]);

/** The identity limits are kept for: one person in one appointment. */
export function personIdentity(claims: InviteClaims): string {
  // Scoped by appointment: a clinician working in two rooms has a budget in each.
  return `person:${claims.appointmentId}:${claims.personId}`;
}

/** Joins handled per turn of the event loop; the rest of a storm waits for later turns. */
const JOINS_PER_TURN = 4;

export function attachPeopleGateway(io: PeopleServer, deps: GatewayDeps): void {
  const joins = new AdmissionQueue(JOINS_PER_TURN);
  io.use((socket, next) => {
    const address = remoteAddress(socket.handshake.address);
    const refuse = (error: Error, offence: boolean) => {
      gatewayStats.refusedHandshakes += 1;
      if (offence) deps.limits.offence({ address });
      next(error);
    };
    try {
      const byAddress = deps.limits.admitAddress(address);
      if (!byAddress.ok) return refuse(refusedForNow(byAddress.retryAfterMs), false);
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const versionError = checkProtocolVersion(auth.protocolVersion);
      if (versionError) return refuse(versionError, false);
      const verified = verifyInvite(deps.secret, auth.token, deps.now());
      if (!verified.ok) return refuse(refusal(verified.error.code, verified.error.message), true);
      const claims = verified.value;
      const appt = deps.clinic.appointments.get(claims.appointmentId);
      // A token is bound to its appointment's room: a patient can only ever join their own.
      if (!appt || appt.roomId !== claims.roomId) {
        return refuse(refusal(ErrorCode.forbidden, "This join link does not belong to any room here."), true);
      }
      // The presenter sees what the care team sees: only ever on the demo clinic's fictional patients.
      if (claims.role === "presenter" && appt.clinicId !== ClinicId.demo) {
        return refuse(refusal(ErrorCode.forbidden, "A presenter can only watch the demo clinic."), true);
      }
      if (claims.role === "patient" && appt.patientId !== claims.personId) {
        return refuse(refusal(ErrorCode.forbidden, "A patient can only join their own appointment."), true);
      }
      const admission = deps.limits.admitIdentity({ identity: personIdentity(claims), address });
      if (!admission.ok) return refuse(refusedForNow(admission.retryAfterMs), false);
      const person = deps.clinic.people.get(claims.personId);
      socket.data.claims = claims;
      socket.data.displayName = person?.displayName ?? claims.personId;
      joins.admit(next);
    } catch (error) {
      gatewayStats.internalErrors += 1;
      log.error("handshake threw", { error: describeError(error) });
      refuse(refusal(ErrorCode.internalError, "The server could not admit this connection."), true);
    }
  });

  // A connection storm into one room is n² small writes (each join is broadcast to everyone there):
  // send each connection's writes of one event-loop turn in one system call.
  // Only a connection that opened as a WebSocket owns its TCP socket: a polling request's socket is
  // a keep-alive HTTP socket that later requests share, and corking it would hold back (or, when
  // such a request is refused and destroyed in the same turn, drop) their answers.
  const corking = new TurnCorking();
  io.engine.on("connection", (conn: { request: IncomingMessage; transport: { name: string } }) => {
    if (conn.transport.name === "websocket") corking.attach(conn.request.socket);
  });
  const seats: Seats = new Map();
  io.on(
    "connection",
    guard(
      "connection",
      (socket: PeopleSocket) => onConnection(seats, socket, deps),
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
}

/** The live socket of each member, by room and member id: finding the one to replace is O(1). */
type Seats = Map<string, PeopleSocket>;

function onConnection(seats: Seats, socket: PeopleSocket, deps: GatewayDeps): void {
  const { claims, displayName } = socket.data;
  const session = deps.sessions.forAppointment(claims.appointmentId);
  const joined = session.join({ personId: claims.personId, displayName, role: claims.role });
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
  socket.data.memberId = memberId;
  // One connection per member: a second tab or a reconnect replaces the older socket.
  const seat = `${claims.roomId}|${memberId}`;
  const other = seats.get(seat);
  seats.set(seat, socket);
  if (other && other.id !== socket.id && other.data.memberId === memberId) {
    other.data.memberId = "";
    other.emit(Ev.protocolError, {
      code: ErrorCode.forbidden,
      message: "You joined from another window.",
      event: CloseReason.replaced,
    });
    other.disconnect(true);
  }
  void socket.join(claims.roomId);
  socket.emit(Ev.welcome, session.snapshotFor(memberId));
  const poses = session.room.allPoses();
  if (poses.length) socket.emit(Ev.poses, encodeBatch(deps.now(), session.room.lastSeq, poses));
  log.info("member connected", {
    room: claims.roomId,
    memberId,
    role: claims.role,
    rejoined: joined.rejoined,
  });

  const sender: Sender = {
    identity: personIdentity(claims),
    address: remoteAddress(socket.handshake.address),
  };
  let lastPoseError = 0;
  let cut = false;

  const cutOff = () => {
    if (cut) return;
    cut = true;
    gatewayStats.disconnectedOffenders += 1;
    log.warn("repeat offender disconnected", { room: claims.roomId, memberId });
    socket.emit(Ev.protocolError, {
      code: ErrorCode.rateLimited,
      message: "Too many invalid or too frequent messages: disconnected.",
      event: CloseReason.repeatOffender,
    });
    socket.disconnect(true);
  };

  /** A typed reply, on the ack if there is one, else as a `protocol:error` event. */
  const answer = (event: string, error: ProtocolError, args: readonly unknown[]) => {
    gatewayStats.rejected += 1;
    if (error.code === ErrorCode.rateLimited) gatewayStats.rateLimited += 1;
    const ack = ackOf(args);
    if (ack) ack({ ok: false, error } satisfies Result<never>);
    else socket.emit(Ev.protocolError, { ...error, event: event.slice(0, 64) });
  };

  /** A bad message: typed reply, and an offence against the person and their address. */
  const reject = (event: string, error: ProtocolError, args: readonly unknown[], weight = 1) => {
    log.warn("message rejected", {
      room: claims.roomId,
      memberId,
      event: event.slice(0, 40),
      code: error.code,
    });
    answer(event, error, args);
    if (deps.limits.offence(sender, weight) === Verdict.cut) cutOff();
  };

  /** A message over its rate: typed reply (lighter offence); true if it may go on. */
  const withinRate = (event: string, kind: LimitKind, args: readonly unknown[], message: string): boolean => {
    const verdict = deps.limits.take(sender, kind);
    if (verdict === Verdict.ok) return true;
    answer(event, { code: ErrorCode.rateLimited, message }, args);
    if (verdict === Verdict.cut) cutOff();
    return false;
  };

  const onThrow = (event: string) => (_error: unknown, args: readonly unknown[]) => {
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

  const onKnown = (event: string, handler: (...args: unknown[]) => void) => {
    // biome-ignore lint/suspicious/noExplicitAny: each handler narrows its arguments from unknown itself
    (socket as any).on(event, guard(event, handler, onThrow(event)));
  };

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
    const refused = commandRefusal(claims.role, Ev.pose);
    if (refused !== null) {
      // The presenter has no body in the scene, so its poses are refused, at most one reply a second.
      if (deps.now() - lastPoseError <= 1000 && !ackOf(args)) {
        gatewayStats.dropped += 1;
        return;
      }
      lastPoseError = deps.now();
      return answer(Ev.pose, { code: ErrorCode.forbidden, message: refused }, args);
    }
    if (!session.room.setPose(memberId, args[0])) {
      reject(
        Ev.pose,
        { code: ErrorCode.badPayload, message: "A pose must be 31 bytes of binary pose data." },
        args,
      );
    }
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
      session
        .handle({ memberId, role: claims.role, personId: claims.personId }, event, parsed.data)
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
          log.error("command failed", { room: claims.roomId, event, error: describeError(err) });
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
        if (seats.get(seat) === socket) seats.delete(seat);
        if (reason === "client namespace disconnect") session.leave(memberId, "left");
        else session.drop(memberId);
        log.info("member disconnected", { room: claims.roomId, memberId, reason });
      },
      () => {
        gatewayStats.internalErrors += 1;
      },
    ),
  );
}
