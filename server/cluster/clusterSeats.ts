/**
 * One live window per person per room, across nodes. On one server the gateway closes a person's
 * older window when a newer one joins; with several nodes the older window can be connected to
 * another node, which never sees the newer join. So every room connection on any node claims its
 * seat: older windows of that person in that room on this node close at once, and every other node
 * is told over the node bus to close its own. A closed window is told "You joined from another
 * window" (the page shows "This seat is open in another window") and its seat is cleared first, so
 * its departure is not announced: the person is still in the room, in the newer window. Every node
 * also records which window claimed the seat (server/seatClaims.ts), so the older window cannot
 * take it back on any node by reconnecting by itself.
 */
import { CloseReason, ErrorCode, Ev } from "../../shared/protocol.ts";
import type { PeopleServer } from "../handshake.ts";
import { createLogger } from "../log.ts";
import { type SeatClaims, seatKeyOf } from "../seatClaims.ts";
import { BusKind, seatTakenBody } from "./busMessages.ts";
import type { ClusterSocket } from "./clusterNode.ts";
import type { NodeBus } from "./nodeBus.ts";

const log = createLogger("cluster-seats");

const seatRoom = (seat: string): string => `cluster:seat:${seat}`;

export class ClusterSeats {
  readonly stats = { replaced: 0 };

  constructor(
    private readonly io: PeopleServer,
    private readonly bus: NodeBus,
    private readonly claims: SeatClaims,
  ) {
    bus.handle(BusKind.seatTaken, (raw) => {
      const body = seatTakenBody.safeParse(raw);
      if (!body.success) return log.warn("unreadable seat claim from another node dropped");
      if (body.data.window !== undefined) this.claims.claim(body.data.seat, body.data.window);
      this.closeOlder(body.data.seat, body.data.keep);
    });
  }

  /** A new room connection on this node takes its person's seat, here and on every other node. */
  claim(socket: ClusterSocket): void {
    const { roomId, personId } = socket.data.seat;
    const seat = seatKeyOf(roomId, personId);
    this.closeOlder(seat, socket.id);
    const { window } = socket.data;
    this.bus.broadcast(BusKind.seatTaken, {
      seat,
      keep: socket.id,
      ...(window !== undefined ? { window } : {}),
    });
    void socket.join(seatRoom(seat));
  }

  private closeOlder(seat: string, keep: string): void {
    for (const id of [...(this.io.sockets.adapter.rooms.get(seatRoom(seat)) ?? [])]) {
      if (id === keep) continue;
      const older = this.io.sockets.sockets.get(id);
      if (!older) continue;
      this.stats.replaced += 1;
      older.data.memberId = ""; // not a departure: the person is here, in the newer window
      older.emit(Ev.protocolError, {
        code: ErrorCode.forbidden,
        message: "You joined from another window.",
        event: CloseReason.replaced,
      });
      older.disconnect(true);
      log.info("older window closed", { room: older.data.seat.roomId });
    }
  }
}
