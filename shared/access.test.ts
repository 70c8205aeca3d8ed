/**
 * The access table, written out again by hand: a change to who may do or see what must change
 * this file too. Plus the rules the table must always keep, whatever rows are added later.
 */
import { describe, expect, it } from "vitest";
import {
  type ClientCommand,
  COMMAND_ACCESS,
  commandRefusal,
  EVENT_ACCESS,
  eventSight,
  fieldSight,
  Grant,
  grantFor,
  mayDo,
  mayReceive,
  Sight,
  SNAPSHOT_ACCESS,
  STREAM_ACCESS,
} from "./access.ts";
import { PROCEDURE_COMMANDS } from "./procedure/types.ts";
import { Ev, type RoomEventType, type RoomSnapshot } from "./protocol.ts";
import { AUDIENCE_ROLES, type AudienceRole, Role } from "./roles.ts";

/** Roles in column order: patient, clinician, assistant, observer, presenter. */
const COLUMNS = [Role.patient, Role.clinician, Role.assistant, Role.observer, Role.presenter] as const;
type Row<T> = readonly [T, T, T, T, T];

const Y = true;
const N = false;
const DO: Readonly<Record<ClientCommand, Row<boolean>>> = {
  //                     patient clinician assistant observer presenter
  [Ev.pose]: [Y, Y, Y, Y, N],
  [Ev.snapshot]: [Y, Y, Y, Y, Y],
  [Ev.procedureSelect]: [N, Y, N, N, N],
  [Ev.procedureCommand]: [Y, Y, Y, N, N],
  [Ev.mdasSubmit]: [Y, N, N, N, N],
  [Ev.checkinSubmit]: [Y, N, N, N, N],
  [Ev.checkinRequest]: [N, Y, Y, N, N],
  [Ev.breathing]: [Y, Y, Y, N, N],
  [Ev.surroundings]: [Y, Y, Y, N, N],
  [Ev.ottoAsk]: [Y, N, N, N, N],
  [Ev.alarmAck]: [N, Y, N, N, N],
  [Ev.alarmSilence]: [N, Y, Y, N, N],
  [Ev.firmwareQuarantine]: [N, Y, N, N, N],
  [Ev.firmwareLift]: [N, Y, N, N, N],
  [Ev.soeHistory]: [N, Y, Y, N, Y],
  [Ev.ottoTell]: [Y, N, N, N, N],
};

const { full, own, shared, none } = Sight;
const SEE_FIELDS: Readonly<Record<keyof RoomSnapshot, Row<Sight>>> = {
  //                 patient clinician assistant observer presenter
  protocolVersion: [full, full, full, full, full],
  appointment: [full, full, full, full, full],
  you: [shared, full, full, shared, full],
  seq: [full, full, full, full, full],
  members: [shared, full, full, shared, full],
  otto: [shared, full, full, shared, full],
  procedure: [shared, full, full, shared, full],
  comfort: [own, full, full, shared, full],
  alarms: [none, full, full, none, full],
  teamChecking: [full, full, full, full, full],
  devices: [none, full, full, none, full],
  quarantinedFirmware: [none, full, full, none, full],
  firmwareHistory: [none, full, full, none, full],
  serverTime: [full, full, full, full, full],
};

const SEE_EVENTS: Readonly<Record<RoomEventType, Row<Sight>>> = {
  //                 patient clinician assistant observer presenter
  member_joined: [shared, full, full, shared, full],
  member_updated: [shared, full, full, shared, full],
  member_left: [shared, full, full, shared, full],
  otto: [shared, full, full, shared, full],
  procedure: [shared, full, full, shared, full],
  comfort: [own, full, full, shared, full],
  checkin: [full, full, full, none, full],
  alarm: [none, full, full, none, full],
  team_checking: [full, full, full, full, full],
  device: [none, full, full, none, full],
  firmware_quarantined: [none, full, full, none, full],
  firmware_lifted: [none, full, full, none, full],
  otto_heard: [full, full, full, none, full],
};

const STREAMS: Readonly<Record<keyof typeof STREAM_ACCESS, Row<boolean>>> = {
  [Ev.welcome]: [Y, Y, Y, Y, Y],
  [Ev.roomEvent]: [Y, Y, Y, Y, Y],
  [Ev.poses]: [Y, Y, Y, Y, Y],
  [Ev.readings]: [N, Y, Y, N, Y],
  [Ev.protocolError]: [Y, Y, Y, Y, Y],
};

function cells<T>(table: Readonly<Record<string, Row<T>>>): [string, AudienceRole, T][] {
  return Object.entries(table).flatMap(([key, row]) =>
    COLUMNS.map((role, i) => [key, role, row[i]!] as [string, AudienceRole, T]),
  );
}

