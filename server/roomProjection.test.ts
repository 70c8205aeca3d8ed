/**
 * The per-role projection, without sockets: a seeded random treatment (procedure commands, faulty
 * and healthy readings, check-ins, comfort, Otto, members coming and going) is delivered to every
 * role in its own form. For each role: the sequence never skips, the projected events applied to
 * the first projected snapshot converge on the last one, and nothing the role may not see (alarm
 * text, device ids, staff ids and names, scores) is anywhere in what it received.
 * Set PROJECTION_SEED to replay one seed.
 */
import { describe, expect, it } from "vitest";
import { EVENT_ACCESS, Sight } from "../shared/access.ts";
import { ProcedureCommand } from "../shared/procedure/types.ts";
import { type DeliveredRoomEvent, Ev, type RoomEvent, type RoomSnapshot } from "../shared/protocol.ts";
import { mulberry32 } from "../shared/random.ts";
import { AUDIENCE_ROLES, type AudienceRole } from "../shared/roles.ts";
import { applyRoomEvent } from "../shared/roomView.ts";
import type { CheckedReading } from "../shared/soe/signals.ts";
import { seedClinic } from "./clinic.ts";
import { projectEvent, projectSnapshot } from "./roomProjection.ts";
import { type SessionActor, TreatmentSession } from "./session.ts";

