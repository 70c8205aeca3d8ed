import { describe, expect, it } from "vitest";
import { parseVisitId, VisitOutcome, visitIdOf, visitSchema } from "../../shared/patientRecord.ts";
import { ProcedureStatus } from "../../shared/procedure/types.ts";
import { EventLog, FIXTURE_APPOINTMENT } from "./visitFixtures.ts";
import { deriveVisits, toothOfPlan } from "./visits.ts";

const S = ProcedureStatus;
const endOf = (log: EventLog) => {
  const last = log.events.at(-1)!;
  return { seq: last.seq, at: last.at };
};

describe("deriveVisits", () => {
  it("makes one completed visit of a session, with its people's joins and its duration", () => {
    const log = new EventLog();
    log.session("complete");
    log.push({ type: "otto", otto: { state: "talking", lookAt: null, lastUtterance: null } });
    const [visit, ...rest] = deriveVisits(FIXTURE_APPOINTMENT, log.events, endOf(log));
    expect(rest).toEqual([]);
    expect(visitSchema.parse(visit)).toEqual(visit);
    const start = log.events[2]!;
    const end = log.events[6]!;
    expect(visit).toMatchObject({
      id: `a-julian-1.${start.seq}`,
      appointmentId: "a-julian-1",
      patientId: "julian",
      roomId: "room-a-julian-1",
      plan: "filling-36-MO",
      tooth: 36,
      clinicianId: "dr-lee",
      assistantId: "sam",
      outcome: VisitOutcome.completed,
      startedAt: start.at,
      endedAt: end.at,
      durationMs: end.at - start.at,
      firstSeq: 1,
      lastSeq: 8,
    });
  });

  it.each([
    ["abort", VisitOutcome.aborted],
    ["abort_after_stop", VisitOutcome.stoppedByPatient],
  ] as const)("tells an %s end as %s", (end, outcome) => {
    const log = new EventLog();
    log.session(end);
    expect(deriveVisits(FIXTURE_APPOINTMENT, log.events, endOf(log))[0]!.outcome).toBe(outcome);
  });

  it("keeps an unfinished visit in progress while the appointment is open, and closes it once finished", () => {
    const log = new EventLog();
    log.session("none");
    const open = deriveVisits(FIXTURE_APPOINTMENT, log.events, endOf(log))[0]!;
    expect(open).toMatchObject({ outcome: VisitOutcome.inProgress, endedAt: null, durationMs: null });
    const closed = deriveVisits({ ...FIXTURE_APPOINTMENT, open: false }, log.events, endOf(log))[0]!;
    expect(closed.outcome).toBe(VisitOutcome.aborted);
    expect(closed.endedAt).toBe(log.events.at(-1)!.at);
  });

  it("splits the sessions of one room (the demo loop) at the next session's first join", () => {
    const log = new EventLog(40);
    log.session("complete");
    log.push({ type: "member_left", memberId: "m-julian", reason: "left" });
    const firstOfSecond = log.seq;
    log.session("abort_after_stop");
    // A third session left paused by the patient, then the room reset: superseded by a fourth.
    log.join("julian");
    log.procedure("start", S.notStarted, S.running);
    log.procedure("stop", S.running, S.pausedByPatient, { role: "patient" });
    log.procedure("start", S.notStarted, S.running, { planId: "cleaning" });
    const visits = deriveVisits(FIXTURE_APPOINTMENT, log.events, endOf(log));
    expect(visits.map((v) => v.outcome)).toEqual([
      VisitOutcome.completed,
      VisitOutcome.stoppedByPatient,
      VisitOutcome.stoppedByPatient,
      VisitOutcome.inProgress,
    ]);
    expect(visits[0]!.firstSeq).toBe(1);
    expect(visits[0]!.lastSeq).toBe(firstOfSecond - 1);
    expect(visits[1]!.firstSeq).toBe(firstOfSecond);
    // Spans tile the log: each starts right after the one before.
    for (let i = 1; i < visits.length; i++) expect(visits[i]!.firstSeq).toBe(visits[i - 1]!.lastSeq + 1);
    expect(visits[3]).toMatchObject({ plan: "cleaning", tooth: null, lastSeq: log.seq - 1 });
  });

  it("makes no visit of a room where the procedure never started", () => {
    const log = new EventLog();
    log.join("julian");
    log.push({
      type: "procedure",
      procedure: null,
      transition: null,
    });
    expect(deriveVisits(FIXTURE_APPOINTMENT, log.events, endOf(log))).toEqual([]);
  });
});

describe("visit ids and plan teeth", () => {
  it("round-trips a visit id and refuses what is not one", () => {
    expect(parseVisitId(visitIdOf("a-7k2", 42))).toEqual({ appointmentId: "a-7k2", startSeq: 42 });
    for (const bad of ["", "a-7k2", "a-7k2.", "a-7k2.0", "a/b.3", "a.b.3", "x.1e3"])
      expect(parseVisitId(bad)).toBeNull();
  });

  it.each([
    ["filling-26-MO", 26],
    ["extraction-48", 48],
    ["sensor-check-36", 36],
    ["cleaning", null],
    ["no-such-plan", null],
  ])("plan %s works on tooth %s", (plan, tooth) => {
    expect(toothOfPlan(plan)).toBe(tooth);
  });
});
