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
  /** The host cancelled the session on the scheduling page. */
  cancelled: "group_cancelled",
  /** The host's staff sign-in ended (signed out, or revoked) while they were in the circle. */
  signedOut: "host_signed_out",
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
  /** The host passes the host role to another staff member in the circle. */
  handOver: "group:hand-over",
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
  [GroupEv.handOver]: z.strictObject({ memberId }),
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
  /** A staff member who may host (`groups.host`): the host can hand the circle over to them. */
  canHost?: boolean;
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
  /** The clinic's time zone it was scheduled in (IANA), for showing its wall-clock time. */
  timeZone: string;
  agenda: AgendaTopic[];
  hostName: string;
  /** Members in the circle now. */
  present: number;
  /** Invitations that still open the door (not withdrawn, not expired). */
  invited: number;
  /** The host's own link to the circle (no invitation: the host signs in). */
  link: string;
}

/** `POST /api/groups/:groupId/invites`: an invitation for one of the clinic's patients, or a plain link. */
export const inviteToGroupSchema = z.strictObject({
  patientId: z.string().min(1).max(100).optional(),
});
export type InviteToGroup = z.infer<typeof inviteToGroupSchema>;

/** One invitation as the host's scheduling page lists it. */
export interface GroupInvitation {
  inviteId: string;
  /** The patient it was made for, by the name the clinic knows them by (the host's page only: never in the circle). */
  patientName: string | null;
  createdAt: number;
  expiresAt: number;
  withdrawn: boolean;
  /** The link to copy, print or scan; null once withdrawn or expired. */
  link: string | null;
}

/** A patient the host may invite: a name and an id, nothing from the record. */
export interface InvitablePatient {
  patientId: string;
  displayName: string;
}

/** A past session whose group agreed to keep its notes. */
export interface PastGroup {
  groupId: string;
  title: string;
  startsAt: string;
  timeZone: string;
  endedAt: number;
  keptNotes: { text: string; by: string; at: number }[];
}

/**
 * The offset (minutes east of UTC) a time zone has at an instant, from Intl alone (no tz database
 * of our own): the zone's wall clock read back as if it were UTC, minus the instant.
 */
export function zoneOffsetMinutes(timeZone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return Math.round((wall - Math.floor(instant / 1000) * 1000) / 60_000);
}

/** An offset in minutes as ISO writes it: "+01:00", "-05:00", "+05:30". */
function isoOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/**
 * A wall-clock date and time in a time zone ("2026-12-03", "18:00", "Europe/Berlin") as an ISO
 * date-time with that zone's offset then ("2026-12-03T18:00:00+01:00"). Across a DST change it
 * does what calendars (and Temporal's "compatible") do: a wall time the change skips (02:30 on a
 * spring-forward night) moves forward by the gap (03:30, summer time); a wall time the change
 * repeats (02:30 on a fall-back night) is its first occurrence (still summer time).
 */
export function zonedIso(date: string, time: string, timeZone: string): string {
  const asUtc = Date.parse(`${date}T${time}:00Z`);
  if (Number.isNaN(asUtc)) throw new RangeError(`not a date and time: ${date} ${time}`);
  // A change moves a zone's offset at most once within a day: the offsets a day either side are
  // the two this wall time can have. Keep those that read back as this wall time.
  const before = zoneOffsetMinutes(timeZone, asUtc - 86_400_000);
  const after = zoneOffsetMinutes(timeZone, asUtc + 86_400_000);
  const fits = [...new Set([before, after])]
    .map((offset) => asUtc - offset * 60_000)
    .filter((instant) => instant + zoneOffsetMinutes(timeZone, instant) * 60_000 === asUtc)
    .sort((a, b) => a - b);
  // No fit: the change skipped this wall time; read it with the offset before the change.
  const instant = fits[0] ?? asUtc - before * 60_000;
  const offset = zoneOffsetMinutes(timeZone, instant);
  const wall = new Date(instant + offset * 60_000).toISOString().slice(0, 19);
  return `${wall}${isoOffset(offset)}`;
}

/**
 * An instant as the clinic reads it: "Thu 3 Dec 2026, 18:00 CET" in the clinic's time zone. The
 * zone's short name tells the two 02:30s of a fall-back night apart (CEST, then CET).
 */
export function clinicTime(iso: string, timeZone: string, locale = "en-GB"): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(iso));
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
  [GroupEv.handOver]: (p: GroupPayload<typeof GroupEv.handOver>, ack: GroupAck) => void;
  [Ev.pose]: (pose: ArrayBuffer | Uint8Array) => void;
}

/** What the server sends on `/group`: the circle, its closing, poses, voice signals, errors. Nothing clinical. */
export interface GroupServerToClientEvents extends VoiceServerToClientEvents {
  [GroupEv.view]: (view: GroupView) => void;
  [GroupEv.closed]: (p: { reason: GroupCloseReason; message: string }) => void;
  [Ev.poses]: (batch: ArrayBuffer | Uint8Array) => void;
}
