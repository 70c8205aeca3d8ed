/**
 * What nodes say to each other about a room, as zod schemas: each body is checked when it arrives
 * (a node never trusts a message's shape, even from a peer). Every room message names the fencing
 * number of the owner it was meant for: an owner answers `notOwner` to a grant it no longer holds.
 */
import { z } from "zod";
import { AUDIENCE_ROLES } from "../../shared/roles.ts";

export const BusKind = {
  join: "room:join",
  pose: "room:pose",
  snapshot: "room:snapshot",
  command: "room:command",
  depart: "room:depart",
  ingest: "device:ingest",
  /** To every node: a clinic's firmware quarantine or lift, stored by the node that ran it. */
  firmware: "clinic:firmware",
  /** To every node: a newer window took a person's seat; older windows of it close. */
  seatTaken: "room:seat-taken",
  /** To every node: a support group was scheduled, invited to, ended or cancelled (read it again). */
  groupChanged: "clinic:group-changed",
  /** To every node: a support group's invitation was withdrawn (refused at once). */
  inviteWithdrawn: "clinic:invite-withdrawn",
} as const;

const toRoom = {
  appointmentId: z.string().min(1).max(128),
  fence: z.number().int().positive(),
};

export const joinBody = z.strictObject({
  ...toRoom,
  personId: z.string().min(1).max(128),
  displayName: z.string().max(200),
  role: z.enum(AUDIENCE_ROLES),
  /** The member's connection on its own node: the owner sends it its welcome. */
  socketId: z.string().min(1).max(64),
  /** The member this connection was before its link dropped, when Socket.IO recovered it; else null. */
  recoveredAs: z.string().max(160).nullable(),
});

export const poseBody = z.strictObject({
  ...toRoom,
  memberId: z.string().min(1).max(160),
  /** The 31-byte pose, base64. */
  pose: z.string().max(64),
});

export const snapshotBody = z.strictObject({ ...toRoom, memberId: z.string().min(1).max(160) });

export const commandBody = z.strictObject({
  ...toRoom,
  memberId: z.string().min(1).max(160),
  personId: z.string().min(1).max(128),
  role: z.enum(AUDIENCE_ROLES),
  event: z.string().min(1).max(64),
  payload: z.unknown(),
});

export const departBody = z.strictObject({
  ...toRoom,
  memberId: z.string().min(1).max(160),
  how: z.enum(["leave", "drop"]),
  reason: z.string().max(200),
});

export const ingestBody = z.strictObject({
  deviceId: z.string().min(1).max(128),
  bootId: z.string().min(1).max(128),
  batch: z.unknown(),
});

const text = z.string().min(1).max(500);
export const firmwareBody = z.strictObject({
  clinicId: z.string().min(1).max(128),
  action: z.discriminatedUnion("action", [
    z.strictObject({
      action: z.literal("quarantine"),
      firmware: z.string().min(1).max(64),
      since: z.number(),
      at: z.number(),
      by: z.string().min(1).max(128),
      reason: text,
      retracted: z.number().int().nonnegative(),
    }),
    z.strictObject({
      action: z.literal("lift"),
      firmware: z.string().min(1).max(64),
      at: z.number(),
      by: z.string().min(1).max(128),
      reason: text,
    }),
  ]),
});

export const seatTakenBody = z.strictObject({
  /** `roomId|personId` (server/seatClaims.ts seatKeyOf). */
  seat: z.string().min(1).max(300),
  /** The connection that keeps the seat (its Socket.IO id). */
  keep: z.string().min(1).max(64),
  /** The window that claimed the seat (server/seatClaims.ts), when the page named one. */
  window: z.string().min(1).max(64).optional(),
});

export const groupChangedBody = z.strictObject({ groupId: z.string().min(1).max(64) });

export const inviteWithdrawnBody = z.strictObject({ inviteId: z.string().min(1).max(64) });

/**
 * The owner's answer to a join: the member. Its welcome (or, when it resumes, none) and the room's
 * poses were sent by the owner to its connection through the Redis stream, in order with the room's
 * events: a connection must get its stream entries in the stream's order, or the recovery offset it
 * keeps (the last one it got) goes back, and a recovery replays what it already had.
 */
export type JoinAnswer =
  | { ok: true; memberId: string; rejoined: boolean; resumed: boolean }
  | { ok: false; notOwner?: true; message: string };

/** An answer from a node that is not (or no longer) the room's owner under that grant. */
export const NOT_OWNER = { ok: false, notOwner: true, message: "not the owner of this room" } as const;

export function isNotOwner(answer: unknown): boolean {
  return (
    typeof answer === "object" && answer !== null && (answer as { notOwner?: unknown }).notOwner === true
  );
}