function makeSession(seed: number) {
  let now = Date.UTC(2026, 10, 24, 9);
  const appt = { ...seedClinic(new Date(now)).appointments.get("julian")!, planId: "sensor-check-36" };
  const session = new TreatmentSession(appt, {
    now: () => now,
    rand: mulberry32(seed),
    ports: {
      saveAlarm: () => {},
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
  return { session, advance: (ms: number) => (now += ms), now: () => now };
}

const ph = (t: number, value: number, extra: Partial<CheckedReading> = {}): CheckedReading => ({
  deviceId: "soe-julian-36",
  signal: "ph",
  t,
  value,
  unit: "[pH]",
  tooth: 36,
  quality: "valid",
  status: "final",
  receivedAt: t,
  ...extra,
});

/** Staff identities no one outside the care team receives (the appointment names the clinician). */
const STAFF = ["dr-ray", "noah", "Noah", "anna", "Anna"];

/** Every piece of text in the raw stream that only the care team may receive. */
function careOnlyText(raw: readonly RoomEvent[], patientMemberId: string): Set<string> {
  const out = new Set<string>(STAFF);
  for (const { body } of raw) {
    switch (body.type) {
      case "alarm":
        out.add(body.alarm.message);
        if (body.alarm.deviceId) out.add(body.alarm.deviceId);
        break;
      case "device":
        out.add(body.device.deviceId);
        break;
      case "procedure":
        if (body.procedure?.blockedReason) out.add(body.procedure.blockedReason);
        if (body.procedure?.override) out.add(body.procedure.override.reason);
        if (body.transition?.reason) out.add(body.transition.reason);
        break;
      case "comfort":
        if (body.comfort.checkinPending) out.add(body.comfort.checkinPending.reason);
        break;
      case "otto": {
        const u = body.otto.lastUtterance;
        if (u && u.addressee !== patientMemberId) out.add(u.text);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

interface RoleClient {
  first: RoomSnapshot;
  view: RoomSnapshot;
  received: DeliveredRoomEvent[];
}

async function runTreatment(seed: number, steps: number) {
  const rand = mulberry32(seed);
  const { session, advance, now } = makeSession(seed);
  const actors = new Map<string, SessionActor>();
  const join = (personId: string, displayName: string, role: AudienceRole) => {
    const out = session.join({ personId, displayName, role });
    if (out.ok) actors.set(personId, { memberId: out.member.memberId, personId, role });
  };
  join("dr-ray", "Dr. Ray", "clinician");
  const clients = new Map<AudienceRole, RoleClient>();
  const raw: RoomEvent[] = [];
  session.room.onEvent((e) => {
    raw.push(e);
    for (const [role, c] of clients) {
      const delivered = structuredClone(projectEvent(e, role, session.room));
      c.received.push(delivered);
      expect(applyRoomEvent(c.view, delivered), `seed ${seed}: ${role} saw a gap`).toBe("applied");
    }
  });
  for (const role of AUDIENCE_ROLES) {
    const first = structuredClone(projectSnapshot(session.room.snapshot("m-dr-ray"), role, session.room));
    clients.set(role, { first, view: structuredClone(first), received: [] });
  }
  join("noah", "Noah", "assistant");
  join("julian", "Julian", "patient");
  join("anna", "Anna", "observer");
  join("demo-screen", "Demo screen", "presenter");
  const actor = (id: string) => actors.get(id)!;
  const commands = Object.values(ProcedureCommand);

  for (let i = 0; i < steps; i++) {
    advance(200 + Math.floor(rand() * 1500));
    const r = rand();
    if (r < 0.25)
      session.onReadings([
        ph(
          now(),
          rand() < 0.5 ? 2 : 7.1,
          rand() < 0.5 ? { quality: "invalid", reason: "pH out of range" } : {},
        ),
      ]);
    else if (r < 0.45) {
      const who = ["dr-ray", "noah", "julian"][Math.floor(rand() * 3)]!;
      const command = commands[Math.floor(rand() * commands.length)]!;
      await session.handle(actor(who), Ev.procedureCommand, { command, reason: "a note for the care team" });
    } else if (r < 0.5)
      await session.handle(actor("noah"), Ev.checkinRequest, { reason: "heart rate up from noah's check" });
    else if (r < 0.55)
      await session.handle(actor("julian"), Ev.checkinSubmit, { score: Math.floor(rand() * 11) });
    else if (r < 0.58) await session.handle(actor("julian"), Ev.mdasSubmit, { answers: [4, 4, 4, 4, 4] });
    else if (r < 0.65) await session.handle(actor("julian"), Ev.ottoAsk, { question: "will_it_hurt" });
    else if (r < 0.7) {
      const alarm = session.room.activeAlarms()[0];
      if (alarm) await session.handle(actor("dr-ray"), Ev.alarmAck, { alarmId: alarm.id });
    } else if (r < 0.73) session.drop(actor("noah").memberId);
    else if (r < 0.76) join("noah", "Noah", "assistant");
    else if (r < 0.78)
      session.room.applyFirmwareAction({
        action: "quarantine",
        firmware: "9.9.9-beta",
        since: now(),
        at: now(),
        by: "dr-ray",
        reason: "faulty beta firmware",
        retracted: 3,
      });
    else session.tick();
  }
  return { session, clients, raw };
}

describe("per-role projection", () => {
  const base = Number(process.env.PROJECTION_SEED ?? 20261126);
  const seeds = process.env.PROJECTION_SEED ? [base] : Array.from({ length: 12 }, (_, i) => base + i);

  it.each(
    seeds,
  )("seed %i: every role stays in sequence, converges, and receives only what it may", async (seed) => {
    console.log(`projection seed ${seed}`);
    const { session, clients, raw } = await runTreatment(seed, 250);
    expect(
      raw.some((e) => e.body.type === "alarm"),
      `seed ${seed}: the run raised no alarm`,
    ).toBe(true);
    for (const [role, c] of clients) {
      const last = projectSnapshot(session.room.snapshot("m-dr-ray"), role, session.room);
      const { serverTime: _a, you: _b, ...converged } = c.view;
      // A client keeps acknowledged, cleared alarms for its log; a snapshot lists the live ones.
      converged.alarms = converged.alarms.filter(
        (a) => a.clearedAt === undefined || a.acknowledgedAt === undefined,
      );
      const { serverTime: _c, you: _d, ...expected } = last;
      expect(converged, `seed ${seed}: ${role} view`).toEqual(expected);
      expect(c.received.map((e) => e.seq)).toEqual(raw.map((e) => e.seq));
      // Withheld exactly where the table says none, and the type kept everywhere else.
      raw.forEach((e, i) => {
        const got = c.received[i]!.body.type;
        const expectedType = EVENT_ACCESS[e.body.type][role] === Sight.none ? "withheld" : e.body.type;
        expect(got, `seed ${seed}: ${role}, ${e.body.type}`).toBe(expectedType);
      });
      // The presenter (the demo screen) sees what the care team sees.
      if (role === "clinician" || role === "assistant" || role === "presenter") {
        if (role === "presenter")
          expect(c.received, `seed ${seed}: presenter`).toEqual(clients.get("clinician")!.received);
        continue;
      }
      const text = JSON.stringify([c.first, c.received, last]);
      for (const secret of careOnlyText(raw, "m-julian")) {
        expect(
          text.includes(JSON.stringify(secret).slice(1, -1)),
          `seed ${seed}: ${role} received "${secret}"`,
        ).toBe(false);
      }
      expect(text).not.toMatch(/"heartRateBaseline":\d/);
      expect(text).not.toMatch(/a note for the care team/);
      if (role === "observer") {
        expect(text).not.toMatch(/"mdasScore":\d/);
        expect(text).not.toMatch(/high_anxiety/);
        expect(text).not.toMatch(/"lastCheckin":\{/);
        expect(c.received.some((e) => e.body.type === "checkin")).toBe(false);
      }
    }
  });
});

describe("projection of one room", () => {
  it("shows the patient themself in full and everyone else by role and alias; Otto speaks only to the patient", async () => {
    const { session } = makeSession(1);
    const ray = session.join({ personId: "dr-ray", displayName: "Dr. Ray", role: "clinician" });
    const julian = session.join({ personId: "julian", displayName: "Julian", role: "patient" });
    if (!ray.ok || !julian.ok) throw new Error("join failed");
    // Otto greets the clinician by name, without an addressee: not for the patient's ears.
    const patient = projectSnapshot(session.room.snapshot(julian.member.memberId), "patient", session.room);
    expect(patient.you).toBe("m-julian");
    expect(patient.members.find((m) => m.role === "patient")).toMatchObject({
      personId: "julian",
      displayName: "Julian",
    });
    expect(patient.members.find((m) => m.role === "clinician")).toMatchObject({ displayName: "Clinician" });
    expect(patient.members.find((m) => m.role === "clinician")!.memberId).toMatch(/^member-\d+$/);
    expect(patient.otto.lastUtterance?.addressee ?? "m-julian").toBe("m-julian");

    const observer = projectSnapshot(session.room.snapshot(julian.member.memberId), "observer", session.room);
    expect(observer.members.find((m) => m.role === "patient")).toMatchObject({ displayName: "Julian" });
    expect(observer.members.find((m) => m.role === "patient")!.personId).not.toBe("julian");

    await session.handle(
      { memberId: ray.member.memberId, personId: "dr-ray", role: "clinician" },
      Ev.procedureCommand,
      { command: "start" },
    );
    await session.handle(
      { memberId: ray.member.memberId, personId: "dr-ray", role: "clinician" },
      Ev.procedureCommand,
      { command: "next" },
    );
    const full = session.room.snapshot(ray.member.memberId);
    expect(full.procedure?.blockedReason).toMatch(/36/);
    expect(full.otto.lastUtterance?.addressee).toBe(ray.member.memberId);
    for (const role of ["patient", "observer"] as const) {
      const seen = projectSnapshot(full, role, session.room);
      expect(seen.procedure).toMatchObject({ status: "blocked", blockedReason: null, override: null });
      expect(seen.procedure?.step?.title).toBe(full.procedure?.step?.title);
      expect(seen.otto.lastUtterance).toBeNull();
      expect(seen.otto.state).toBe(full.otto.state);
    }
  });
});
