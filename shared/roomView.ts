/**
 * The room as one client sees it: a snapshot with reliable events applied in order.
 * Pure, so the same code runs in the browser and in the convergence property test.
 */
import type { DeliveredRoomEvent, RoomSnapshot } from "./protocol.ts";

export type ApplyOutcome = "applied" | "stale" | "gap";

/**
 * Applies one reliable event. A `gap` means an event was missed: the caller must ask for a fresh
 * snapshot (and drop this event). `stale` events (already covered by the snapshot) are ignored.
 * A `withheld` event (one this client's role may not see) only moves the sequence on.
 */
export function applyRoomEvent(view: RoomSnapshot, event: DeliveredRoomEvent): ApplyOutcome {
  if (event.seq <= view.seq) return "stale";
  if (event.seq !== view.seq + 1) return "gap";
  view.seq = event.seq;
  const body = event.body;
  switch (body.type) {
    case "member_joined":
    case "member_updated": {
      const i = view.members.findIndex((m) => m.memberId === body.member.memberId);
      if (i >= 0) view.members[i] = body.member;
      else view.members.push(body.member);
      break;
    }
    case "member_left":
      view.members = view.members.filter((m) => m.memberId !== body.memberId);
      break;
    case "otto":
      view.otto = body.otto;
      break;
    case "procedure":
      view.procedure = body.procedure;
      break;
    case "comfort":
      view.comfort = body.comfort;
      break;
    case "checkin":
      break;
    case "alarm": {
      const i = view.alarms.findIndex((a) => a.id === body.alarm.id);
      if (i >= 0) view.alarms[i] = body.alarm;
      else view.alarms.push(body.alarm);
      break;
    }
    case "team_checking":
      view.teamChecking = body.checking;
      break;
    case "withheld":
    case "otto_heard": // Words, not room state
      break;
    case "device": {
      const i = view.devices.findIndex((d) => d.deviceId === body.device.deviceId);
      if (i >= 0) view.devices[i] = body.device;
      else view.devices.push(body.device);
      break;
    }
    case "firmware_quarantined": {
      const { firmware, since, by, reason, retracted } = body;
      if (!view.quarantinedFirmware.includes(firmware)) view.quarantinedFirmware.push(firmware);
      view.firmwareHistory.push({
        action: "quarantine",
        firmware,
        since,
        at: event.at,
        by,
        reason,
        retracted,
      });
      break;
    }
    case "firmware_lifted":
      view.quarantinedFirmware = view.quarantinedFirmware.filter((f) => f !== body.firmware);
      view.firmwareHistory.push({
        action: "lift",
        firmware: body.firmware,
        at: event.at,
        by: body.by,
        reason: body.reason,
      });
      break;
  }
  return "applied";
}
