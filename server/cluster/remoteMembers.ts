/**
 * People connected to this node whose room is owned by another node. Each connection is checked
 * here as the gateway checks a local one (event names, rate limits per person, the payload schemas,
 * the access table for poses) and then forwarded to the owner over the node bus: the join (its
 * answer is the welcome snapshot), poses (one-way), snapshots and commands (with their answer),
 * the departure. The owner's events come back through the Socket.IO adapter, since the connection
 * joins its room's Socket.IO rooms here. When the room's owner changes or cannot be reached, the
 * connection's transport is closed: the client reconnects and joins the room where it now lives.
 */
import { commandRefusal } from "../../shared/access.ts";
import { poseBytesOf } from "../../shared/poseCodec.ts";
import { ErrorCode, Ev, fail, RATES, type Result } from "../../shared/protocol.ts";
import { type ClientPayloadEvent, clientPayloadSchemas, describeIssue } from "../../shared/schemas.ts";
import { RejectedPacket } from "../boundedParser.ts";
import { ackOf, describeError, guard } from "../handlerGuard.ts";
import { remoteAddress } from "../handshake.ts";
import { LimitKind, type Limits, type Sender, Verdict } from "../limits.ts";
import { createLogger } from "../log.ts";
import { personIdentity } from "../peopleGateway.ts";
import { roomsFor } from "../socketRooms.ts";
import { BusKind, isNotOwner, type JoinAnswer } from "./busMessages.ts";
import type { ClusterSocket } from "./clusterNode.ts";
import { type LeaseHolder, sameHolder } from "./leaseTiming.ts";
import type { NodeBus } from "./nodeBus.ts";
import type { RoomLeases } from "./roomLeases.ts";

const log = createLogger("remote-members");

const PAYLOAD_EVENTS = new Set<string>(Object.keys(clientPayloadSchemas));
const KNOWN_EVENTS = new Set<string>([Ev.pose, Ev.snapshot, ...PAYLOAD_EVENTS]);
const REQUEST_TIMEOUT_MS = 4000;
const MOVING = "The room is moving to another server; try again in a moment.";

export interface RemoteDeps {
  bus: NodeBus;
  leases: RoomLeases;
  limits: Limits;
  now: () => number;
  nodeId: string;
}

interface Remote {
  socket: ClusterSocket;
  holder: LeaseHolder;
}

export class RemoteMembers {
  private readonly expected = new WeakMap<ClusterSocket, LeaseHolder>();
  /** Connections cut because their room moved: a join answered after the cut does not seat them. */
  private readonly movedAway = new WeakSet<ClusterSocket>();
  /** Live remote connections by room id. */
  private readonly byRoom = new Map<string, Set<Remote>>();
  private timer: NodeJS.Timeout | null = null;
  private unreachableSince = new Map<string, number>();
  readonly stats = { joins: 0, poses: 0, commands: 0, cut: 0 };

  constructor(private readonly deps: RemoteDeps) {}

  /** The handshake found the room owned by `holder`: this connection is served here as a remote member. */
  expect(socket: ClusterSocket, holder: LeaseHolder): void {
    this.expected.set(socket, holder);
  }

  /** Serves the connection if its room is owned elsewhere; false leaves it to the gateway. */
  adopt(socket: ClusterSocket): boolean {
    const holder = this.expected.get(socket);
    if (!holder) return false;
    this.serve(socket, holder).catch((error: unknown) => {
      log.warn("remote join failed", { error: describeError(error) });
      this.cut({ socket, holder });
    });
    return true;
  }

