/**
 * A replay shows what an observer in the room would have seen, not the care team's view: the
 * stored events and the starting room go through the same projection the live fan-out uses
 * (server/roomProjection.ts, driven by the one permission table in shared/access.ts) for the
 * observer role. The members' roles and aliases come from the stored join events, in join order,
 * so the same recording always projects the same way.
 *
 * One departure from the live observer: the alarms are shown as they were (issue 9: "the panels
 * show alarms and the procedure as they were"). A replay is only for staff who may read the record,
 * and they read the same alarms in its timeline; an Alarms card that always said "None" would tell
 * a reviewer that nothing went wrong. Who acknowledged one appears by alias, like every staff member.
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
    events: events.map((e) => withAlarm(e, projectEvent(e, Role.observer, directory), directory)),
  };
}

/** The alarm the observer's projection withheld, put back with its acknowledger by alias. */
function withAlarm(
  event: RoomEvent,
  seen: DeliveredRoomEvent,
  directory: MemberDirectory,
): DeliveredRoomEvent {
  if (event.body.type !== "alarm") return seen;
  const { acknowledgedBy, ...alarm } = event.body.alarm;
  return {
    seq: event.seq,
    at: event.at,
    body: {
      type: "alarm",
      alarm:
        acknowledgedBy === undefined
          ? alarm
          : { ...alarm, acknowledgedBy: directory.aliasOf(acknowledgedBy) },
    },
  };
}
