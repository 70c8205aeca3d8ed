/**
 * The role × event visibility matrix over real sockets, with two rooms side by side (Julian's and
 * Flower's), each with a patient, a clinician, an assistant and an observer. Julian's room goes
 * through every room event type (members coming and going, Otto, the procedure, comfort, a
 * check-in, a sensor alarm and the calm cue, device updates) and Flower's clinician quarantines a
 * firmware. Then, for every server→client stream, every room event type and every snapshot field,
 * each role received exactly what shared/access.ts grants it, in sequence and without gaps, and
 * nothing of one room reached the other room's patient or observer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import { BETA_FIRMWARE, syntheticClinic } from "../../server/clinic.ts";
import { deviceKey, signInvite } from "../../server/tokens.ts";
import { EVENT_ACCESS, Sight, SNAPSHOT_ACCESS, STREAM_ACCESS } from "../../shared/access.ts";
import { decodeBatch, encodePose, type Pose } from "../../shared/poseCodec.ts";
import { PROCEDURE_COMMANDS } from "../../shared/procedure/types.ts";
import {
  type DeliveredRoomEvent,
  ErrorCode,
  Ev,
  PROTOCOL_VERSION,
  type ReadingsBatch,
  type RoomEventType,
  type RoomSnapshot,
} from "../../shared/protocol.ts";
import { type AudienceRole, INVITE_ROLES, type InviteRole } from "../../shared/roles.ts";
import {
  connectRefusal,
  cookieAuth,
  startTestServer,
  TestClient,
  type TestServer,
  waitFor,
} from "../harness.ts";
import { IssuedCredentials } from "../issuedCredentials.ts";

const QUARANTINED = "9.9.9-beta";
const POSE: Pose = {
  head: { p: { x: 0.1, y: 1.2, z: 0.3 }, q: { x: 0, y: 0, z: 0, w: 1 } },
  left: null,
  right: null,
};

/** Everything one client received besides what the harness records. */
interface Seat {
  client: TestClient;
  welcome: RoomSnapshot;
  readings: ReadingsBatch[];
}

let server: TestServer;
let issued: IssuedCredentials;
const julian = {} as Record<InviteRole, Seat>;
const flower = {} as Record<InviteRole, Seat>;
let alarmMessage = "";

async function seatAsync(appointmentId: string, role: AudienceRole): Promise<Seat> {
  const client = await TestClient.joinAsync(server, appointmentId, role);
  const seat: Seat = { client, welcome: structuredClone(client.view!), readings: [] };
  client.socket.on(Ev.readings, (b) => seat.readings.push(b));
  return seat;
}

/** A guest observer (invited like any observer) who joins and leaves, so every seat sees member_left. */
async function guestVisitAsync(): Promise<void> {
  const { cookie } = issued.observer(server, "julian", "Guest student");
  const guest = new TestClient(server.origin, cookieAuth("julian"), cookie);
  await waitFor(() => guest.view !== null, "guest welcome");
  guest.socket.disconnect();
}

const ray = () => julian.clinician.client;
const sawType = (seat: Seat, type: RoomEventType) => seat.client.events.some((e) => e.body.type === type);

