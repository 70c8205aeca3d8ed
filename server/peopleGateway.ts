/**
 * Socket.IO adapter for people (patients, clinicians, assistants, observers). It checks the
 * protocol version and the signed token in the handshake, validates every inbound payload at the
 * edge, rate-limits per socket, and forwards parsed commands to the session. No room logic here.
 */
import type { IncomingMessage } from "node:http";
import type { Server, Socket } from "socket.io";
import { encodeBatch } from "../shared/poseCodec.ts";
import {
  type ClientToServerEvents,
  CloseReason,
  type ConnectRefusal,
  ErrorCode,
  Ev,
  fail,
  type InviteClaims,
  PROTOCOL_VERSION,
  type ProtocolError,
  RATES,
  type Result,
  type ServerToClientEvents,
} from "../shared/protocol.ts";
import { type ClientPayloadEvent, clientPayloadSchemas, describeIssue } from "../shared/schemas.ts";
import type { Clinic } from "./clinic.ts";
import { createLogger } from "./log.ts";
import { OffenceCounter, TokenBucket } from "./rateLimit.ts";
import type { SessionRegistry } from "./sessionRegistry.ts";
import { TurnCorking } from "./socketCorking.ts";
import { verifyInvite } from "./tokens.ts";

const log = createLogger("people-gateway");

export interface PeopleSocketData {
  claims: InviteClaims;
  displayName: string;
  memberId: string;
}
export type PeopleServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  PeopleSocketData
>;
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
  now: () => number;
}

/** Connection-level counters, for logs and tests. */
export const gatewayStats = { rejected: 0, rateLimited: 0, disconnectedOffenders: 0 };

const PAYLOAD_EVENTS = Object.keys(clientPayloadSchemas) as ClientPayloadEvent[];
const KNOWN_EVENTS = new Set<string>([Ev.pose, Ev.snapshot, ...PAYLOAD_EVENTS]);
/** Bad messages tolerated in 10 s before the connection is cut. */
const OFFENCE_LIMIT = 20;

export function refusal(code: ConnectRefusal["code"], message: string): Error & { data: ConnectRefusal } {
  return Object.assign(new Error(message), { data: { code, message } });
}

/** Version check first, with a message that says which side is too old. */
export function checkProtocolVersion(version: unknown): Error | null {
  if (typeof version !== "number" || !Number.isInteger(version) || version < PROTOCOL_VERSION) {
    return refusal(
      ErrorCode.clientTooOld,
      `This page is older than the server (protocol ${String(version)}, server ${PROTOCOL_VERSION}): reload the page.`,
    );
  }
  if (version > PROTOCOL_VERSION) {
    return refusal(
      ErrorCode.serverTooOld,
      `The server is older than this page (server protocol ${PROTOCOL_VERSION}, page ${version}): ask the clinic to update the server.`,
    );
  }
  return null;
}

