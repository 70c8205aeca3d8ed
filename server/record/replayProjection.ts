/**
 * A replay shows what an observer in the room would have seen, not the care team's view: the
 * stored events and the starting room go through the same projection the live fan-out uses
 * (server/roomProjection.ts, driven by the one permission table in shared/access.ts) for the
 * observer role. The members' roles and aliases come from the stored join events, in join order,
 * so the same recording always projects the same way.
 */
import type { DeliveredRoomEvent, RoomEvent, RoomSnapshot } from "../../shared/protocol.ts";
import { Role } from "../../shared/roles.ts";
import { type MemberDirectory, projectEvent, projectSnapshot } from "../roomProjection.ts";

/** Who was in the room by the stored events: each member's role and a stable alias ("member-1"...). */
export function directoryOfEvents(events: readonly RoomEvent[]): MemberDirectory {
  const known = new Map<string, { alias: string; role: Role }>();
  for (const e of events) {
    if (e.body.type !== "member_joined" && e.body.type !== "member_updated") continue;
    const m = e.body.member;
    const had = known.get(m.memberId);
    known.set(m.memberId, { alias: had?.alias ?? `member-${known.size + 1}`, role: m.role });
  }
  return {
    aliasOf: (memberId) => known.get(memberId)?.alias ?? "member-unknown",
    roleOf: (memberId) => known.get(memberId)?.role ?? null,
  };
}

/** The starting room and the stored events as an observer would have received them. */
export function observerReplay(
  initial: RoomSnapshot,
  events: readonly RoomEvent[],
): { initial: RoomSnapshot; events: DeliveredRoomEvent[] } {
  const directory = directoryOfEvents(events);
  return {
    initial: projectSnapshot(initial, Role.observer, directory),
    events: events.map((e) => projectEvent(e, Role.observer, directory)),
  };
}
