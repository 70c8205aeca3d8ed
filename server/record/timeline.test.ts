import { describe, expect, it } from "vitest";
import type { Alarm } from "../../shared/alarms.ts";
import { ProcedureStatus } from "../../shared/procedure/types.ts";
import type { ComfortView } from "../../shared/protocol.ts";
import { visitTimeline } from "./timeline.ts";
import { EventLog } from "./visitFixtures.ts";

const S = ProcedureStatus;
const comfort = (over: Partial<ComfortView>): ComfortView => ({
  mdasScore: null,
  pathway: "standard",
  surroundings: "clinic",
  breathingCoach: false,
  checkinPending: null,
  lastCheckin: null,
  heartRateBaseline: null,
  ...over,
});

function visitLog(): EventLog {
  const log = new EventLog();
  log.join("julian");
  log.join("dr-lee", "clinician");
  log.push({ type: "comfort", comfort: comfort({ mdasScore: 21, pathway: "high_anxiety" }) });
  log.procedure("start", S.notStarted, S.running);
  log.push({
    type: "otto",
    otto: { state: "talking", lookAt: null, lastUtterance: { kind: "narration", text: "We start now." } },
  });
  log.push({
    type: "otto",
    otto: { state: "idle", lookAt: null, lastUtterance: { kind: "narration", text: "We start now." } },
  });
  log.procedure("stop", S.running, S.pausedByPatient, { role: "patient" });
  log.procedure("resume", S.pausedByPatient, S.running, { reason: "Patient nodded, ready again" });
  log.push({ type: "checkin", score: 7, by: "m-julian" });
  log.procedure("next", S.running, S.running, { stepIndex: 1 });
  log.procedure("interlock_block", S.running, S.blocked, { stepIndex: 1 });
  log.procedure("override", S.blocked, S.running, { stepIndex: 1, reason: "Checked pH by hand: 6.8" });
  const alarm: Alarm = {
    id: "al-1",
    kind: "technical",
    priority: "medium",
    key: "technical:soe-julian-36:ph",
    message: "pH sensor reads out of range",
    tooth: 36,
    raisedAt: log.at,
  };
  log.push({ type: "alarm", alarm });
  log.push({ type: "alarm", alarm: { ...alarm, acknowledgedAt: log.at, acknowledgedBy: "m-dr-lee" } });
  log.push({
    type: "alarm",
    alarm: { ...alarm, acknowledgedAt: log.at - 1000, acknowledgedBy: "m-dr-lee", clearedAt: log.at },
  });
  log.push({
    type: "firmware_quarantined",
    firmware: "2.4.0-beta.1",
    since: 0,
    by: "dr-lee",
    reason: "Drift",
    retracted: 12,
  });
  log.push({ type: "firmware_lifted", firmware: "2.4.0-beta.1", by: "dr-lee", reason: "Fixed in 2.4.1" });
  log.procedure("next", S.running, S.completed, { stepIndex: 1 });
  return log;
}

describe("visitTimeline", () => {
  it("lists what happened, in order, with who and why", () => {
    const lines = visitTimeline(visitLog().events).map((e) => [e.kind, e.title, e.by, e.reason]);
    expect(lines).toEqual([
      ["people", "julian joined as patient", null, null],
      ["people", "dr-lee joined as clinician", null, null],
      ["mdas", "MDAS 21 of 25", null, null],
      ["procedure", "Step 1: What we'll do today", null, null],
      ["procedure", "Started Filling 36 MO", "clinician", null],
      ["otto", "We start now.", "Otto", null],
      ["stop", "Paused by patient", "patient", null],
      ["stop", "Resumed after the patient's stop", "clinician", "Patient nodded, ready again"],
      ["checkin", "Comfort 7/10", "julian", null],
      ["procedure", "Step 2: Your go-ahead", null, null],
      ["interlock", "Held by the safety interlock", "Safety interlock", null],
      ["override", "Safety interlock overridden", "clinician", "Checked pH by hand: 6.8"],
      ["alarm", "Alarm (medium): Sensor at tooth 36: pH sensor reads out of range", null, null],
      ["alarm", "Alarm acknowledged: Sensor at tooth 36: pH sensor reads out of range", "dr-lee", null],
      ["alarm", "Alarm cleared: Sensor at tooth 36: pH sensor reads out of range", null, null],
      ["firmware", "Firmware 2.4.0-beta.1 quarantined", "dr-lee", "Drift"],
      ["firmware", "Firmware 2.4.0-beta.1 quarantine lifted", "dr-lee", "Fixed in 2.4.1"],
      ["procedure", "Procedure completed", "clinician", null],
    ]);
  });

  it("gives steps and alarms their end, and the MDAS its pathway", () => {
    const log = visitLog();
    const lines = visitTimeline(log.events);
    const steps = lines.filter((e) => e.title.startsWith("Step "));
    expect(steps[0]!.endedAt).toBe(steps[1]!.at);
    expect(steps[1]!.endedAt).toBe(lines.at(-1)!.at);
    const raised = lines.find((e) => e.title.startsWith("Alarm (medium)"))!;
    expect(raised.endedAt).toBe(lines.find((e) => e.title.startsWith("Alarm cleared"))!.at);
    expect(lines.find((e) => e.kind === "mdas")!.detail).toBe("high-anxiety pathway");
  });

  it("names the alarm's device or tooth in the reader's notation, never by id", () => {
    const log = new EventLog();
    log.join("julian");
    const base = {
      priority: "high",
      raisedAt: log.at,
      message: "Enamel at risk: pH 5.1, below 5.5 for 2 min",
    } as const;
    log.push({ type: "alarm", alarm: { ...base, id: "a1", kind: "physiological", key: "ph:36", tooth: 36 } });
    log.push({
      type: "alarm",
      alarm: {
        ...base,
        id: "a2",
        kind: "technical",
        key: "device:hr-julian",
        deviceId: "hr-julian",
        message: "no heart rate data",
      },
    });
    const titles = (notation?: "fdi" | "universal" | "palmer") =>
      visitTimeline(log.events, ["alarm"], notation).map((e) => e.title);
    expect(titles()).toEqual([
      "Alarm (high): Tooth 36: Enamel at risk: pH 5.1, below 5.5 for 2 min",
      "Alarm (high): Heart-rate wearable: no heart rate data",
    ]);
    expect(titles("universal")[0]).toBe(
      "Alarm (high): Tooth 19: Enamel at risk: pH 5.1, below 5.5 for 2 min",
    );
    expect(titles("palmer")[0]).toBe("Alarm (high): Tooth LL6: Enamel at risk: pH 5.1, below 5.5 for 2 min");
    expect(visitTimeline(visitLog().events, ["alarm"], "palmer")[0]!.title).toBe(
      "Alarm (medium): Sensor at tooth LL6: pH sensor reads out of range",
    );
    for (const t of titles()) expect(t).not.toMatch(/hr-julian|soe-/);
  });

  it("filters by kind", () => {
    const kinds = visitTimeline(visitLog().events, ["stop", "override"]).map((e) => e.kind);
    expect(kinds).toEqual(["stop", "stop", "override"]);
    expect(visitTimeline(visitLog().events, ["otto"]).map((e) => e.title)).toEqual(["We start now."]);
  });
});
