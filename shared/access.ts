/**
 * Who may do and who may see what, in one table (minimum necessary, DOMAIN.md).
 *
 * - DO: every client command × role (`COMMAND_ACCESS`), and every procedure command × role
 *   (`PROCEDURE_GRANTS`, read by the procedure machine after the patient's stop).
 * - SEE: every server→client stream (`STREAM_ACCESS`), every room event type (`EVENT_ACCESS`) and
 *   every snapshot field (`SNAPSHOT_ACCESS`) × role, as a `Sight`.
 *
 * The tables are `Record`s over the protocol's own types, so a new command, stream, event type or
 * snapshot field without a row does not compile. The server's checks, fan-out and snapshot and
 * the client's controls all read them; nothing else spells a role rule.
 */
import { type GroupLessonCommand, GroupLessonEv } from "./lessons.ts";
import { ProcedureCommand } from "./procedure/types.ts";
import {
  type ClientToServerEvents,
  Ev,
  type RoomEventType,
  type RoomSnapshot,
  type ServerToClientEvents,
} from "./protocol.ts";
import type { StaffRole } from "./records.ts";
import { type AudienceRole, INVITE_ROLES, Role } from "./roles.ts";
import { type GroupCommand, GroupEv, GroupRole } from "./supportGroup.ts";

// ---------------------------------------------------------------------------------------------
// DO: procedure commands

/** How far a role may use a procedure command. */
export const Grant = {
  /** Never. */
  no: "no",
  /** Whenever the procedure's state allows it. */
  yes: "yes",
  /**
   * Only when neither the current step nor the step it would land on is automated, and never to
   * leave the patient's stop (the assistant cannot run automated steps or overrule the patient).
   */
  manualStepsOnly: "manual_steps_only",
} as const;
export type Grant = (typeof Grant)[keyof typeof Grant];

type CommandGrants = Readonly<Record<ProcedureCommand, Grant>>;

const NOTHING: CommandGrants = {
  start: Grant.no,
  pause: Grant.no,
  resume: Grant.no,
  next: Grant.no,
  repeat: Grant.no,
  abort: Grant.no,
  stop: Grant.no,
  ready: Grant.no,
  override: Grant.no,
};

/**
 * Role × procedure command → grant. The patient's stop is special: the machine accepts it before
 * it reads this table, so no entry here can ever lock it out.
 */
export const PROCEDURE_GRANTS: Readonly<Record<Role, CommandGrants>> = {
  [Role.patient]: { ...NOTHING, stop: Grant.yes, ready: Grant.yes },
  [Role.clinician]: {
    ...NOTHING,
    start: Grant.yes,
    pause: Grant.yes,
    resume: Grant.yes,
    next: Grant.yes,
    repeat: Grant.yes,
    abort: Grant.yes,
    override: Grant.yes,
  },
  [Role.assistant]: {
    ...NOTHING,
    pause: Grant.yes,
    resume: Grant.manualStepsOnly,
    next: Grant.manualStepsOnly,
    repeat: Grant.manualStepsOnly,
  },
  [Role.observer]: NOTHING,
  /** The demo screen watches the story; the simulated care team drives it. */
  [Role.presenter]: NOTHING,
  /** Otto narrates and answers; it never drives the procedure. */
  [Role.otto]: NOTHING,
};

/** The grant a role holds for a procedure command. */
export function grantFor(role: Role, command: ProcedureCommand): Grant {
  return PROCEDURE_GRANTS[role][command];
}

/** Procedure commands a role may send at all (for buttons); state and step kind may still refuse them. */
export function commandsFor(role: Role): ProcedureCommand[] {
  return Object.values(ProcedureCommand).filter((c) => PROCEDURE_GRANTS[role][c] !== Grant.no);
}

const ROLE_NAMES: Readonly<Record<Role, string>> = {
  [Role.patient]: "The patient",
  [Role.clinician]: "A clinician",
  [Role.assistant]: "An assistant",
  [Role.observer]: "An observer",
  [Role.presenter]: "The demo screen",
  [Role.otto]: "Otto",
};

const COMMAND_PHRASES: Readonly<Record<ProcedureCommand, string>> = {
  start: "start the procedure",
  pause: "pause the procedure",
  resume: "resume the procedure",
  next: "move to the next step",
  repeat: "repeat the step",
  abort: "abort the procedure",
  stop: "give the patient's stop signal",
  ready: "say the patient is ready",
  override: "override the safety interlock",
};