  /** Watches each room with remote members here for a change of owner. */
  start(): void {
    this.timer = setInterval(() => void this.watch(), 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async watch(): Promise<void> {
    for (const [roomId, remotes] of this.byRoom) {
      const now = this.deps.now();
      const holder = await this.deps.leases.holderOf(roomId);
      if (holder === null) {
        // No owner (it died and its lease ran out) or Redis out of reach: after a short while the
        // members reconnect, which takes the room here or finds its new owner.
        const since = this.unreachableSince.get(roomId) ?? now;
        this.unreachableSince.set(roomId, since);
        if (now - since < 500) continue;
      }
      this.unreachableSince.delete(roomId);
      for (const remote of [...remotes]) if (!sameHolder(holder, remote.holder)) this.cut(remote);
    }
  }

  private cut(remote: Remote): void {
    this.stats.cut += 1;
    this.forget(remote);
    this.movedAway.add(remote.socket);
    remote.socket.data.memberId = "";
    remote.socket.conn.close();
  }

  private forget(remote: Remote): void {
    const roomId = remote.socket.data.seat.roomId;
    const set = this.byRoom.get(roomId);
    if (!set) return;
    for (const r of set) if (r.socket === remote.socket) set.delete(r);
    if (set.size === 0) this.byRoom.delete(roomId);
  }

  private async serve(socket: ClusterSocket, holder: LeaseHolder): Promise<void> {
    const { bus, limits } = this.deps;
    const seat = socket.data.seat;
    const to = { appointmentId: seat.appointmentId, fence: holder.fence };
    // Watched from now on: if the owner dies while the join waits, the watcher cuts it at once
    // (the client retries and finds the new owner) rather than letting the join time out.
    const remote: Remote = { socket, holder };
    const set = this.byRoom.get(seat.roomId) ?? new Set<Remote>();
    set.add(remote);
    this.byRoom.set(seat.roomId, set);
    // The owner sends the welcome itself, and it can reach the page before the owner's answer
    // reaches this node: the handlers are set first, and a command sent at once waits for the answer.
    const joining = this.join(remote, to);
    let memberId: string | null = null;

    const sender: Sender = {
      identity: personIdentity(seat),
      address: remoteAddress(socket.handshake.address),
    };
    const reply = (event: string, args: readonly unknown[], error: { code: ErrorCode; message: string }) => {
      const ack = ackOf(args);
      if (ack) ack({ ok: false, error } satisfies Result<never>);
      else socket.emit(Ev.protocolError, { ...error, event: event.slice(0, 64) });
    };
    const offend = (event: string, args: readonly unknown[], code: ErrorCode, message: string) => {
      reply(event, args, { code, message });
      if (limits.offence(sender) === Verdict.cut) socket.disconnect(true);
    };
    const ask = async (kind: string, body: Record<string, unknown>): Promise<unknown> => {
      const member = await joining;
      if (member === null) return fail(ErrorCode.storageFailed, MOVING);
      const result = await bus.request(
        holder.nodeId,
        kind,
        { ...to, memberId: member, ...body },
        REQUEST_TIMEOUT_MS,
      );
      if (isNotOwner(result)) {
        // Cut after the answer is on its way: a transport closed first would swallow it.
        setImmediate(() => this.cut(remote));
        return fail(ErrorCode.storageFailed, MOVING);
      }
      return result;
    };

    socket.onAny(
      guard(
        "remote any",
        (event: unknown, ...args: unknown[]) => {
          if (typeof event === "string" && KNOWN_EVENTS.has(event)) return;
          const name = String(event).slice(0, 40);
          offend(name, args, ErrorCode.unknownEvent, `Unknown event "${name}".`);
        },
        () => undefined,
      ),
    );

    socket.on(
      Ev.pose,
      guard(
        Ev.pose,
        (...args: unknown[]) => {
          if (limits.take(sender, LimitKind.pose) !== Verdict.ok) return;
          if (commandRefusal(seat.role, Ev.pose) !== null) return;
          // The browser sends its pose as base64 text, tools as bytes: the owner gets the same 31 bytes.
          const bytes = poseBytesOf(args[0]);
          if (!bytes) {
            return offend(
              Ev.pose,
              args,
              ErrorCode.badPayload,
              "A pose must be 31 bytes of pose data (or their base64).",
            );
          }
          this.stats.poses += 1;
          const pose = Buffer.from(bytes).toString("base64");
          const send = (member: string | null) => {
            if (member !== null) bus.note(holder.nodeId, BusKind.pose, { ...to, memberId: member, pose });
          };
          // A pose sent before the owner's answer arrived goes once it has, in order.
          if (memberId !== null) send(memberId);
          else void joining.then(send, () => undefined);
        },
        () => undefined,
      ),
    );

    socket.on(
      Ev.snapshot,
      guard(
        Ev.snapshot,
        (...args: unknown[]) => {
          const ack = ackOf(args);
          if (!ack) return offend(Ev.snapshot, args, ErrorCode.badPayload, "Missing ack.");
          if (limits.take(sender, LimitKind.command) !== Verdict.ok) {
            return reply(Ev.snapshot, args, { code: ErrorCode.rateLimited, message: "Too many requests." });
          }
          ask(BusKind.snapshot, {})
            .then((result) => ack(result as Result<unknown>))
            .catch(() => ack(fail(ErrorCode.storageFailed, MOVING)));
        },
        () => undefined,
      ),
    );

    for (const event of PAYLOAD_EVENTS) {
      socket.on(
        event as ClientPayloadEvent,
        guard(
          event,
          (...args: unknown[]) => {
            const ack = ackOf(args);
            if (!ack || args.length !== 2) {
              return offend(
                event,
                args,
                ErrorCode.badPayload,
                `${event} needs one payload and an acknowledgement callback.`,
              );
            }
            if (limits.take(sender, LimitKind.command) !== Verdict.ok) {
              return reply(event, args, {
                code: ErrorCode.rateLimited,
                message: "Too many requests: slow down.",
              });
            }
            const payload = args[0];
            if (payload instanceof RejectedPacket) {
              return offend(
                event,
                args,
                ErrorCode.tooLarge,
                `Message larger than ${RATES.maxMessageBytes} bytes.`,
              );
            }
            const parsed = clientPayloadSchemas[event as ClientPayloadEvent].safeParse(payload);
            if (!parsed.success)
              return offend(event, args, ErrorCode.badPayload, describeIssue(parsed.error));
            if (event === Ev.ottoAsk && limits.take(sender, LimitKind.otto) !== Verdict.ok) {
              return reply(event, args, {
                code: ErrorCode.rateLimited,
                message: "Otto has just answered you: ask again in a moment.",
              });
            }
            this.stats.commands += 1;
            ask(BusKind.command, { personId: seat.personId, role: seat.role, event, payload: parsed.data })
              .then((result) => ack(result as Result<unknown>))
              .catch(() => ack(fail(ErrorCode.storageFailed, MOVING)));
          },
          () => undefined,
        ),
      );
    }

    socket.on("disconnect", (reason: string) => {
      this.forget(remote);
      const depart = (member: string | null) => {
        // Not seated, or not a departure: the room moved, or the person is in a newer window.
        if (member === null || socket.data.memberId !== member) return;
        bus.note(holder.nodeId, BusKind.depart, {
          ...to,
          memberId: member,
          how:
            reason === "client namespace disconnect" || reason === "server namespace disconnect"
              ? "leave"
              : "drop",
          reason: reason === "client namespace disconnect" ? "left" : "cut by the server",
        });
      };
      // Gone while the owner seats it: the owner hears so once seated, or the member would stay "connected".
      void joining.then(depart, () => undefined);
    });
    memberId = await joining;
  }

  /**
   * Asks the owner to seat the member; the member's id, or null when the connection is gone or
   * was refused (told why, and closed). The owner sends the welcome (none to a recovered
   * connection) and the room's poses itself (see JoinAnswer).
   */
  private async join(remote: Remote, to: { appointmentId: string; fence: number }): Promise<string | null> {
    const { socket, holder } = remote;
    const seat = socket.data.seat;
    const answer = (await this.deps.bus.request(
      holder.nodeId,
      BusKind.join,
      {
        ...to,
        personId: seat.personId,
        displayName: socket.data.displayName,
        role: seat.role,
        socketId: socket.id,
        recoveredAs: socket.recovered ? socket.data.memberId || null : null,
      },
      REQUEST_TIMEOUT_MS,
    )) as JoinAnswer;
    if (!answer.ok) {
      this.forget(remote);
      if (answer.notOwner) throw new Error("owner changed during the join");
      socket.emit(Ev.protocolError, { code: ErrorCode.forbidden, message: answer.message, event: "connect" });
      socket.disconnect(true);
      return null;
    }
    if (this.movedAway.has(socket)) return null;
    socket.data.memberId = answer.memberId;
    // Gone meanwhile: its departure is announced (the disconnect handler waits for this answer).
    if (!socket.connected) return answer.memberId;
    this.stats.joins += 1;
    void socket.join(roomsFor(seat.roomId, seat.role, seat.credentialId));
    log.info("remote member connected", {
      room: seat.roomId,
      memberId: answer.memberId,
      owner: holder.nodeId,
      resumed: answer.resumed,
    });
    return answer.memberId;
  }
}
