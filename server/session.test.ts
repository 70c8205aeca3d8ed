/** The treatment session as a pure module: no sockets, a fake clock, a recording sink. */
import { describe, expect, it } from "vitest";
import type { Alarm } from "../shared/alarms.ts";
import { Ev, type RoomEvent } from "../shared/protocol.ts";
import { mulberry32 } from "../shared/random.ts";
import type { CheckedReading } from "../shared/soe/signals.ts";
import { seedClinic } from "./clinic.ts";
import { type SessionActor, TreatmentSession } from "./session.ts";

function makeSession(planId = "sensor-check-36") {
  let now = Date.UTC(2026, 10, 24, 9);
  const saved: Alarm[] = [];
  const appt = { ...seedClinic(new Date(now)).appointments.get("julian")!, planId };
  const session = new TreatmentSession(appt, {
    now: () => now,
    rand: mulberry32(1),
    ports: {
      saveAlarm: (a) => saved.push(a),
      readingsSince: async () => [],
      quarantine: async () => ({ ok: true, value: { devices: 0, patients: 0, retracted: 0 } }),
      lift: async (firmware, reason, by) => ({
        ok: true,
        value: { action: "lift", firmware, reason, by, at: now },
      }),
      audit: () => {},
      flushState: async () => {},
    },
  });
  const events: RoomEvent[] = [];
  session.room.onEvent((e) => events.push(e));
  const join = (personId: string, displayName: string, role: SessionActor["role"]): SessionActor => {
    const out = session.join({ personId, displayName, role });
    if (!out.ok) throw new Error("join failed");
    return { memberId: out.member.memberId, personId, role };
  };
  const ray = join("dr-ray", "Dr. Ray", "clinician");
  const noah = join("noah", "Noah", "assistant");
  const julian = join("julian", "Julian", "patient");
  return { session, events, saved, ray, noah, julian, advance: (ms: number) => (now += ms), now: () => now };
}

const reading = (
  t: number,
  signal: "ph" | "temperature",
  value: number,
  extra: Partial<CheckedReading> = {},
): CheckedReading => ({
  deviceId: "soe-julian-36",
  signal,
  t,
  value,
  unit: signal === "ph" ? "[pH]" : "Cel",
  tooth: 36,
  quality: "valid",
  status: "final",
  receivedAt: t,
  ...extra,
});