/** Plain sentence for a refusal: "An observer cannot abort the procedure." */
export function refusalMessage(role: Role, command: ProcedureCommand): string {
  return `${ROLE_NAMES[role]} cannot ${COMMAND_PHRASES[command]}.`;
}

// ---------------------------------------------------------------------------------------------
// DO: client commands

/** Every event a person's client may send. */
export type ClientCommand = keyof ClientToServerEvents;

export interface CommandRule {
  /** Roles that may send it. */
  who: readonly Role[];
  /** The sentence a refused sender reads. */
  refusal: string;
}

/** Invited people; not the presenter, which has no body in the scene and so sends no pose. */
const PEOPLE: readonly Role[] = INVITE_ROLES;
/** Everyone who watches the room, the presenter included. */
const AUDIENCE: readonly Role[] = [...INVITE_ROLES, Role.presenter];
const CARE_TEAM: readonly Role[] = [Role.clinician, Role.assistant];
/** Those who see telemetry: the care team and the demo screen. */
const CARE_TEAM_AND_PRESENTER: readonly Role[] = [...CARE_TEAM, Role.presenter];
const CLINICIAN: readonly Role[] = [Role.clinician];
const PATIENT: readonly Role[] = [Role.patient];
const PATIENT_AND_CARE_TEAM: readonly Role[] = [Role.patient, Role.clinician, Role.assistant];

/**
 * Client command × role. `procedure:command` is decided per command by `PROCEDURE_GRANTS` inside
 * the procedure machine (after the patient's stop); its `who` here is derived from those grants.
 */
export const COMMAND_ACCESS: Readonly<Record<ClientCommand, CommandRule>> = {
  [Ev.pose]: { who: PEOPLE, refusal: "Only people in the room send poses." },
  [Ev.snapshot]: { who: AUDIENCE, refusal: "Only people in the room see it." },
  [Ev.procedureSelect]: { who: CLINICIAN, refusal: "Only a clinician can choose the procedure." },
  [Ev.procedureCommand]: {
    who: Object.values(Role).filter((r) => commandsFor(r).length > 0),
    refusal: "This role cannot control the procedure.",
  },
  [Ev.mdasSubmit]: { who: PATIENT, refusal: "Only the patient fills in the questionnaire." },
  [Ev.checkinSubmit]: { who: PATIENT, refusal: "Only the patient answers a comfort check-in." },
  [Ev.checkinRequest]: { who: CARE_TEAM, refusal: "Only the care team can ask for a check-in." },
  [Ev.breathing]: {
    who: PATIENT_AND_CARE_TEAM,
    refusal: "Only the patient and the care team can change the breathing coach.",
  },
  [Ev.surroundings]: {
    who: PATIENT_AND_CARE_TEAM,
    refusal: "Only the patient and the care team can change the surroundings.",
  },
  // Otto answers the patient's own menu questions, to the patient; the care team speaks for itself.
  [Ev.ottoAsk]: { who: PATIENT, refusal: "Only the patient asks Otto questions." },
  // IEC 60601-1-8 practice (DOMAIN.md): a clinician acknowledges; the care team may silence.
  [Ev.alarmAck]: { who: CLINICIAN, refusal: "Only a clinician can acknowledge an alarm." },
  [Ev.alarmSilence]: { who: CARE_TEAM, refusal: "Only the care team can silence alarms." },
  // Quarantining firmware retracts readings, so only a clinician may do it.
  [Ev.firmwareQuarantine]: { who: CLINICIAN, refusal: "Only a clinician can quarantine firmware." },
  [Ev.firmwareLift]: { who: CLINICIAN, refusal: "Only a clinician can lift a firmware quarantine." },
  // Reads, not actions: the presenter may ask for what it already sees (snapshot, sensor history).
  [Ev.soeHistory]: { who: CARE_TEAM_AND_PRESENTER, refusal: "Sensor history is for the care team." },
  // The patient tells Otto in their own words; the care team speaks for itself.
  [Ev.ottoTell]: { who: PATIENT, refusal: "Only the patient talks to Otto here." },
};

