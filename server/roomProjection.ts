/**
 * The room as each role may see it: cuts a full snapshot or room event down to what
 * shared/access.ts grants that role. Pure; the fan-out and the snapshot call it once per role.
 * A room event a role may not see becomes a `withheld` placeholder with the same `seq`, so every
 * role's sequence stays gap-free and nobody resyncs for nothing.
 */
import { EVENT_ACCESS, type EventSight, type FieldSight, Sight, SNAPSHOT_ACCESS } from "../shared/access.ts";
import type { ProcedureTransition, ProcedureView } from "../shared/procedure/types.ts";
import {
  AnxietyPathway,
  type ComfortView,
  type DeliveredRoomEvent,
  type MemberView,
  type OttoView,
  type RoomEvent,
  type RoomEventBody,
  type RoomSnapshot,
} from "../shared/protocol.ts";
import { type AudienceRole, Role } from "../shared/roles.ts";

/** What the projection needs to know about the room's members (the Room provides it). */
export interface MemberDirectory {
  /** A stable, opaque name for a member, for audiences that may not see who is who. */
  aliasOf(memberId: string): string;
  /** The role a member has or had; null when unknown. */
  roleOf(memberId: string): Role | null;
}

/** How staff and observers appear to those who may not see their names. */
const ROLE_LABELS: Readonly<Record<Role, string>> = {
  [Role.patient]: "Patient",
  [Role.clinician]: "Clinician",
  [Role.assistant]: "Assistant",
  [Role.observer]: "Observer",
  [Role.presenter]: "Demo screen",
  [Role.otto]: "Otto",
};

/** Otto never receives anything; if asked, it gets the least any person gets. */
export function audienceOf(role: Role): AudienceRole {
  return role === Role.otto ? Role.observer : role;
}

/** How one audience names members: itself (the patient) and Otto as they are, others by alias. */
class Names {
  constructor(
    private readonly role: AudienceRole,
    private readonly directory: MemberDirectory,
  ) {}

  /** Whether this audience may see who the member is: the patient sees themself; Otto is public. */
  knows(memberId: string): boolean {
    const role = this.directory.roleOf(memberId);
    return role === Role.otto || (this.role === Role.patient && role === Role.patient);
  }

  id(memberId: string): string {
    return this.knows(memberId) ? memberId : this.directory.aliasOf(memberId);
  }

  isPatient(memberId: string): boolean {
    return this.directory.roleOf(memberId) === Role.patient;
  }
}

// -- shared and own forms ------------------------------------------------------------------------

function sharedMember(m: MemberView, names: Names): MemberView {
  if (names.knows(m.memberId)) return m;
  const alias = names.id(m.memberId);
  return {
    memberId: alias,
    personId: alias,
    // The patient's name is the room's (it is on the appointment); staff appear by role.
    displayName: m.role === Role.patient ? m.displayName : ROLE_LABELS[m.role],
    role: m.role,
    connection: m.connection,
    slot: m.slot,
  };
}

/** Otto's state for everyone; its words only when they are to the patient. */
function sharedOtto(o: OttoView, names: Names): OttoView {
  const u = o.lastUtterance;
  const toPatient = u?.addressee !== undefined && names.isPatient(u.addressee);
  return {
    state: o.state,
    lookAt: o.lookAt === null ? null : names.id(o.lookAt),
    lastUtterance: u && toPatient ? { ...u, addressee: names.id(u.addressee!) } : null,
  };
}

/** Plan, step and status; no interlock wording (device details), no override notes. */
function sharedProcedure(p: ProcedureView | null): ProcedureView | null {
  return p === null ? null : { ...p, blockedReason: null, override: null };
}

/** What happened and who (by role and alias), never the written reason. */
function sharedTransition(t: ProcedureTransition | null, names: Names): ProcedureTransition | null {
  if (t === null) return null;
  const by = "system" in t.by ? t.by : { memberId: names.id(t.by.memberId), role: t.by.role };
  return { at: t.at, command: t.command, by, from: t.from, to: t.to, stepIndex: t.stepIndex };
}

/** The patient's own answers and controls, without the care team's physiology notes. */
function ownComfort(c: ComfortView): ComfortView {
  return {
    ...c,
    heartRateBaseline: null,
    checkinPending: c.checkinPending && {
      reason: "Comfort check-in",
      requestedAt: c.checkinPending.requestedAt,
    },
  };
}