describe("who may do what", () => {
  it("has a row for every command, and no other", () => {
    expect(Object.keys(COMMAND_ACCESS).sort()).toEqual(Object.keys(DO).sort());
  });

  it.each(cells(DO))("%s by the %s: %s", (command, role, allowed) => {
    expect(mayDo(role, command as ClientCommand)).toBe(allowed);
    const refusal = commandRefusal(role, command as ClientCommand);
    if (allowed) expect(refusal).toBeNull();
    else expect(refusal).toMatch(/^[A-Z].*\.$/);
  });

  it("Otto sends nothing through a socket", () => {
    for (const command of Object.keys(COMMAND_ACCESS) as ClientCommand[]) {
      expect(mayDo(Role.otto, command)).toBe(false);
    }
  });

  it("derives procedure:command from the procedure grants, and always lets the patient stop", () => {
    for (const role of Object.values(Role)) {
      const any = PROCEDURE_COMMANDS.some((c) => grantFor(role, c) !== Grant.no);
      expect(mayDo(role, Ev.procedureCommand), role).toBe(any);
    }
    expect(grantFor(Role.patient, "stop")).toBe(Grant.yes);
    expect(PROCEDURE_COMMANDS.filter((c) => grantFor(Role.observer, c) !== Grant.no)).toEqual([]);
    expect(PROCEDURE_COMMANDS.filter((c) => grantFor(Role.presenter, c) !== Grant.no)).toEqual([]);
  });

  it("lets the presenter only read what it already sees: no action, no pose", () => {
    const allowed = (Object.keys(COMMAND_ACCESS) as ClientCommand[]).filter((c) => mayDo(Role.presenter, c));
    expect(allowed.sort()).toEqual([Ev.snapshot, Ev.soeHistory].sort());
  });
});

describe("who sees what", () => {
  it.each(cells(SEE_FIELDS))("snapshot field %s for the %s: %s", (field, role, sight) => {
    expect(fieldSight(role, field as keyof RoomSnapshot)).toBe(sight);
  });

  it.each(cells(SEE_EVENTS))("room event %s for the %s: %s", (type, role, sight) => {
    expect(eventSight(role, type as RoomEventType)).toBe(sight);
  });

  it.each(cells(STREAMS))("stream %s for the %s: %s", (stream, role, allowed) => {
    expect(mayReceive(role, stream as keyof typeof STREAM_ACCESS)).toBe(allowed);
  });

  it("has a row for every snapshot field and event type written out here, and no other", () => {
    expect(Object.keys(SNAPSHOT_ACCESS).sort()).toEqual(Object.keys(SEE_FIELDS).sort());
    expect(Object.keys(EVENT_ACCESS).sort()).toEqual(Object.keys(SEE_EVENTS).sort());
  });

  it("gives the care team everything in its room", () => {
    for (const role of [Role.clinician, Role.assistant] as const) {
      for (const row of Object.values(SNAPSHOT_ACCESS)) expect(row[role]).toBe(Sight.full);
      for (const row of Object.values(EVENT_ACCESS)) expect(row[role]).toBe(Sight.full);
      for (const row of Object.values(STREAM_ACCESS)) expect(row[role]).toBe(true);
    }
  });

  it("never gives the patient or the observer alarms, devices, quarantines or telemetry", () => {
    for (const role of [Role.patient, Role.observer] as const) {
      for (const field of ["alarms", "devices", "quarantinedFirmware", "firmwareHistory"] as const) {
        expect(fieldSight(role, field)).toBe(Sight.none);
      }
      for (const type of ["alarm", "device", "firmware_quarantined", "firmware_lifted"] as const) {
        expect(eventSight(role, type)).toBe(Sight.none);
      }
      expect(mayReceive(role, Ev.readings)).toBe(false);
      expect(mayDo(role, Ev.soeHistory)).toBe(false);
    }
  });

  it("gives the presenter (the demo screen) everything the care team sees", () => {
    for (const row of Object.values(SNAPSHOT_ACCESS)) expect(row[Role.presenter]).toBe(row[Role.clinician]);
    for (const row of Object.values(EVENT_ACCESS)) expect(row[Role.presenter]).toBe(row[Role.clinician]);
    for (const row of Object.values(STREAM_ACCESS)) expect(row[Role.presenter]).toBe(true);
  });

  it("never gives the observer comfort scores or check-in scores", () => {
    expect(fieldSight(Role.observer, "comfort")).toBe(Sight.shared);
    expect(eventSight(Role.observer, "comfort")).toBe(Sight.shared);
    expect(eventSight(Role.observer, "checkin")).toBe(Sight.none);
  });

  it("keeps each role's snapshot and event stream in the same form, so applied events match a snapshot", () => {
    const pairs: [keyof RoomSnapshot, RoomEventType][] = [
      ["members", "member_joined"],
      ["members", "member_updated"],
      ["members", "member_left"],
      ["otto", "otto"],
      ["procedure", "procedure"],
      ["comfort", "comfort"],
      ["alarms", "alarm"],
      ["teamChecking", "team_checking"],
      ["devices", "device"],
      ["quarantinedFirmware", "firmware_quarantined"],
      ["quarantinedFirmware", "firmware_lifted"],
      ["firmwareHistory", "firmware_quarantined"],
    ];
    for (const role of AUDIENCE_ROLES) {
      for (const [field, type] of pairs)
        expect(eventSight(role, type), `${role} ${type}`).toBe(fieldSight(role, field));
    }
  });
});