/** Whether a role may send a command at all. */
export function mayDo(role: Role, command: ClientCommand): boolean {
  return COMMAND_ACCESS[command].who.includes(role);
}

/** The refusal sentence when a role may not send a command, else null. */
export function commandRefusal(role: Role, command: ClientCommand): string | null {
  return mayDo(role, command) ? null : COMMAND_ACCESS[command].refusal;
}

// ---------------------------------------------------------------------------------------------
// SEE

/** How much of a field or an event one role receives. */
export const Sight = {
  /** As it is: everything in the room. */
  full: "full",
  /**
   * The patient's own data without the care team's notes about it: comfort with the patient's own
   * answers and controls, but no heart-rate baseline and no reason for a check-in request.
   */
  own: "own",
  /**
   * What the care team shares with the room: members by role and seat under stable aliases (no
   * person ids; staff by role, not name; the patient sees themself in full), Otto's state and its
   * words to the patient only, the procedure's plan, step and status without reasons, overrides or
   * the interlock's device wording, and of comfort only the surroundings and breathing coach.
   */
  shared: "shared",
  /**
   * Nothing: an empty list in a snapshot, and in the event stream a `withheld` placeholder with
   * the same `seq`, so the receiver's sequence has no gap.
   */
  none: "none",
} as const;
export type Sight = (typeof Sight)[keyof typeof Sight];

/** Snapshot fields that have a shared form. */
type ShareableField = "you" | "members" | "otto" | "procedure" | "comfort";
/** Snapshot fields that have an `own` form. */
type OwnField = "comfort";
/** Snapshot fields that can be withheld (they are lists; withheld means empty). */
type WithholdableField = "alarms" | "devices" | "quarantinedFirmware" | "firmwareHistory";
/** Room event types that have a shared form; every event type can be withheld. */
type ShareableEvent = "member_joined" | "member_updated" | "member_left" | "otto" | "procedure" | "comfort";
type OwnEvent = "comfort";

/** The sights a snapshot field can have: the table cannot name a form that does not exist. */
export type FieldSight<K extends keyof RoomSnapshot> =
  | typeof Sight.full
  | (K extends OwnField ? typeof Sight.own : never)
  | (K extends ShareableField ? typeof Sight.shared : never)
  | (K extends WithholdableField ? typeof Sight.none : never);

/** The sights a room event type can have. */
export type EventSight<T extends RoomEventType> =
  | typeof Sight.full
  | (T extends OwnEvent ? typeof Sight.own : never)
  | (T extends ShareableEvent ? typeof Sight.shared : never)
  | typeof Sight.none;

type ByRole<S> = Readonly<Record<AudienceRole, S>>;

/**
 * One row: the patient, the care team, the observer, the presenter. The presenter is the demo
 * screen, minted only for the demo clinic (fictional patients), so it sees what the care team
 * sees: the story's interlock, alarms and quarantine are the point of the demo.
 */
function rule<S>(patient: S, care: S, observer: S, presenter: S): ByRole<S> {
  return { patient, clinician: care, assistant: care, observer, presenter };
}

const { full, own, shared, none } = Sight;

/** Snapshot field × role. */
export const SNAPSHOT_ACCESS: { readonly [K in keyof RoomSnapshot]: ByRole<FieldSight<K>> } = {
  protocolVersion: rule(full, full, full, full),
  appointment: rule(full, full, full, full),
  you: rule(shared, full, shared, full),
  seq: rule(full, full, full, full),
  members: rule(shared, full, shared, full),
  otto: rule(shared, full, shared, full),
  procedure: rule(shared, full, shared, full),
  comfort: rule(own, full, shared, full),
  alarms: rule(none, full, none, full),
  teamChecking: rule(full, full, full, full),
  devices: rule(none, full, none, full),
  quarantinedFirmware: rule(none, full, none, full),
  firmwareHistory: rule(none, full, none, full),
  serverTime: rule(full, full, full, full),
};

