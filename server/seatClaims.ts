/**
 * Which window holds each person's seat in a room, so that a window whose seat was taken cannot
 * take it back by merely reconnecting.
 *
 * Every page load has its own window id (`PersonAuth.window`). A window that loads, or whose person
 * chose "Use it here", claims the seat and the older window is closed (the gateway does that). A
 * window that reconnects by itself (`resume`: after a drop, a restart) may come back only if no
 * other window claimed the seat since it held it: otherwise a drop at the moment another window
 * took over, which a busy Wi-Fi makes likely, would hand the seat back to the window the person
 * just left, and the two would take turns. A seat nobody claims (its window left for good, or the
 * server restarted) is free for whoever comes first. Voice follows the claim: a window gets the
 * room's voice line only while it holds the seat.
 *
 * Pure and in memory; across nodes every node hears every claim (server/cluster/clusterSeats.ts).
 * A claim is released when its window leaves for good on this node; one whose window never came
 * back is kept until `maxSeats` newer claims push it out (forgetting a claim only lets a window
 * resume, as before there were claims).
 */

/** A person's seat in a room: `roomId|personId`. */
export const seatKeyOf = (roomId: string, personId: string): string => `${roomId}|${personId}`;

/** Seats remembered at most: far more than a clinic's rooms × people in a day. */
export const MAX_SEAT_CLAIMS = 20_000;

export class SeatClaims {
  /** Insertion order is claim order: the oldest claim is forgotten first. */
  private readonly holders = new Map<string, string>();

  constructor(private readonly maxSeats = MAX_SEAT_CLAIMS) {}

  /** `window` now holds the seat (it loaded, chose "Use it here", or came back to a free seat). */
  claim(seat: string, window: string): void {
    this.holders.delete(seat);
    this.holders.set(seat, window);
    if (this.holders.size > this.maxSeats) this.holders.delete(this.holders.keys().next().value!);
  }

  /** Whether a window reconnecting by itself may have the seat: nobody else claimed it since. */
  mayResume(seat: string, window: string): boolean {
    const holder = this.holders.get(seat);
    return holder === undefined || holder === window;
  }

  /** Whether `window` holds the seat now; a connection that names no window is not told apart. */
  holds(seat: string, window: string | undefined): boolean {
    if (window === undefined) return true;
    return this.mayResume(seat, window);
  }

  /** The window left the room for good: its seat is free again (unless another window holds it). */
  release(seat: string, window: string): void {
    if (this.holders.get(seat) === window) this.holders.delete(seat);
  }

  /** Seats with a holder (for tests and logs). */
  get size(): number {
    return this.holders.size;
  }
}