beforeAll(async () => {
  // Julian's and Flower's rooms are the demo clinic's; Ada is a patient of the real clinic.
  server = await startTestServer(
    {},
    { clinic: syntheticClinic({ patientIds: ["ada"], teeth: [36], planId: "cleaning" }) },
  );
  issued = IssuedCredentials.on(server);
  for (const role of INVITE_ROLES) {
    julian[role] = await seatAsync("julian", role);
    flower[role] = await seatAsync("flower", role);
  }

  // Members: a guest comes and goes (member_joined, member_left); a seat drops and is back (member_updated).
  await guestVisitAsync();
  await waitFor(() => sawType(julian.patient, "member_left"), "member_left");

  // Procedure, comfort, a check-in, the patient's question to Otto.
  expect((await ray().command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);
  expect((await julian.patient.client.command(Ev.breathing, { on: true })).ok).toBe(true);
  expect((await julian.patient.client.command(Ev.mdasSubmit, { answers: [4, 4, 4, 4, 4] })).ok).toBe(true);
  expect((await julian.assistant.client.command(Ev.checkinRequest, { reason: "heart rate up 30%" })).ok).toBe(
    true,
  );
  expect((await julian.patient.client.command(Ev.checkinSubmit, { score: 6 })).ok).toBe(true);
  expect((await julian.patient.client.command(Ev.ottoAsk, { question: "how_long" })).ok).toBe(true);
  // The patient's own words (a separate pace from the menu question)
  expect((await julian.patient.client.command(Ev.ottoTell, { text: "stop please", spoken: true })).ok).toBe(
    true,
  );
  expect((await julian.patient.client.command(Ev.procedureCommand, { command: "ready" })).ok).toBe(true);

  // A faulty pH sensor on 36: readings stream to the care team, a device update, a technical alarm.
  const device = await sendImpossiblePh("soe-julian-36", QUARANTINED);
  await waitFor(() => ray().view!.alarms.some((a) => a.deviceId === "soe-julian-36"), "the alarm at Dr. Ray");
  alarmMessage = ray().view!.alarms.find((a) => a.deviceId === "soe-julian-36")!.message;
  // The patient's calm cue comes only while the team holds the started treatment for an alarm.
  expect((await ray().command(Ev.procedureCommand, { command: "pause" })).ok).toBe(true);
  await waitFor(() => julian.patient.client.view?.teamChecking === true, "the calm cue at Julian");
  await waitFor(() => julian.clinician.readings.length > 0, "readings at the care team");
  device.close();

  // Flower's clinician quarantines a firmware: a clinic-wide event.
  const quarantined = await flower.clinician.client.command(Ev.firmwareQuarantine, {
    firmware: QUARANTINED,
    since: Date.now() - 60_000,
    reason: "Beta build reports impossible pH values",
    confirm: true,
  });
  expect(quarantined.ok, JSON.stringify(quarantined)).toBe(true);
  // ...and lifts it again: clinic-wide too.
  const lifted = await flower.clinician.client.command(Ev.firmwareLift, {
    firmware: QUARANTINED,
    reason: "Vendor confirmed the fix in this build",
  });
  expect(lifted.ok, JSON.stringify(lifted)).toBe(true);
  // ...and quarantines it once more, so the snapshot ends with one held.
  const again = await flower.clinician.client.command(Ev.firmwareQuarantine, {
    firmware: QUARANTINED,
    since: Date.now() - 60_000,
    reason: "The fixed build misbehaves as well",
    confirm: true,
  });
  expect(again.ok, JSON.stringify(again)).toBe(true);

  // A protocol error from Julian's observer, and the assistant drops and comes back.
  // biome-ignore lint/suspicious/noExplicitAny: a deliberately unknown event
  (julian.observer.client.socket as any).emit("drill:speed", 1e9);
  await waitFor(() => julian.observer.client.errors.length > 0, "the observer's protocol error");
  julian.assistant.client.socket.io.engine.close();
  await waitFor(
    () => ray().view!.members.some((m) => m.role === "assistant" && m.connection === "reconnecting"),
    "the assistant reconnecting",
  );
  await waitFor(
    () =>
      julian.assistant.client.socket.connected &&
      ray().view!.members.some((m) => m.role === "assistant" && m.connection === "connected"),
    "the assistant back",
    10_000,
  );

  // Poses: the patient moves; every seat in Julian's room gets a batch with the patient's slot.
  const slot = julian.patient.client.view!.members.find((m) => m.role === "patient")!.slot;
  julian.patient.client.socket.emit(Ev.pose, encodePose(POSE));
  for (const seat of Object.values(julian)) {
    await waitFor(
      () => seat.client.poseBatches.some((b) => decodeBatch(b).poses.some((p) => p.slot === slot)),
      "the patient's pose",
    );
  }

  // A sentinel everyone sees: once it arrived, everything before it has arrived too.
  expect((await ray().command(Ev.surroundings, { surroundings: "clinic" })).ok).toBe(true);
  const last = server.sessions.forAppointment("julian").room.lastSeq;
  for (const seat of Object.values(julian)) await waitFor(() => seat.client.view?.seq === last, "in step");
  const flowerLast = server.sessions.forAppointment("flower").room.lastSeq;
  for (const seat of Object.values(flower))
    await waitFor(() => seat.client.view?.seq === flowerLast, "in step");
}, 60_000);

afterAll(async () => {
  for (const seat of [...Object.values(julian), ...Object.values(flower)]) seat.client.close();
  await server.stopAsync();
});

/** A faulty pH sensor's first batch: six impossible readings (pH 1) from ten seconds ago, stored. */
async function sendImpossiblePh(deviceId: string, firmware: string): Promise<DeviceClient> {
  const device = new DeviceClient({
    url: server.origin,
    deviceId,
    deviceKey: deviceKey(server.secret, deviceId),
  });
  const t = Date.now() - 10_000;
  device.send({
    seq: 1,
    firmware,
    readings: Array.from({ length: 6 }, (_, i) => ({
      signal: "ph" as const,
      t: t + i * 1000,
      value: 1,
      unit: "[pH]",
      tooth: 36,
    })),
  });
  expect(await device.flushAsync()).toBe(true);
  return device;
}

describe("room events: each role gets its own form of every event, in sequence", () => {
  it("went through every room event type in Julian's room", () => {
    const types = Object.keys(EVENT_ACCESS) as RoomEventType[];
    // The assistant reconnected, so it may have taken some events from a fresh snapshot instead.
    const missing = types.filter((type) => !sawType(julian.clinician, type));
    expect(missing).toEqual([]);
  });

  const rows = (Object.keys(EVENT_ACCESS) as RoomEventType[]).flatMap((type) =>
    INVITE_ROLES.map((role) => [type, role, EVENT_ACCESS[type][role]] as const),
  );
  it.each(rows)("%s to the %s: %s", (type, role, sight) => {
    // The clinician's stream is the full one: compare each of this role's events at the same seq.
    const full = new Map(julian.clinician.client.events.map((e) => [e.seq, e]));
    const mine = julian[role].client.events.filter((e) => full.get(e.seq)?.body.type === type);
    if (role !== "assistant") expect(mine.length, `${role} got no ${type} at all`).toBeGreaterThan(0);
    for (const e of mine) {
      const original = full.get(e.seq)!;
      switch (sight) {
        case Sight.full:
          expect(e).toEqual(original);
          break;
        case Sight.none:
          expect(e.body).toEqual({ type: "withheld" });
          break;
        case Sight.own:
        case Sight.shared:
          expect(e.body.type).toBe(type);
          break;
      }
    }
  });

  it("numbers every role's events without a gap, so no one resyncs for withheld events", () => {
    for (const seat of [...Object.values(julian), ...Object.values(flower)]) {
      const seqs = contiguousRuns(seat.client.events);
      // One run from the welcome on. The assistant reconnected: recovered (connection-state recovery
      // replays what it missed, no new welcome) it is still one run; else a second from its new welcome.
      const resynced = seat === julian.assistant && !seat.client.socket.recovered;
      expect(seqs.length, `${seat.welcome.members.find((m) => m.memberId === seat.welcome.you)?.role}`).toBe(
        resynced ? 2 : 1,
      );
      expect(seat.client.events[0]!.seq).toBe(seat.welcome.seq + 1);
    }
  });

  it("keeps alarm text, device ids, staff ids, notes and scores from the patient and the observer", () => {
    for (const role of ["patient", "observer"] as const) {
      const text = JSON.stringify([
        julian[role].welcome,
        julian[role].client.events,
        julian[role].client.view,
      ]);
      for (const secret of [
        alarmMessage,
        "soe-julian-36",
        QUARANTINED,
        "dr-ray",
        "noah",
        "heart rate up 30%",
      ]) {
        expect(text.includes(secret), `${role} received "${secret}"`).toBe(false);
      }
      expect(text).not.toMatch(/"heartRateBaseline":\d/);
    }
    const observer = JSON.stringify([julian.observer.client.events, julian.observer.client.view]);
    expect(observer).not.toMatch(/"mdasScore":\d/);
    expect(observer).not.toMatch(/"lastCheckin":\{/);
    expect(observer).not.toMatch(/"score":6/);
  });
});

describe("two rooms side by side", () => {
  it("never lets Julian's alarm or devices reach anyone in Flower's room", () => {
    for (const seat of Object.values(flower)) {
      const text = JSON.stringify([seat.client.events, seat.client.view, seat.readings]);
      expect(text.includes(alarmMessage)).toBe(false);
      expect(text.includes("soe-julian-36")).toBe(false);
    }
  });

  it("gives Flower's quarantine to the care teams only, never to a patient or an observer", () => {
    for (const room of [julian, flower]) {
      for (const role of INVITE_ROLES) {
        const got = room[role].client.events.some((e) => e.body.type === "firmware_quarantined");
        const text = JSON.stringify([room[role].client.events, room[role].client.view]);
        const care = role === "clinician" || role === "assistant";
        if (role !== "assistant") expect(got, `${role}`).toBe(care);
        if (!care) expect(text.includes(QUARANTINED), `${role} saw the firmware`).toBe(false);
      }
    }
  });
});

describe("streams and snapshot fields", () => {
  const streams = (Object.keys(STREAM_ACCESS) as (keyof typeof STREAM_ACCESS)[]).flatMap((stream) =>
    INVITE_ROLES.map((role) => [stream, role, STREAM_ACCESS[stream][role]] as const),
  );
  it.each(streams)("%s to the %s: %s", (stream, role, allowed) => {
    const seat = julian[role];
    switch (stream) {
      case Ev.welcome:
        expect(seat.welcome.appointment.roomId).toBe("room-julian");
        break;
      case Ev.roomEvent:
        expect(seat.client.events.length > 0).toBe(allowed);
        break;
      case Ev.poses:
        expect(seat.client.poseBatches.length > 0).toBe(allowed);
        break;
      case Ev.readings:
        expect(seat.readings.length > 0).toBe(allowed);
        expect(flower[role].readings).toEqual([]);
        break;
      case Ev.protocolError:
        // Only the socket that sent the bad message hears about it.
        expect(seat.client.errors.length > 0).toBe(role === "observer");
        break;
    }
  });

  // One fresh snapshot per seat (room:snapshot is rate-limited like any command).
  const snapshots = {} as Record<InviteRole, RoomSnapshot>;
  beforeAll(async () => {
    for (const role of INVITE_ROLES) snapshots[role] = await snapshotAsync(julian[role].client);
  });
  const fields = (Object.keys(SNAPSHOT_ACCESS) as (keyof RoomSnapshot)[]).flatMap((field) =>
    INVITE_ROLES.map((role) => [field, role, SNAPSHOT_ACCESS[field][role]] as const),
  );
  it.each(fields)("snapshot field %s to the %s: %s", (field, role, sight) => {
    const mine = snapshots[role];
    const full = snapshots.clinician;
    switch (sight) {
      case Sight.full:
        if (field !== "you" && field !== "serverTime") expect(mine[field]).toEqual(full[field]);
        break;
      case Sight.none:
        expect(full[field]).not.toEqual([]);
        expect(mine[field]).toEqual([]);
        // The welcome is cut by the same table.
        expect(julian[role].welcome[field]).toEqual([]);
        break;
      case Sight.own:
      case Sight.shared:
        for (const snapshot of [mine, julian[role].welcome]) {
          expect(JSON.stringify(snapshot[field])).not.toMatch(/dr-ray|noah|soe-julian|heart rate up/);
        }
        break;
    }
  });

  it("shows staff to the patient by role and seat, the patient to themself in full", () => {
    const mine = snapshots.patient;
    expect(mine.members.find((m) => m.memberId === mine.you)).toMatchObject({
      personId: "julian",
      role: "patient",
    });
    const staff = mine.members.filter(
      (m) => m.role === "clinician" || m.role === "assistant" || m.role === "observer",
    );
    expect(staff.map((m) => m.displayName).sort()).toEqual(["Assistant", "Clinician", "Observer"]);
    for (const m of staff) expect(m.memberId).toBe(m.personId);
    expect(mine.teamChecking).toBe(true);
    expect(mine.comfort.mdasScore).toBe(20);
    const observer = snapshots.observer;
    expect(observer.comfort.mdasScore).toBeNull();
    expect(observer.procedure?.status).toBe("paused");
  });
});

describe("who may make Otto speak", () => {
  it("refuses an observer's otto:ask, and Otto says nothing", async () => {
    for (const role of ["observer", "clinician", "assistant"] as const) {
      const before = ray().events.length;
      const asked = await julian[role].client.command(Ev.ottoAsk, { question: "will_it_hurt" });
      expect(asked).toMatchObject({ ok: false, error: { code: ErrorCode.forbidden } });
      // A sentinel after the refusal (Otto does not react to it): every event caused before it
      // arrives before it.
      const sentinel = await ray().command(Ev.surroundings, {
        surroundings: role === "clinician" ? "nature" : "clinic",
      });
      expect(sentinel.ok).toBe(true);
      await waitFor(
        () =>
          ray()
            .events.slice(before)
            .some((e) => e.body.type === "comfort"),
        "the sentinel at Dr. Ray",
      );
      const between = ray().events.slice(before);
      expect(
        between.filter((e) => e.body.type === "otto"),
        `Otto spoke for the ${role}`,
      ).toEqual([]);
    }
  });
});

describe("the presenter: the demo screen on the demo clinic's appointment", () => {
  const demo = {} as Record<"clinician" | "presenter", Seat>;
  let demoAlarm = "";
  let alarmId = "";

  beforeAll(async () => {
    demo.clinician = await seatAsync("demo", "clinician");
    demo.presenter = await seatAsync("demo", "presenter");
    const dr = demo.clinician.client;
    expect((await dr.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);
    // The story's beta sensor: impossible pH values, a technical alarm, then a quarantine.
    const device = await sendImpossiblePh("soe-julian-demo-36", BETA_FIRMWARE);
    await waitFor(() => dr.view!.alarms.some((a) => a.deviceId === "soe-julian-demo-36"), "the demo alarm");
    const alarm = dr.view!.alarms.find((a) => a.deviceId === "soe-julian-demo-36")!;
    demoAlarm = alarm.message;
    alarmId = alarm.id;
    await waitFor(() => demo.presenter.readings.length > 0, "readings at the presenter");
    device.close();
    const quarantined = await dr.command(Ev.firmwareQuarantine, {
      firmware: BETA_FIRMWARE,
      since: Date.now() - 60_000,
      reason: "Beta build reports impossible pH values",
      confirm: true,
    });
    expect(quarantined.ok, JSON.stringify(quarantined)).toBe(true);
    expect((await dr.command(Ev.surroundings, { surroundings: "clinic" })).ok).toBe(true);
    const last = server.sessions.forAppointment("demo").room.lastSeq;
    for (const seat of Object.values(demo)) await waitFor(() => seat.client.view?.seq === last, "in step");
  }, 30_000);

  afterAll(() => {
    for (const seat of Object.values(demo)) seat.client.close();
  });

  it("receives every room event exactly as the care team does, alarm, device and quarantine included", () => {
    const since = demo.presenter.welcome.seq;
    const care = demo.clinician.client.events.filter((e) => e.seq > since);
    expect(demo.presenter.client.events).toEqual(care);
    const types = new Set(demo.presenter.client.events.map((e) => e.body.type));
    for (const type of ["alarm", "device", "firmware_quarantined", "procedure"] as const)
      expect(types.has(type), type).toBe(true);
    expect(JSON.stringify(demo.presenter.client.view)).toContain(demoAlarm);
  });

  it("receives the care team's telemetry (soe:readings)", () => {
    expect(demo.presenter.readings.length).toBeGreaterThan(0);
  });

  it("gets the care team's snapshot, field by field", async () => {
    const mine = await snapshotAsync(demo.presenter.client);
    const full = await snapshotAsync(demo.clinician.client);
    const { you: _a, serverTime: _b, ...rest } = mine;
    const { you: _c, serverTime: _d, ...expected } = full;
    expect(rest).toEqual(expected);
    expect(mine.alarms.length).toBeGreaterThan(0);
    expect(mine.devices.length).toBeGreaterThan(0);
    expect(mine.quarantinedFirmware.length).toBeGreaterThan(0);
  });

  it("is refused every command with forbidden, and nothing changes", async () => {
    const room = server.sessions.forAppointment("demo").room;
    const before = room.lastSeq;
    const commands: [string, unknown][] = [
      [Ev.procedureSelect, { planId: "cleaning" }],
      ...PROCEDURE_COMMANDS.map(
        (command) => [Ev.procedureCommand, { command, reason: "x" }] as [string, unknown],
      ),
      [Ev.mdasSubmit, { answers: [4, 4, 4, 4, 4] }],
      [Ev.checkinSubmit, { score: 6 }],
      [Ev.checkinRequest, {}],
      [Ev.breathing, { on: true }],
      [Ev.surroundings, { surroundings: "nature" }],
      [Ev.ottoAsk, { question: "how_long" }],
      [Ev.ottoTell, { text: "it hurts", spoken: false }],
      [Ev.alarmAck, { alarmId }],
      [Ev.alarmSilence, { alarmId, seconds: 60 }],
      [
        Ev.firmwareQuarantine,
        { firmware: BETA_FIRMWARE, since: 0, reason: "a presenter tries", confirm: true },
      ],
      [Ev.firmwareLift, { firmware: BETA_FIRMWARE, reason: "a presenter tries" }],
    ];
    for (const [event, payload] of commands) {
      const r = await demo.presenter.client.command(event, payload);
      expect(r, event).toMatchObject({ ok: false, error: { code: ErrorCode.forbidden } });
    }
    expect(room.lastSeq).toBe(before);
  });

  it("sends no pose: refused with forbidden, and nobody receives one from its seat", async () => {
    const slot = demo.presenter.client.view!.members.find(
      (m) => m.memberId === demo.presenter.client.memberId,
    )!.slot;
    const refused = await demo.presenter.client.command(Ev.pose, encodePose(POSE));
    expect(refused).toMatchObject({ ok: false, error: { code: ErrorCode.forbidden } });
    const batches = demo.clinician.client.poseBatches.flatMap((b) => decodeBatch(b).poses);
    expect(batches.some((p) => p.slot === slot)).toBe(false);
  });

  it("cannot join a real clinic's room, even with a signed token; the invite service mints none", () => {
    expect(server.demoPasses.mint("ada", "presenter")).toBeNull();
    expect(server.demoPasses.mint("demo", "presenter")).not.toBeNull();
  });

  it("is refused at the handshake for a real clinic's room", async () => {
    const claims = {
      appointmentId: "ada",
      roomId: "room-ada",
      personId: "demo-screen",
      role: "presenter" as const,
      exp: Math.floor(Date.now() / 1000) + 600,
    };
    const refusal = await connectRefusal(server.origin, {
      protocolVersion: PROTOCOL_VERSION,
      appointmentId: "ada",
      pass: signInvite(server.secret, claims),
    });
    expect(refusal).toMatchObject({ code: ErrorCode.forbidden });
    expect(refusal?.message).toMatch(/demo clinic/);
  });
});

async function snapshotAsync(client: TestClient): Promise<RoomSnapshot> {
  const r = await client.command<RoomSnapshot>(Ev.snapshot);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Splits a received event list into runs of consecutive sequence numbers. */
function contiguousRuns(events: readonly DeliveredRoomEvent[]): number[][] {
  const runs: number[][] = [];
  for (const e of events) {
    const run = runs.at(-1);
    if (run && e.seq === run.at(-1)! + 1) run.push(e.seq);
    else runs.push([e.seq]);
  }
  return runs;
}
