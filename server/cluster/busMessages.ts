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

/** The owner's answer to a join: the member, its welcome snapshot and the room's poses (base64). */
export type JoinAnswer =
  | { ok: true; memberId: string; rejoined: boolean; snapshot: unknown; poses: string | null }
  | { ok: false; notOwner?: true; message: string };

/** An answer from a node that is not (or no longer) the room's owner under that grant. */
export const NOT_OWNER = { ok: false, notOwner: true, message: "not the owner of this room" } as const;

export function isNotOwner(answer: unknown): boolean {
  return (
    typeof answer === "object" && answer !== null && (answer as { notOwner?: unknown }).notOwner === true
  );
}