describe("TreatmentSession", () => {
  it("pauses for the patient's stop at once; Otto responds with empathy and the breathing coach starts", async () => {
    const { session, ray, julian } = makeSession("filling-36");
    expect((await session.handle(ray, Ev.procedureCommand, { command: "start" })).ok).toBe(true);
    const stopped = await session.handle(julian, Ev.procedureCommand, { command: "stop" });
    expect(stopped.ok).toBe(true);
    expect(session.room.getProcedure()?.status).toBe("paused_by_patient");
    const otto = session.room.getOtto();
    expect(otto.state).toBe("concerned");
    expect(otto.lastUtterance?.kind).toBe("empathy");
    expect(session.room.getComfort().breathingCoach).toBe(true);
    expect(session.procedureHistory().at(-1)).toMatchObject({ command: "stop", to: "paused_by_patient" });
  });

  it("blocks an automated step without valid data and stays blocked (fail safe) until a clinician resumes", async () => {
    const { session, ray, noah, advance, now } = makeSession();
    await session.handle(ray, Ev.procedureCommand, { command: "start" });
    await session.handle(ray, Ev.procedureCommand, { command: "next" });
    const view = session.room.getProcedure()!;
    expect(view.status).toBe("blocked");
    expect(view.blockedReason).toMatch(/36/);
    expect(session.room.getOtto().lastUtterance?.addressee).toBe(ray.memberId);

    for (let i = 0; i < 5; i++) {
      advance(1000);
      session.onReadings([reading(now(), "ph", 7.1), reading(now(), "temperature", 34.6)]);
    }
    expect(session.room.getProcedure()?.status).toBe("blocked");
    expect((await session.handle(noah, Ev.procedureCommand, { command: "resume" })).ok).toBe(false);
    const resumed = await session.handle(ray, Ev.procedureCommand, { command: "resume" });
    expect(resumed.ok, JSON.stringify(resumed)).toBe(true);
    expect(session.room.getProcedure()?.status).toBe("running");

    // The sensor turns faulty mid-step: the running automated step pauses.
    advance(1000);
    session.onReadings([reading(now(), "ph", 7.1, { quality: "invalid", reason: "pH on 36 stuck" })]);
    expect(session.room.getProcedure()?.status).toBe("blocked");
    expect(session.room.getProcedure()?.blockedReason).toMatch(/pH/);
  });

  it("records a clinician's override with its written reason", async () => {
    const { session, ray } = makeSession();
    await session.handle(ray, Ev.procedureCommand, { command: "start" });
    await session.handle(ray, Ev.procedureCommand, { command: "next" });
    expect((await session.handle(ray, Ev.procedureCommand, { command: "override" })).ok).toBe(false);
    const r = await session.handle(ray, Ev.procedureCommand, {
      command: "override",
      reason: "Checked clinically: dry",
    });
    expect(r.ok).toBe(true);
    expect(session.room.getProcedure()?.override).toMatchObject({ reason: "Checked clinically: dry" });
    expect(session.procedureHistory().at(-1)).toMatchObject({
      command: "override",
      reason: "Checked clinically: dry",
    });
  });

  it("scores the MDAS intake and starts the high-anxiety pathway at 19 or more", async () => {
    const { session, julian, ray } = makeSession();
    expect((await session.handle(ray, Ev.mdasSubmit, { answers: [5, 5, 5, 5, 5] })).ok).toBe(false);
    const r = await session.handle(julian, Ev.mdasSubmit, { answers: [4, 4, 4, 4, 3] });
    expect(r.ok).toBe(true);
    expect(session.room.getComfort()).toMatchObject({
      mdasScore: 19,
      pathway: "high_anxiety",
      surroundings: "nature",
    });
  });

  it("runs check-ins: the care team asks, only the patient answers, and it is recorded", async () => {
    const { session, julian, noah, events } = makeSession();
    expect((await session.handle(julian, Ev.checkinRequest, {})).ok).toBe(false);
    await session.handle(noah, Ev.checkinRequest, { reason: "Noah asks" });
    expect(session.room.getComfort().checkinPending?.reason).toBe("Noah asks");
    expect((await session.handle(noah, Ev.checkinSubmit, { score: 9 })).ok).toBe(false);
    await session.handle(julian, Ev.checkinSubmit, { score: 3 });
    expect(session.room.getComfort()).toMatchObject({ checkinPending: null, lastCheckin: { score: 3 } });
    expect(events.some((e) => e.body.type === "checkin" && e.body.score === 3)).toBe(true);
    expect(session.room.getOtto().state).toBe("concerned");
  });

  it("learns the resting heart rate and prompts a check-in on a sustained rise, without labelling the patient", () => {
    const { session, advance, now } = makeSession();
    const hr = (bpm: number): CheckedReading => ({
      deviceId: "hr-julian",
      signal: "heartRate",
      t: now(),
      value: bpm,
      unit: "/min",
      quality: "valid",
      status: "final",
      receivedAt: now(),
    });
    for (let i = 0; i < 70; i++) {
      advance(1000);
      session.onReadings([hr(70 + (i % 3))]);
    }
    expect(session.room.getComfort().heartRateBaseline).toBe(71);
    expect(session.room.getComfort().checkinPending).toBeNull();
    for (let i = 0; i < 25; i++) {
      advance(1000);
      session.onReadings([hr(95)]);
    }
    const pending = session.room.getComfort().checkinPending;
    expect(pending?.reason).toMatch(/Julian's resting/);
    expect(pending?.reason).not.toMatch(/anxi|panic|nervous/i);
  });

  it("raises alarms from faulty data, logs high and medium ones, and lets only the care team acknowledge", async () => {
    const { session, saved, julian, ray, advance, now } = makeSession();
    for (let i = 0; i < 6; i++) {
      advance(1000);
      session.onReadings([reading(now(), "ph", 2, { quality: "invalid", reason: "out of range" })]);
    }
    const alarm = session.room.activeAlarms().find((a) => a.kind === "technical");
    expect(alarm).toBeDefined();
    expect(saved.some((a) => a.id === alarm!.id)).toBe(true);
    expect((await session.handle(julian, Ev.alarmAck, { alarmId: alarm!.id })).ok).toBe(false);
    const acked = await session.handle(ray, Ev.alarmAck, { alarmId: alarm!.id });
    expect(acked).toMatchObject({ ok: true, value: { acknowledgedBy: "dr-ray" } });
  });

  it("keeps a device untrusted after an episodic fault until a clinician acknowledges its cleared alarm", async () => {
    const { session, ray, advance, now } = makeSession();
    await session.handle(ray, Ev.procedureCommand, { command: "start" });
    const healthy = () => [reading(now(), "ph", 7.1), reading(now(), "temperature", 34.6)];
    for (let i = 0; i < 5; i++) {
      advance(1000);
      session.onReadings(healthy());
    }
    for (let i = 0; i < 5; i++) {
      advance(1000);
      session.onReadings([reading(now(), "ph", 2, { quality: "invalid", reason: "out of range" })]);
    }
    const alarm = session.room.activeAlarms().find((a) => a.kind === "technical")!;
    expect(alarm).toBeDefined();
    // A quiet spell: the sensor looks fine again for a long while.
    for (let i = 0; i < 60; i++) {
      advance(1000);
      session.onReadings(healthy());
      session.tick();
    }
    const next = await session.handle(ray, Ev.procedureCommand, { command: "next" });
    expect(next.ok && session.room.getProcedure()?.status).toBe("blocked");
    expect(session.room.getProcedure()?.blockedReason).toMatch(/36/);

    const cleared = session.room.activeAlarms().find((a) => a.id === alarm.id)!;
    expect(cleared.clearedAt).toBeDefined();
    await session.handle(ray, Ev.alarmAck, { alarmId: alarm.id });
    const resumed = await session.handle(ray, Ev.procedureCommand, { command: "resume" });
    expect(resumed.ok, JSON.stringify(resumed)).toBe(true);
    expect(session.room.getProcedure()?.status).toBe("running");
  });
});

describe("chart history of a session (issue 10)", () => {
  it("returns nothing from before the session opened: a fresh session never shows the last one's readings", async () => {
    let now = Date.UTC(2026, 10, 24, 9);
    const asked: number[] = [];
    const appt = seedClinic(new Date(now)).appointments.get("julian")!;
    const session = new TreatmentSession(appt, {
      now: () => now,
      rand: mulberry32(1),
      ports: {
        saveAlarm: () => {},
        readingsSince: async (since) => {
          asked.push(since);
          return [];
        },
        quarantine: async () => ({ ok: true, value: { devices: 0, patients: 0, retracted: 0 } }),
        lift: async (firmware, reason, by) => ({
          ok: true,
          value: { action: "lift", firmware, reason, by, at: now },
        }),
        audit: () => {},
        flushState: async () => {},
      },
    });
    const opened = now;
    const out = session.join({ personId: "dr-ray", displayName: "Dr. Ray", role: "clinician" });
    if (!out.ok) throw new Error("join failed");
    const ray = { memberId: out.member.memberId, personId: "dr-ray", role: "clinician" as const };
    now += 60_000;
    expect((await session.handle(ray, Ev.soeHistory, { sinceMs: opened - 10 * 60_000 })).ok).toBe(true);
    expect(asked).toEqual([opened]);
    expect((await session.handle(ray, Ev.soeHistory, { sinceMs: opened + 5_000 })).ok).toBe(true);
    expect(asked.at(-1)).toBe(opened + 5_000);
  });
});

describe("the patient's calm cue from the server (issue 10)", () => {
  it("a pH alarm before Start sends no 'team checking'; a device fault holding the started treatment does", async () => {
    const { session, events, ray, advance, now } = makeSession();
    for (let i = 0; i < 130; i++) {
      advance(1000);
      session.onReadings([reading(now(), "ph", 5.0)]);
    }
    expect(session.room.activeAlarms().some((a) => a.kind === "physiological")).toBe(true);
    expect(events.some((e) => e.body.type === "team_checking")).toBe(false);
    expect(session.room.snapshot(ray.memberId).teamChecking).toBe(false);
    await session.handle(ray, Ev.procedureCommand, { command: "start" });
    await session.handle(ray, Ev.procedureCommand, { command: "next" });
    expect(session.room.getProcedure()?.status).toBe("blocked");
    expect(
      events.some((e) => e.body.type === "team_checking"),
      "blocked by missing data, pH alarm only",
    ).toBe(false);
    for (let i = 0; i < 4; i++) {
      advance(1000);
      session.onReadings([reading(now(), "ph", 2, { quality: "invalid", reason: "out of range" })]);
    }
    expect(session.room.activeAlarms().some((a) => a.kind === "technical")).toBe(true);
    expect(events.filter((e) => e.body.type === "team_checking").map((e) => e.body)).toEqual([
      { type: "team_checking", checking: true },
    ]);
  });
});
