import { describe, expect, it } from "vitest";
import type { Alarm } from "../../shared/alarms.ts";
import { ProcedureStatus } from "../../shared/procedure/types.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { emptyRoomView, ReplayEngine } from "../../shared/replay.ts";
import { initialComfort } from "../room.ts";
import { directoryOfEvents, observerReplay } from "./replayProjection.ts";
import { EventLog } from "./visitFixtures.ts";

const S = ProcedureStatus;
const APPOINTMENT = {
  appointmentId: "a-julian-1",
  roomId: "room-a-julian-1",
  patientName: "Julian",
  clinicianName: "Dr Lee",
  scheduledAt: "2026-11-02T09:00:00Z",
};

/** A visit with what the care team sees and an observer does not: an alarm, an override's reason, a check-in. */
function visit() {
  const log = new EventLog(1);
  log.join("julian");
  log.join("dr-lee", "clinician");
  log.procedure("start", S.notStarted, S.running);
  const alarm: Alarm = {
    id: "al-1",
    kind: "physiological",
    priority: "high",
    key: "ph:36",
    message: "pH 5.1 on tooth 36",
    tooth: 36,
    raisedAt: log.at,
  };
  log.push({ type: "alarm", alarm });
  log.push({ type: "alarm", alarm: { ...alarm, acknowledgedAt: log.at, acknowledgedBy: "m-dr-lee" } });
  log.push({ type: "checkin", score: 6, by: "m-julian" });
  log.procedure("interlock_block", S.running, S.blocked);
  log.procedure("override", S.blocked, S.running, { reason: "Checked pH by hand: 6.8" });
  log.procedure("stop", S.running, S.pausedByPatient, { role: "patient" });
  return log.events;
}

describe("a replay shows what an observer would have seen", () => {
  const events = visit();
  const initial = emptyRoomView(APPOINTMENT, initialComfort(), "replay", PROTOCOL_VERSION);
  const seen = observerReplay(initial, events);
  const engine = new ReplayEngine(seen.initial, seen.events, events[0]!.seq, []);
  const end = engine.seek(engine.endAt).view;

  it("withholds check-ins and override reasons but keeps every seq (no gaps)", () => {
    expect(seen.events.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    const types = seen.events.map((e) => e.body.type);
    expect(types).not.toContain("checkin");
    expect(JSON.stringify(seen.events)).not.toContain("Checked pH by hand");
  });

  it("shows the alarms as they were, with who acknowledged by alias, not by name", () => {
    expect(end.alarms.map((a) => [a.id, a.tooth, a.acknowledgedBy])).toEqual([["al-1", 36, "member-2"]]);
    expect(JSON.stringify(seen.events)).not.toContain("m-dr-lee");
    expect(end.members.find((m) => m.memberId === "member-2")?.displayName).toBe("Clinician");
  });

  it("names staff by role and alias, and still shows the procedure as it went", () => {
    expect(end.members.map((m) => m.displayName)).not.toContain("dr-lee");
    expect(end.members.find((m) => m.role === "clinician")?.displayName).toBe("Clinician");
    expect(end.procedure?.status).toBe(S.pausedByPatient);
  });

  it("aliases members in join order, the same every time", () => {
    const d = directoryOfEvents(events);
    const ids = events.flatMap((e) => (e.body.type === "member_joined" ? [e.body.member.memberId] : []));
    expect(ids.map((id) => d.aliasOf(id))).toEqual(["member-1", "member-2"]);
    expect(d.roleOf(ids[1]!)).toBe("clinician");
    expect(JSON.stringify(observerReplay(initial, events))).toBe(JSON.stringify(seen));
  });
});
