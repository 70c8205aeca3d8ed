/**
 * A room survives a restart: every pure part and the whole session round-trip through plain data
 * (and through the stored text, schema-checked), and the restored session behaves as the original.
 */
import { describe, expect, it } from "vitest";
import { CheckinTrigger } from "../shared/comfort/checkinTrigger.ts";
import { planById } from "../shared/procedure/plans.ts";
import { ProcedureMachine } from "../shared/procedure/procedureMachine.ts";
import { ProcedureStatus } from "../shared/procedure/types.ts";
import { ConnectionState, Ev } from "../shared/protocol.ts";
import { mulberry32 } from "../shared/random.ts";
import type { ClientPayloadEvent } from "../shared/schemas.ts";
import { AlarmEngine } from "../shared/soe/alarmRules.ts";
import type { CheckedReading } from "../shared/soe/signals.ts";
import { seedClinic } from "./clinic.ts";
import { OttoRules } from "./otto/ottoRules.ts";
import { Room } from "./room.ts";
import { decodeSessionState, encodeSessionState, type SessionState } from "./roomState.ts";
import { type SessionActor, type SessionOptions, TreatmentSession } from "./session.ts";

const T0 = Date.UTC(2026, 10, 24, 9);

function clock() {
  let now = T0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function options(now: () => number): SessionOptions {
  return {
    now,
    // A constant source, so an original and its restored copy choose the same words.
    rand: () => 0.5,
    ports: {
      saveAlarm: () => {},
      readingsSince: async () => [],
      quarantine: async () => ({ ok: true, value: { devices: 0, patients: 0, retracted: 0 } }),
      lift: async (firmware, reason, by) => ({
        ok: true,
        value: { action: "lift", firmware, reason, by, at: now() },
      }),
      audit: () => {},
      flushState: async () => {},
    },
  };
}

const appointment = (planId: string) => ({
  ...seedClinic(new Date(T0)).appointments.get("julian")!,
  planId,
});

/** Stores and loads as the server does: through text and the schema. */
function throughStorage(state: SessionState): SessionState {
  const decoded = decodeSessionState(encodeSessionState(state));
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value;
}

function restore(session: TreatmentSession, now: () => number, minSeq = 0): TreatmentSession {
  const restored = TreatmentSession.fromState(
    session.appointment,
    throughStorage(session.toState()),
    options(now),
    minSeq,
  );
  if (!restored.ok) throw new Error(restored.error.message);
  return restored.value;
}

const ph = (now: number, quality: "valid" | "invalid", value = 7.1): CheckedReading => ({
  deviceId: "soe-julian-36",
  signal: "ph",
  t: now,
  value,
  unit: "[pH]",
  tooth: 36,
  quality,
  status: "final",
  receivedAt: now,
  ...(quality === "invalid" ? { reason: "out of range" } : {}),
});

const hr = (now: number, value: number): CheckedReading => ({
  deviceId: "hr-julian",
  signal: "heartRate",
  t: now,
  value,
  unit: "/min",
  quality: "valid",
  status: "final",
  receivedAt: now,
});

function joinAll(session: TreatmentSession) {
  const join = (personId: string, displayName: string, role: SessionActor["role"]): SessionActor => {
    const out = session.join({ personId, displayName, role });
    if (!out.ok) throw new Error("join failed");
    return { memberId: out.member.memberId, personId, role };
  };
  return {
    ray: join("dr-ray", "Dr. Ray", "clinician"),
    noah: join("noah", "Noah", "assistant"),
    julian: join("julian", "Julian", "patient"),
  };
}

describe("pure parts round-trip through plain data", () => {
  it("ProcedureMachine: same state, same answers afterwards", () => {
    const { now, advance } = clock();
    const plan = planById("filling-36")!;
    const opts = { now, interlock: () => ({ ok: true as const }) };
    const a = new ProcedureMachine(plan, opts);
    const clinician = { memberId: "m-ray", role: "clinician" as const };
    const patient = { memberId: "m-julian", role: "patient" as const };
    a.command(clinician, "start");
    advance(1000);
    a.command(clinician, "pause", "suction");
    a.command(patient, "stop", "hurts");
    const restored = ProcedureMachine.fromState(structuredClone(a.toState()), opts);
    expect(restored.ok).toBe(true);
    const b = restored.ok ? restored.value : a;
    expect(b.toState()).toEqual(a.toState());
    expect(b.view()).toEqual(a.view());
    expect(b.history()).toEqual(a.history());
    for (const m of [a, b]) {
      expect(m.command(clinician, "next").ok).toBe(false);
      // The stop came during a clinician's pause: the patient's ready returns to that pause.
      expect(m.command(patient, "ready").ok).toBe(true);
    }
    expect(b.view().status).toBe(ProcedureStatus.paused);
    expect(b.toState()).toEqual(a.toState());
  });

  it("ProcedureMachine: a state that contradicts itself is refused", () => {
    const { now } = clock();
    const opts = { now, interlock: () => ({ ok: true as const }) };
    const state = new ProcedureMachine(planById("filling-36")!, opts).toState();
    expect(ProcedureMachine.fromState({ ...state, stepIndex: 99 }, opts).ok).toBe(false);
    expect(ProcedureMachine.fromState({ ...state, status: "running" }, opts).ok).toBe(false);
    expect(ProcedureMachine.fromState({ ...state, returnTo: "running" }, opts).ok).toBe(false);
  });

  it("AlarmEngine: an active alarm is neither raised again nor lost; windows keep counting", () => {
    const { now, advance } = clock();
    const ids = (from: number) => {
      let id = from;
      return () => `al-${++id}`;
    };
    const opts = { now, newId: ids(0) };
    const a = new AlarmEngine(opts);
    for (let i = 0; i < 3; i++) {
      advance(1000);
      a.onReading(ph(now(), "invalid"), { heartRateBaseline: null });
    }
    // Two of the three invalid readings a second fault needs, on another device signal.
    advance(1000);
    a.onReading({ ...ph(now(), "invalid"), signal: "temperature" }, { heartRateBaseline: null });
    a.onReading({ ...ph(now(), "invalid"), signal: "temperature" }, { heartRateBaseline: null });
    expect(a.list()).toHaveLength(1);
    // The session keeps its id counter in its own state; here the copy continues from al-1.
    const restored = AlarmEngine.fromState(JSON.parse(JSON.stringify(a.toState())), { now, newId: ids(1) });
    expect(restored.ok).toBe(true);
    const b = restored.ok ? restored.value : a;
    expect(b.toState()).toEqual(a.toState());
    for (const e of [a, b]) {
      // Same condition: no second alarm for the active key.
      expect(e.onReading(ph(now(), "invalid"), { heartRateBaseline: null })).toEqual([]);
      // The third bad temperature reading completes the restored window.
      const raised = e.onReading(
        { ...ph(now(), "invalid"), signal: "temperature" },
        { heartRateBaseline: null },
      );
      expect(raised).toHaveLength(1);
    }
    expect(b.list()).toEqual(a.list());
    const broken = { ...a.toState(), activeByKey: { "technical:x:ph": "al-404" } };
    expect(AlarmEngine.fromState(broken, opts).ok).toBe(false);
  });

  it("CheckinTrigger: the baseline and the cooldown carry over", () => {
    const a = new CheckinTrigger({ patientName: "Julian" });
    let t = T0;
    for (let i = 0; i < 70; i++) {
      t += 1000;
      a.onHeartRate(t, 70 + (i % 3));
    }
    let prompts = 0;
    for (let i = 0; i < 20; i++) {
      t += 1000;
      if (a.onHeartRate(t, 95).prompt) prompts++;
    }
    expect(prompts).toBe(1);
    const b = CheckinTrigger.fromState(JSON.parse(JSON.stringify(a.toState())), { patientName: "Julian" });
    expect(b.toState()).toEqual(a.toState());
    // Still in the cooldown: neither asks again.
    for (let i = 0; i < 20; i++) {
      t += 1000;
      expect(b.onHeartRate(t, 95)).toEqual(a.onHeartRate(t, 95));
    }
  });

  it("OttoRules: the humour cooldown carries over", () => {
    const a = new OttoRules({ rand: () => 0 });
    const b = new OttoRules({ rand: () => 0 });
    expect(a.toState()).toEqual({ lastHumourAt: null });
    a.restoreState({ lastHumourAt: 1234 });
    b.restoreState(JSON.parse(JSON.stringify(a.toState())));
    expect(b.toState()).toEqual({ lastHumourAt: 1234 });
  });

  it("Room: people come back reconnecting, the sequence never goes back", () => {
    const { now, advance } = clock();
    const appt = appointment("filling-36");
    const a = new Room(appt, { now });
    a.join({ personId: "dr-ray", displayName: "Dr. Ray", role: "clinician" });
    a.join({ personId: "julian", displayName: "Julian", role: "patient" });
    a.drop("m-julian");
    const droppedAt = now();
    advance(5000);
    const b = new Room(appt, { now });
    b.restoreState(JSON.parse(JSON.stringify(a.toState())), a.lastSeq + 3);
    expect(b.lastSeq).toBe(a.lastSeq + 3);
    expect(b.people().map((m) => m.connection)).toEqual([
      ConnectionState.reconnecting,
      ConnectionState.reconnecting,
    ]);
    // The rejoin window of one who had already dropped runs from when they dropped.
    advance(120_000 - 5000);
    expect(b.expireDropped()).toEqual(["m-julian"]);
    expect(droppedAt).toBeLessThan(now());
    const back = b.join({ personId: "dr-ray", displayName: "Dr. Ray", role: "clinician" });
    expect(back.ok && back.rejoined).toBe(true);
    expect(b.member("m-dr-ray")?.connection).toBe(ConnectionState.connected);
  });
});

describe("a whole TreatmentSession survives a restart", () => {
  it("keeps the patient's stop, a latched and an acknowledged alarm, comfort and Otto", async () => {
    const { now, advance } = clock();
    const session = new TreatmentSession(appointment("filling-36"), options(now));
    const { ray, noah, julian } = joinAll(session);
    expect((await session.handle(julian, Ev.mdasSubmit, { answers: [4, 4, 4, 4, 4] })).ok).toBe(true);
    for (let i = 0; i < 70; i++) {
      advance(1000);
      session.onReadings([hr(now(), 70 + (i % 3))]);
    }
    expect((await session.handle(ray, Ev.procedureCommand, { command: "start" })).ok).toBe(true);
    // An acknowledged alarm: a device fault, still active, seen by the clinician.
    for (let i = 0; i < 3; i++) {
      advance(1000);
      session.onReadings([ph(now(), "invalid", 2)]);
    }
    const fault = session.room.activeAlarms().find((a) => a.kind === "technical")!;
    expect((await session.handle(ray, Ev.alarmAck, { alarmId: fault.id })).ok).toBe(true);
    // A latched alarm: a dropout that cleared, not yet acknowledged.
    session.onDropouts([
      { deviceId: "soe-julian-46", signal: "ph", tooth: 46, missingSamples: 9, lastAt: now() },
    ]);
    advance(1000);
    session.onDropouts([]);
    const latched = session.room.activeAlarms().find((a) => a.key === "device:soe-julian-46")!;
    expect(latched.clearedAt).toBeDefined();
    expect(latched.acknowledgedAt).toBeUndefined();
    expect((await session.handle(julian, Ev.procedureCommand, { command: "stop" })).ok).toBe(true);
    expect(session.room.getProcedure()?.status).toBe(ProcedureStatus.pausedByPatient);

    const restored = restore(session, now, session.room.lastSeq);
    const before = session.room.snapshot(ray.memberId);
    const after = restored.room.snapshot(ray.memberId);
    const { members: membersBefore, ...restBefore } = before;
    const { members: membersAfter, ...restAfter } = after;
    expect(restAfter).toEqual(restBefore);
    expect(membersAfter.map((m) => ({ ...m, connection: ConnectionState.connected }))).toEqual(membersBefore);
    expect(membersAfter.filter((m) => m.role !== "otto").every((m) => m.connection === "reconnecting")).toBe(
      true,
    );
    expect(restored.procedureHistory()).toEqual(session.procedureHistory());
    expect(restored.toState().alarms).toEqual(session.toState().alarms);
    expect(after.comfort.mdasScore).toBe(20);
    expect(after.comfort.heartRateBaseline).toBe(71);
    expect(after.alarms.find((a) => a.id === fault.id)?.acknowledgedBy).toBe("dr-ray");

    // The stop holds: nobody but the patient's ready or a clinician with a note moves on.
    for (const [actor, command] of [
      [ray, "next"],
      [ray, "resume"],
      [noah, "next"],
      [noah, "resume"],
      [ray, "start"],
    ] as const) {
      expect((await restored.handle(actor, Ev.procedureCommand, { command })).ok).toBe(false);
    }
    expect(restored.room.getProcedure()?.status).toBe(ProcedureStatus.pausedByPatient);

    // Alarms neither duplicate nor vanish: the same fault goes on without a new alarm.
    advance(1000);
    restored.onReadings([ph(now(), "invalid", 2)]);
    expect(restored.room.activeAlarms().map((a) => a.id)).toEqual(
      session.room.activeAlarms().map((a) => a.id),
    );
    // The latched alarm stays until acknowledged, then leaves the list.
    expect((await restored.handle(ray, Ev.alarmAck, { alarmId: latched.id })).ok).toBe(true);
    expect(restored.room.activeAlarms().some((a) => a.id === latched.id)).toBe(false);

    // The patient's ready continues where the stop interrupted.
    expect((await restored.handle(julian, Ev.procedureCommand, { command: "ready" })).ok).toBe(true);
    expect(restored.room.getProcedure()?.status).toBe(ProcedureStatus.running);
    expect(restored.room.getProcedure()?.stepIndex).toBe(before.procedure?.stepIndex);
  });

  it("a clinician's resume with a note also lifts a restored stop", async () => {
    const { now } = clock();
    const session = new TreatmentSession(appointment("filling-36"), options(now));
    const { ray, julian } = joinAll(session);
    await session.handle(ray, Ev.procedureCommand, { command: "start" });
    await session.handle(julian, Ev.procedureCommand, { command: "stop" });
    const restored = restore(session, now);
    const resumed = await restored.handle(ray, Ev.procedureCommand, {
      command: "resume",
      reason: "spoke with Julian",
    });
    expect(resumed.ok).toBe(true);
    expect(restored.room.getProcedure()?.status).toBe(ProcedureStatus.running);
  });

  it("the patient's stop is stored before its ack", async () => {
    const { now } = clock();
    const order: string[] = [];
    const opts = options(now);
    opts.ports.flushState = async () => {
      order.push(`stored ${session.room.getProcedure()?.status}`);
    };
    const session = new TreatmentSession(appointment("filling-36"), opts);
    const { ray, julian } = joinAll(session);
    await session.handle(ray, Ev.procedureCommand, { command: "start" });
    order.length = 0;
    const ack = session
      .handle(julian, Ev.procedureCommand, { command: "stop" })
      .then(() => order.push("ack"));
    await ack;
    expect(order).toEqual(["stored paused_by_patient", "ack"]);
  });

  it("a damaged stored state is a clear error, never a crash", () => {
    const { now } = clock();
    const session = new TreatmentSession(appointment("filling-36"), options(now));
    const text = encodeSessionState(session.toState());
    expect(decodeSessionState("{not json").ok).toBe(false);
    const wrongType = decodeSessionState(text.replace('"status":"not_started"', '"status":"sideways"'));
    expect(wrongType.ok ? "" : wrongType.error.message).toMatch(/damaged at .*status/);
    const other = { ...session.toState(), appointmentId: "flower" };
    expect(TreatmentSession.fromState(session.appointment, other, options(now)).ok).toBe(false);
  });
});

describe("restore is invisible to what follows (seeded property)", () => {
  const seeds = Array.from({ length: 24 }, (_, i) => i + 1);
  it.each(seeds)("seed %i: original and restored copy stay identical", async (seed) => {
    const rand = mulberry32(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const { now, advance } = clock();
    const original = new TreatmentSession(
      appointment(pick(["filling-36", "sensor-check-36", "cleaning"])),
      options(now),
    );
    const people = joinAll(original);
    const actors = [people.ray, people.noah, people.julian];
    let copy: TreatmentSession | null = null;
    const commands = [
      "start",
      "pause",
      "resume",
      "next",
      "repeat",
      "stop",
      "ready",
      "override",
      "abort",
    ] as const;
    type Step =
      | { event: ClientPayloadEvent; actor: SessionActor; payload: Record<string, unknown> }
      | "tick"
      | "readings";
    const steps: Step[] = [];
    const alarmIds = () => original.room.activeAlarms().map((a) => a.id);
    for (let i = 0; i < 150; i++) {
      const roll = rand();
      let step: Step;
      if (roll < 0.5) {
        const reason = rand() < 0.5 ? "noted" : undefined;
        step = {
          event: Ev.procedureCommand,
          actor: pick(actors),
          payload: { command: pick(commands), ...(reason ? { reason } : {}) },
        };
      } else if (roll < 0.6 && alarmIds().length > 0) {
        step = { event: Ev.alarmAck, actor: pick(actors), payload: { alarmId: pick(alarmIds()) } };
      } else if (roll < 0.7) {
        step = {
          event: Ev.checkinSubmit,
          actor: people.julian,
          payload: { score: Math.floor(rand() * 11) },
        };
      } else if (roll < 0.75) {
        step = { event: Ev.breathing, actor: pick(actors), payload: { on: rand() < 0.5 } };
      } else if (roll < 0.85) step = "tick";
      else step = "readings";
      steps.push(step);
      const readings = [
        ph(now(), rand() < 0.4 ? "invalid" : "valid", 4.5 + rand() * 3),
        hr(now(), 60 + rand() * 110),
      ];
      for (const s of copy ? [original, copy] : [original]) {
        if (step === "tick") s.tick();
        else if (step === "readings") s.onReadings(readings);
        else await s.handle(step.actor, step.event, step.payload as never);
      }
      if (step === "tick" || step === "readings") advance(1000);
      if (copy) {
        // The seed and step are in the message, so a failure can be replayed.
        expect(comparable(copy.toState()), `seed ${seed}, step ${i}`).toEqual(comparable(original.toState()));
      }
      if (copy === null && rand() < 0.05) copy = restore(original, now, original.room.lastSeq);
    }
    expect(copy, `seed ${seed}: the copy was made`).not.toBeNull();
  });
});

/** A state without what a restart changes on purpose: people's connection (reconnecting). */
function comparable(state: SessionState) {
  return {
    ...state,
    room: { ...state.room, members: state.room.members.map((m) => m.view.memberId) },
  };
}
