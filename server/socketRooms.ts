/**
 * Names of the Socket.IO rooms a person's connection joins, in one place: the treatment room
 * itself (poses, member changes), one per role (room events in that role's form), the care team's
 * (telemetry) and one per credential (so ending a credential cuts exactly its connections).
 */
import { mayReceive } from "../shared/access.ts";
import { Ev } from "../shared/protocol.ts";
import type { AudienceRole } from "../shared/roles.ts";

/** Socket.IO room for the care team of a treatment room (telemetry goes only there). */
export function careRoom(roomId: string): string {
  return `${roomId}:care`;
}

/** Socket.IO room for one role in a treatment room: room events reach it in that role's form. */
export function audienceRoom(roomId: string, role: AudienceRole): string {
  return `${roomId}:as:${role}`;
}

/** Socket.IO room of every connection admitted on one credential (staff session, headset, invite, demo pass). */
export function credentialRoom(credentialId: string): string {
  return `cred:${credentialId}`;
}

/** Every Socket.IO room a person joins: the treatment room, their role's, the care team's where shared/access.ts says, their credential's. */
export function roomsFor(roomId: string, role: AudienceRole, credentialId: string): string[] {
  const rooms = [roomId, audienceRoom(roomId, role), credentialRoom(credentialId)];
  if (mayReceive(role, Ev.readings)) rooms.push(careRoom(roomId));
  return rooms;
}
