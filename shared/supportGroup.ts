/**
 * Noah's support group (issue 12): a second kind of room, a circle of up to 12 people for dental
 * and emotional wellness. Patients the clinic invited take part under a name they choose; the
 * host (an assistant such as Noah, or a clinician) leads; Otto sits in. Nothing clinical exists
 * here: no record, no readings, no procedure, no alarm. The view, the events and their schemas
 * live in this file; who may do what is `GROUP_ACCESS` in shared/access.ts.
 */
import { z } from "zod";
import {
  Ev,
  type Result,
  type VoiceClientToServerEvents,
  type VoiceServerToClientEvents,
} from "./protocol.ts";

/** People in the circle at once, host included (Otto is extra). */
export const GROUP_CAPACITY = 12;

export const GroupRole = { host: "host", participant: "participant", otto: "otto" } as const;
export type GroupRole = (typeof GroupRole)[keyof typeof GroupRole];

/** Why a group connection was closed on purpose. */
export const GroupCloseReason = {
  removed: "removed_by_host",
  ended: "group_ended",
  replaced: "replaced_by_new_connection",
} as const;
export type GroupCloseReason = (typeof GroupCloseReason)[keyof typeof GroupCloseReason];

/** A name someone chooses for the circle: a first name or a nickname, never checked against a record. */
export const chosenNameSchema = z
  .string()
  .trim()
  .min(1, { message: "choose a name to be called in the group" })
  .max(32, { message: "a name of 32 characters at most" })
  .regex(/^[\p{L}\p{N} .'-]+$/u, { message: "a name may hold letters, digits, spaces, . ' and -" });

export const agendaTopicSchema = z.strictObject({
  title: z.string().trim().min(2).max(80),
  minutes: z.number().int().min(1).max(60),
});
export type AgendaTopic = z.infer<typeof agendaTopicSchema>;

/** `POST /api/groups`: the host schedules a session with its agenda. */
export const scheduleGroupSchema = z.strictObject({
  title: z.string().trim().min(3).max(80),
  /** ISO date-time of the session's start. */
  startsAt: z.iso.datetime({ offset: true }),
  agenda: z.array(agendaTopicSchema).max(10),
});
export type ScheduleGroup = z.infer<typeof scheduleGroupSchema>;

export const groupIdSchema = z.string().regex(/^g-[A-Za-z0-9_-]{6,40}$/, "a group id");

/** What a group page sends in `io("/group", { auth })`: an invitation and a chosen name, or (the host) nothing but its staff cookie. */
export const groupAuthSchema = z.strictObject({
  protocolVersion: z.number().int(),
  groupId: groupIdSchema,
  invite: z.string().min(10).max(1024).optional(),
  name: chosenNameSchema.optional(),
});
export type GroupAuth = z.infer<typeof groupAuthSchema>;

/** Group event names, once. */
export const GroupEv = {
  view: "group:view",
  closed: "group:closed",
  hand: "group:hand",
  mute: "group:mute",
  remove: "group:remove",
  lock: "group:lock",
  topic: "group:topic",
  note: "group:note",
  keep: "group:keep",
  end: "group:end",
} as const;
export type GroupCommand = Exclude<
  (typeof GroupEv)[keyof typeof GroupEv],
  typeof GroupEv.view | typeof GroupEv.closed
>;

const memberId = z.string().min(1).max(100);

/** Schemas of every group command, keyed by event name. */
export const groupPayloadSchemas = {
  [GroupEv.hand]: z.strictObject({ raised: z.boolean() }),
  [GroupEv.mute]: z.strictObject({ memberId, muted: z.boolean() }),
  [GroupEv.remove]: z.strictObject({ memberId }),
  [GroupEv.lock]: z.strictObject({ locked: z.boolean() }),
  /** Start a topic of the agenda by its index, or null to pause the agenda. */
  [GroupEv.topic]: z.strictObject({ index: z.number().int().min(0).max(9).nullable() }),
  [GroupEv.note]: z.strictObject({ text: z.string().trim().min(1).max(280) }),
  [GroupEv.keep]: z.strictObject({ agree: z.boolean() }),
  [GroupEv.end]: z.strictObject({}),
} as const satisfies Record<GroupCommand, z.ZodType>;
export type GroupPayload<E extends GroupCommand> = z.infer<(typeof groupPayloadSchemas)[E]>;

export interface GroupMemberView {
  memberId: string;
  /** The chosen name (participants), the host's first name, or "Otto". */
  name: string;
  role: GroupRole;
  handRaised: boolean;
  /** Muted by the host: their microphone stays off until the host lets them speak. */
  mutedByHost: boolean;
  /** Small integer that names this member in binary pose batches (the pose path of the treatment room). */
  slot: number;
  connected: boolean;
}

export interface GroupNote {
  id: number;
  text: string;
  by: string;
  at: number;
}

export interface GroupView {
  groupId: string;
  title: string;
  startsAt: string;
  /** Nobody new may join while locked (members who dropped may come back). */
  locked: boolean;
  agenda: AgendaTopic[];
  /** The topic running now, with its timer. */
  topic: { index: number; startedAt: number; endsAt: number } | null;
  members: GroupMemberView[];
  board: {
    notes: GroupNote[];
    /** Members (not Otto) who agreed to keep the notes. */
    keepVotes: string[];
    /** Everyone present agreed: the notes are kept when the session ends; otherwise they are erased. */
    kept: boolean;
  };
  /** Otto's last words to the circle. */
  otto: string | null;
  /** The receiving member. */
  you: string;
  serverTime: number;
}

/** A scheduled group as the host's list shows it. */
export interface GroupSummary {
  groupId: string;
  title: string;
  startsAt: string;
  agenda: AgendaTopic[];
  hostName: string;
  /** Members in the circle now. */
  present: number;
}

/** Whether the board is kept: at least one person present, and every person present (not Otto) agreed. */
export function notesKept(presentPeople: readonly string[], votes: ReadonlySet<string>): boolean {
  return presentPeople.length > 0 && presentPeople.every((id) => votes.has(id));
}

/** Seconds left on the current topic's timer (0 when it ran out or none runs). */
export function topicSecondsLeft(view: Pick<GroupView, "topic">, now: number): number {
  if (!view.topic) return 0;
  return Math.max(0, Math.ceil((view.topic.endsAt - now) / 1000));
}

/** Ack of a group command: the circle as it is now, or a refusal. */
export type GroupAck = (result: Result<GroupView>) => void;

/** What a group page may send on `/group` (besides voice signals, VoiceClientToServerEvents). */
export interface GroupClientToServerEvents extends VoiceClientToServerEvents {
  [GroupEv.hand]: (p: GroupPayload<typeof GroupEv.hand>, ack: GroupAck) => void;
  [GroupEv.mute]: (p: GroupPayload<typeof GroupEv.mute>, ack: GroupAck) => void;
  [GroupEv.remove]: (p: GroupPayload<typeof GroupEv.remove>, ack: GroupAck) => void;
  [GroupEv.lock]: (p: GroupPayload<typeof GroupEv.lock>, ack: GroupAck) => void;
  [GroupEv.topic]: (p: GroupPayload<typeof GroupEv.topic>, ack: GroupAck) => void;
  [GroupEv.note]: (p: GroupPayload<typeof GroupEv.note>, ack: GroupAck) => void;
  [GroupEv.keep]: (p: GroupPayload<typeof GroupEv.keep>, ack: GroupAck) => void;
  [GroupEv.end]: (p: GroupPayload<typeof GroupEv.end>, ack: GroupAck) => void;
  [Ev.pose]: (pose: ArrayBuffer | Uint8Array) => void;
}

/** What the server sends on `/group`: the circle, its closing, poses, voice signals, errors. Nothing clinical. */
export interface GroupServerToClientEvents extends VoiceServerToClientEvents {
  [GroupEv.view]: (view: GroupView) => void;
  [GroupEv.closed]: (p: { reason: GroupCloseReason; message: string }) => void;
  [Ev.poses]: (batch: ArrayBuffer | Uint8Array) => void;
}