/** Room event type × role. Clinic-wide events (firmware quarantines) go to the care team (and the demo screen) only. */
export const EVENT_ACCESS: { readonly [T in RoomEventType]: ByRole<EventSight<T>> } = {
  member_joined: rule(shared, full, shared, full),
  member_updated: rule(shared, full, shared, full),
  member_left: rule(shared, full, shared, full),
  otto: rule(shared, full, shared, full),
  procedure: rule(shared, full, shared, full),
  comfort: rule(own, full, shared, full),
  checkin: rule(full, full, none, full),
  alarm: rule(none, full, none, full),
  team_checking: rule(full, full, full, full),
  device: rule(none, full, none, full),
  firmware_quarantined: rule(none, full, none, full),
  firmware_lifted: rule(none, full, none, full),
  // The patient's own words: theirs and the care team's, never an observer's
  otto_heard: rule(full, full, none, full),
};

/**
 * Server→client stream × role: whether the role receives it at all. Room events and snapshots are
 * then cut per type and field by the tables above; `protocol:error` only ever goes to the socket
 * that caused it.
 */
export const STREAM_ACCESS: Readonly<Record<keyof ServerToClientEvents, ByRole<boolean>>> = {
  [Ev.welcome]: rule(true, true, true, true),
  [Ev.roomEvent]: rule(true, true, true, true),
  [Ev.poses]: rule(true, true, true, true),
  [Ev.readings]: rule(false, true, false, true),
  [Ev.protocolError]: rule(true, true, true, true),
};

export function fieldSight<K extends keyof RoomSnapshot>(role: AudienceRole, field: K): FieldSight<K> {
  return SNAPSHOT_ACCESS[field][role];
}

export function eventSight<T extends RoomEventType>(role: AudienceRole, type: T): EventSight<T> {
  return EVENT_ACCESS[type][role];
}

export function mayReceive(role: AudienceRole, stream: keyof ServerToClientEvents): boolean {
  return STREAM_ACCESS[stream][role];
}

// ---------------------------------------------------------------------------------------------
// The staff area (issue 8): what each staff role may do outside a room

/** Everything a signed-in staff member can ask of the staff area and the room doors. */
export const StaffAction = {
  patientsRead: "patients.read",
  patientsWrite: "patients.write",
  patientsArchive: "patients.archive",
  appointmentsRead: "appointments.read",
  appointmentsWrite: "appointments.write",
  devicesRead: "devices.read",
  /** Pair, unpair and rotate an SOE's key. */
  devicesWrite: "devices.write",
  staffRead: "staff.read",
  /** Create, edit, disable staff accounts and hand out their enrolment links. */
  staffWrite: "staff.write",
  /** Enter an appointment's treatment room (as that appointment's clinician or assistant). */
  roomsEnter: "rooms.enter",
  /** Pair the patient's headset to an appointment, or hand it to the next patient. */
  headsetPair: "headset.pair",
  /** Invite (and revoke) observers of an appointment. */
  observersInvite: "observers.invite",
  /** Open a patient's record: visits, timelines, SOE trends, anxiety, replays (every read is audited). */
  recordsRead: "records.read",
  /** Download a visit or a patient's whole record as FHIR R4 (audited). */
  recordsExport: "records.export",
  /** Read, filter, export and verify the clinic's audit trail. */
  auditRead: "audit.read",
  /** Assign health education lessons to a patient and see their progress and answers. */
  lessonsAssign: "lessons.assign",
  // Schedule support groups, invite to them and host them.
  groupsHost: "groups.host",
} as const;
export type StaffAction = (typeof StaffAction)[keyof typeof StaffAction];

/**
 * Staff role × action. An admin runs the clinic's records but does not treat: an admin who is also
 * a dentist has a second, clinician account. Assistants book, pair devices and headsets; inviting
 * observers into a treatment is the clinician's call. Patients' records are read by the care team
 * (exported only by clinicians); the admin reads the audit trail, which names patients by id only.
 */
type ActionTable = Readonly<Record<StaffAction, boolean>>;

/** What every staff member may do: keep the clinic's patients, appointments and devices, see colleagues. */
const FRONT_DESK: ActionTable = {
  "patients.read": true,
  "patients.write": true,
  "patients.archive": false,
  "appointments.read": true,
  "appointments.write": true,
  "devices.read": true,
  "devices.write": true,
  "staff.read": true,
  "staff.write": false,
  "rooms.enter": false,
  "headset.pair": false,
  "observers.invite": false,
  "records.read": false,
  "records.export": false,
  "audit.read": false,
  "lessons.assign": false,
  "groups.host": false,
};

