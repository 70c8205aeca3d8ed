/**
 * Who is on a room's voice line, and whether a signal may pass: pure state, no sockets, so the one
 * rule (signals go only between two members of the same room, both on the line) is unit-tested.
 * The treatment room's voice gateway and the support group's gateway both keep one per room.
 */
import type { VoicePeer } from "../../shared/voice.ts";

interface Line {
  muted: boolean;
  /** How others see them on the line: a role in a treatment room, the chosen name in a group. */
  label: string;
  /** Which of their connections is on the line now (VoicePeer.line). */
  line: number;
}

export class VoiceSwitchboard {
  private readonly rooms = new Map<string, Map<string, Line>>();
  /** Muted by a support group's host: kept while the member is away, until the host lets them speak. */
  private readonly hostMuted = new Set<string>();

  /**
   * A member comes on the line (again: a second window, or the same one after a dropped link,
   * replaces the first, same member) on connection number `line`.
   */
  connect(roomId: string, memberId: string, label: string, line = 0): void {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = new Map();
      this.rooms.set(roomId, room);
    }
    const before = room.get(memberId);
    room.set(memberId, { muted: before?.muted ?? false, label, line });
  }

  disconnect(roomId: string, memberId: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.delete(memberId);
    if (room.size === 0) this.rooms.delete(roomId);
  }

  /** Whether `from` may send a signal to `to`: both on the same room's line, and not the same. */
  mayRelay(roomId: string, from: string, to: string): boolean {
    const room = this.rooms.get(roomId);
    return from !== to && room !== undefined && room.has(from) && room.has(to);
  }

  /**
   * Whether a signal the sender meant for `to`'s connection `line` still reaches it: no line given
   * means their live one; an older line is gone (they came back since), and its signal is stale.
   */
  isLive(roomId: string, to: string, line: number | undefined): boolean {
    const current = this.rooms.get(roomId)?.get(to);
    return current !== undefined && (line === undefined || line === current.line);
  }

  setMuted(roomId: string, memberId: string, muted: boolean): boolean {
    const line = this.rooms.get(roomId)?.get(memberId);
    if (!line) return false;
    line.muted = muted;
    return true;
  }

  /** The host mutes or lets speak (support group); kept while the member is away. */
  setMutedByHost(roomId: string, memberId: string, muted: boolean): void {
    if (muted) this.hostMuted.add(`${roomId}|${memberId}`);
    else this.hostMuted.delete(`${roomId}|${memberId}`);
  }

  isMutedByHost(roomId: string, memberId: string): boolean {
    return this.hostMuted.has(`${roomId}|${memberId}`);
  }

  /** Everyone on the line except `self`, as `self` sees them. */
  peersOf(roomId: string, self: string): VoicePeer[] {
    const room = this.rooms.get(roomId);
    if (!room) return [];
    const out: VoicePeer[] = [];
    for (const [memberId, line] of room) {
      if (memberId !== self)
        out.push({
          memberId,
          label: line.label,
          muted: line.muted || this.isMutedByHost(roomId, memberId),
          line: line.line,
        });
    }
    return out;
  }

  members(roomId: string): string[] {
    return [...(this.rooms.get(roomId)?.keys() ?? [])];
  }
}