export function attachPeopleGateway(io: PeopleServer, deps: GatewayDeps): void {
  io.use((socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const versionError = checkProtocolVersion(auth.protocolVersion);
    if (versionError) return next(versionError);
    const verified = verifyInvite(deps.secret, auth.token, deps.now());
    if (!verified.ok) return next(refusal(verified.error.code, verified.error.message));
    const claims = verified.value;
    const appt = deps.clinic.appointments.get(claims.appointmentId);
    // A token is bound to its appointment's room: a patient can only ever join their own.
    if (!appt || appt.roomId !== claims.roomId) {
      return next(refusal(ErrorCode.forbidden, "This join link does not belong to any room here."));
    }
    if (claims.role === "patient" && appt.patientId !== claims.personId) {
      return next(refusal(ErrorCode.forbidden, "A patient can only join their own appointment."));
    }
    const person = deps.clinic.people.get(claims.personId);
    socket.data.claims = claims;
    socket.data.displayName = person?.displayName ?? claims.personId;
    next();
  });

  // A connection storm into one room is n² small writes (each join is broadcast to everyone there):
  // send each connection's writes of one event-loop turn in one system call.
  const corking = new TurnCorking();
  io.engine.on("connection", (conn: { request: IncomingMessage }) => corking.attach(conn.request.socket));
  const seats: Seats = new Map();
  io.on("connection", (socket) => onConnection(seats, socket, deps));
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

  const offences = new OffenceCounter(OFFENCE_LIMIT, 10_000, deps.now);
  const poseBucket = new TokenBucket(120, 60, deps.now);
  const commandBucket = new TokenBucket(20, 40, deps.now);
  let lastPoseError = 0;

  const reject = (event: string, error: ProtocolError, ack?: (r: Result<never>) => void) => {
    gatewayStats.rejected += 1;
    if (error.code === ErrorCode.rateLimited) gatewayStats.rateLimited += 1;
    log.warn("message rejected", {
      room: claims.roomId,
      memberId,
      event: event.slice(0, 40),
      code: error.code,
    });
    if (ack) ack({ ok: false, error });
    else socket.emit(Ev.protocolError, { ...error, event: event.slice(0, 64) });
    if (offences.record()) {
      gatewayStats.disconnectedOffenders += 1;
      log.warn("repeat offender disconnected", { room: claims.roomId, memberId, offences: offences.total });
      socket.emit(Ev.protocolError, {
        code: ErrorCode.rateLimited,
        message: "Too many invalid or too frequent messages: disconnected.",
        event: CloseReason.repeatOffender,
      });
      socket.disconnect(true);
    }
  };

  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event !== "string" || !KNOWN_EVENTS.has(event)) {
      const ack = typeof args.at(-1) === "function" ? (args.at(-1) as (r: Result<never>) => void) : undefined;
      reject(
        String(event),
        { code: ErrorCode.unknownEvent, message: `Unknown event "${String(event).slice(0, 40)}".` },
        ack,
      );
    }
  });

  socket.on(Ev.pose, (bytes: unknown) => {
    if (!poseBucket.take()) {
      // Poses are droppable: answer at most once a second so an error reply is no flood of its own.
      if (deps.now() - lastPoseError > 1000) {
        lastPoseError = deps.now();
        reject(Ev.pose, { code: ErrorCode.rateLimited, message: "Poses are sent too often." });
      }
      return;
    }
    if (!session.room.setPose(memberId, bytes)) {
      reject(Ev.pose, {
        code: ErrorCode.badPayload,
        message: "A pose must be 31 bytes of binary pose data.",
      });
    }
  });

  socket.on(Ev.snapshot, (ack: unknown) => {
    if (typeof ack !== "function")
      return reject(Ev.snapshot, { code: ErrorCode.badPayload, message: "Missing ack." });
    if (!commandBucket.take())
      return reject(
        Ev.snapshot,
        { code: ErrorCode.rateLimited, message: "Too many requests." },
        ack as never,
      );
    (ack as (r: Result<unknown>) => void)({ ok: true, value: session.snapshotFor(memberId) });
  });

  for (const event of PAYLOAD_EVENTS) {
    // biome-ignore lint/suspicious/noExplicitAny: the event map is checked by the schema table below
    (socket as any).on(event, (payload: unknown, ack: unknown) => {
      const reply = typeof ack === "function" ? (ack as (r: Result<unknown>) => void) : undefined;
      if (!reply)
        return reject(event, {
          code: ErrorCode.badPayload,
          message: `${event} needs an acknowledgement callback.`,
        });
      if (!commandBucket.take()) {
        return reject(
          event,
          { code: ErrorCode.rateLimited, message: "Too many requests: slow down." },
          reply,
        );
      }
      if (JSON.stringify(payload ?? null).length > RATES.maxMessageBytes) {
        return reject(
          event,
          { code: ErrorCode.tooLarge, message: `Message larger than ${RATES.maxMessageBytes} bytes.` },
          reply,
        );
      }
      const parsed = clientPayloadSchemas[event].safeParse(payload);
      if (!parsed.success) {
        return reject(event, { code: ErrorCode.badPayload, message: describeIssue(parsed.error) }, reply);
      }
      session
        .handle({ memberId, role: claims.role, personId: claims.personId }, event, parsed.data)
        .then((result) => {
          if (
            !result.ok &&
            result.error.code !== ErrorCode.illegalTransition &&
            result.error.code !== ErrorCode.forbidden
          ) {
            offences.record();
          }
          reply(result);
        })
        .catch((err: unknown) => {
          log.error("command failed", { room: claims.roomId, event, error: String(err) });
          reply(
            fail(ErrorCode.storageFailed, "The server could not complete this request; nothing was changed."),
          );
        });
    });
  }

  socket.on("disconnect", (reason) => {
    if (socket.data.memberId !== memberId) return; // replaced by a newer connection
    if (seats.get(seat) === socket) seats.delete(seat);
    if (reason === "client namespace disconnect") session.leave(memberId, "left");
    else session.drop(memberId);
    log.info("member disconnected", { room: claims.roomId, memberId, reason });
  });
}