/** The assistant: the front desk, plus the treatment room, the patient's headset and record. */
const ASSISTANT: ActionTable = {
  ...FRONT_DESK,
  "rooms.enter": true,
  "headset.pair": true,
  "records.read": true,
  // Noah (an assistant) and the clinicians assign lessons
  "lessons.assign": true,
  "groups.host": true, // Noah, the assistant, hosts the support group
};

export const STAFF_ACCESS: Readonly<Record<StaffRole, ActionTable>> = {
  admin: { ...FRONT_DESK, "patients.archive": true, "staff.write": true, "audit.read": true },
  clinician: {
    ...ASSISTANT,
    "patients.archive": true,
    "observers.invite": true,
    "records.export": true,
  },
  assistant: ASSISTANT,
};

export function staffMay(role: StaffRole, action: StaffAction): boolean {
  return STAFF_ACCESS[role][action];
}

/**
 * Voice in a treatment room × role: who talks and listens. The patient and the care team talk with
 * each other; an observer (a student watching) and the demo screen neither speak nor hear, since
 * what is said in a treatment is the patient's business. Signalling is relayed only between two
 * members who both may talk, in the same room.
 */
export const VOICE_ACCESS: ByRole<boolean> = rule(true, true, false, false);

/** Whether a role takes part in a room's voice. */
export function mayTalk(role: AudienceRole): boolean {
  return VOICE_ACCESS[role];
}

// The support group
/**
 * Support group command × role (a second kind of room, shared/supportGroup.ts). Everyone may
 * raise a hand, write on the board and vote to keep it; only the host mutes, removes, locks, runs
 * the agenda and ends the session. Otto does nothing by command. No clinical command exists in a
 * group at all: its namespace knows none of the treatment room's events.
 */
export const GROUP_ACCESS: Readonly<Record<GroupCommand, readonly GroupRole[]>> = {
  [GroupEv.hand]: [GroupRole.host, GroupRole.participant],
  [GroupEv.mute]: [GroupRole.host],
  [GroupEv.remove]: [GroupRole.host],
  [GroupEv.lock]: [GroupRole.host],
  [GroupEv.topic]: [GroupRole.host],
  [GroupEv.note]: [GroupRole.host, GroupRole.participant],
  [GroupEv.keep]: [GroupRole.host, GroupRole.participant],
  [GroupEv.end]: [GroupRole.host],
  [GroupEv.handOver]: [GroupRole.host],
};

const GROUP_REFUSALS: Readonly<Record<GroupCommand, string>> = {
  [GroupEv.hand]: "Only people in the circle raise a hand.",
  [GroupEv.mute]: "Only the host can mute someone.",
  [GroupEv.remove]: "Only the host can ask someone to leave.",
  [GroupEv.lock]: "Only the host can lock the group.",
  [GroupEv.topic]: "Only the host runs the agenda.",
  [GroupEv.note]: "Only people in the circle write on the board.",
  [GroupEv.keep]: "Only people in the circle decide about the notes.",
  [GroupEv.end]: "Only the host ends the session.",
  [GroupEv.handOver]: "Only the host can hand the circle over.",
};

/** The refusal sentence when a group role may not send a command, else null. */
export function groupRefusal(role: GroupRole, command: GroupCommand): string | null {
  return GROUP_ACCESS[command].includes(role) ? null : GROUP_REFUSALS[command];
}

// A lesson for the support group's circle
/** Who may run a lesson for the circle and who may answer its quiz (their own answers only). */
export const GROUP_LESSON_ACCESS: Readonly<Record<GroupLessonCommand, readonly GroupRole[]>> = {
  [GroupLessonEv.lead]: [GroupRole.host],
  [GroupLessonEv.answer]: [GroupRole.host, GroupRole.participant],
};

const GROUP_LESSON_REFUSALS: Readonly<Record<GroupLessonCommand, string>> = {
  [GroupLessonEv.lead]: "Only the host runs a lesson for the circle.",
  [GroupLessonEv.answer]: "Only people in the circle answer the lesson's questions.",
};

/** The refusal sentence when a group role may not send a lesson command, else null. */
export function groupLessonRefusal(role: GroupRole, command: GroupLessonCommand): string | null {
  return GROUP_LESSON_ACCESS[command].includes(role) ? null : GROUP_LESSON_REFUSALS[command];
}