/** Only what anyone in the room can see anyway: the surroundings and the breathing coach. */
function sharedComfort(c: ComfortView): ComfortView {
  return {
    mdasScore: null,
    pathway: AnxietyPathway.standard,
    surroundings: c.surroundings,
    breathingCoach: c.breathingCoach,
    checkinPending: null,
    lastCheckin: null,
    heartRateBaseline: null,
  };
}

// -- snapshot ------------------------------------------------------------------------------------

type FieldProjector<K extends keyof RoomSnapshot> = (
  value: RoomSnapshot[K],
  sight: FieldSight<K>,
  names: Names,
) => RoomSnapshot[K];

const same = <T>(value: T): T => value;
const listOrEmpty = <T>(value: T[], sight: Sight): T[] => (sight === Sight.full ? value : []);

/** One projector per snapshot field: a new field without one does not compile. */
const FIELD_PROJECTORS: { readonly [K in keyof RoomSnapshot]: FieldProjector<K> } = {
  protocolVersion: same,
  appointment: same,
  you: (you, sight, names) => (sight === Sight.full ? you : names.id(you)),
  seq: same,
  members: (members, sight, names) =>
    sight === Sight.full ? members : members.map((m) => sharedMember(m, names)),
  otto: (otto, sight, names) => (sight === Sight.full ? otto : sharedOtto(otto, names)),
  procedure: (p, sight) => (sight === Sight.full ? p : sharedProcedure(p)),
  comfort: (c, sight) => {
    switch (sight) {
      case Sight.full:
        return c;
      case Sight.own:
        return ownComfort(c);
      case Sight.shared:
        return sharedComfort(c);
    }
  },
  alarms: listOrEmpty,
  teamChecking: same,
  devices: listOrEmpty,
  quarantinedFirmware: listOrEmpty,
  firmwareHistory: listOrEmpty,
  serverTime: same,
};

function projectField<K extends keyof RoomSnapshot>(
  snapshot: RoomSnapshot,
  key: K,
  role: AudienceRole,
  names: Names,
): RoomSnapshot[K] {
  return FIELD_PROJECTORS[key](snapshot[key], SNAPSHOT_ACCESS[key][role], names);
}

/** The snapshot as `role` may see it. */
export function projectSnapshot(
  snapshot: RoomSnapshot,
  role: AudienceRole,
  directory: MemberDirectory,
): RoomSnapshot {
  const names = new Names(role, directory);
  const out: Partial<Record<keyof RoomSnapshot, unknown>> = {};
  for (const key of Object.keys(FIELD_PROJECTORS) as (keyof RoomSnapshot)[]) {
    out[key] = projectField(snapshot, key, role, names);
  }
  return out as RoomSnapshot;
}

// -- events --------------------------------------------------------------------------------------

const WITHHELD = { type: "withheld" } as const;

function projectBody(body: RoomEventBody, sight: Sight, names: Names): RoomEventBody | typeof WITHHELD {
  if (sight === Sight.full) return body;
  if (sight === Sight.none) return WITHHELD;
  switch (body.type) {
    case "member_joined":
    case "member_updated":
      return { type: body.type, member: sharedMember(body.member, names) };
    case "member_left":
      return { type: body.type, memberId: names.id(body.memberId), reason: body.reason };
    case "otto":
      return { type: body.type, otto: sharedOtto(body.otto, names) };
    case "procedure":
      return {
        type: body.type,
        procedure: sharedProcedure(body.procedure),
        transition: sharedTransition(body.transition, names),
      };
    case "comfort":
      return {
        type: body.type,
        comfort: sight === Sight.own ? ownComfort(body.comfort) : sharedComfort(body.comfort),
      };
    // The table's types allow no shared or own form for these; withhold if one ever slips through.
    case "checkin":
    case "alarm":
    case "team_checking":
    case "device":
    case "firmware_quarantined":
    case "firmware_lifted":
    case "otto_heard":
      return WITHHELD;
  }
}

/** The event as `role` may see it: itself, a shared or own form, or a placeholder with its `seq`. */
export function projectEvent(
  event: RoomEvent,
  role: AudienceRole,
  directory: MemberDirectory,
): DeliveredRoomEvent {
  const sight: EventSight<typeof event.body.type> = EVENT_ACCESS[event.body.type][role];
  if (sight === Sight.full) return event;
  return { seq: event.seq, at: event.at, body: projectBody(event.body, sight, new Names(role, directory)) };
}
