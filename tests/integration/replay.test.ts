/**
 * Replay over a real server, Socket.IO and SQLite file: a clinician and a patient in a demo-clinic
 * room, the patient's headset sending poses at 30 Hz; the server stores pose keyframes at about
 * 10 Hz; the procedure starts and the patient stops it. Then `GET /api/visits/:id/replay` as each
 * role, another clinic and nobody, the audit entry it writes, a bad id, and the replay engine
 * rebuilding the patient's stop from the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointmentVisitsAsync, visitAppointmentOfLive } from "../../server/record/visits.ts";
import type { Visit } from "../../shared/patientRecord.ts";
import { encodePose } from "../../shared/poseCodec.ts";
import { ProcedureStatus } from "../../shared/procedure/types.ts";
import { Ev } from "../../shared/protocol.ts";
import { type ReplayRecording, replayEngineOf } from "../../shared/replay.ts";
import { startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

const APPOINTMENT = "julian";
let server: TestServer;
let ray: TestClient;
let julian: TestClient;
let visit: Visit;
let poseTimer: NodeJS.Timeout;

async function get(path: string, who: SignedInStaff | null) {
  const r = await fetch(`${server.origin}${path}`, { headers: who ? { cookie: who.cookie } : {} });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  server = await startTestServer({}, { poseKeyframeHz: 10 });
  ray = await TestClient.joinAsync(server, APPOINTMENT, "clinician");
  julian = await TestClient.joinAsync(server, APPOINTMENT, "patient");
  let i = 0;
  poseTimer = setInterval(() => {
    i += 1;
    const head = { p: { x: Math.sin(i / 10) * 0.2, y: 1.1, z: 0.4 }, q: { x: 0, y: 0, z: 0, w: 1 } };
    julian.socket.emit(Ev.pose, encodePose({ head, left: null, right: null }));
  }, 1000 / 30);
}, 30_000);

afterAll(async () => {
  clearInterval(poseTimer);
  ray?.close();
  julian?.close();
  await server?.stopAsync();
});

describe("pose keyframes", () => {
  it("are stored at about 10 Hz while people are in the room", async () => {
    const roomId = server.clinic.appointments.get(APPOINTMENT)!.roomId;
    const since = Date.now();
    let frames: Awaited<ReturnType<TestServer["storage"]["poseKeyframesBetween"]>> = [];
    await waitFor(
      () => {
        void server.storage.poseKeyframesBetween(roomId, since, Date.now() + 1000).then((f) => {
          frames = f;
        });
        return frames.length >= 20;
      },
      "20 keyframes",
      10_000,
    );
    const spanMs = frames.at(-1)!.at - frames[0]!.at;
    const hz = ((frames.length - 1) * 1000) / spanMs;
    // The machine is shared and the timer may slip; a rate far from 10 would be a wrong setting.
    expect(hz).toBeGreaterThan(6);
    expect(hz).toBeLessThan(11);
    expect(frames.every((f) => f.poses.byteLength === 9 + 32 * 1)).toBe(true);
  });

  it("older than a time are deleted by deletePoseKeyframesBefore", async () => {
    const roomId = server.clinic.appointments.get(APPOINTMENT)!.roomId;
    const all = await server.storage.poseKeyframesBetween(roomId, 0, Date.now() + 1000);
    const cut = all[Math.floor(all.length / 2)]!.at;
    const before = all.filter((f) => f.at < cut).length;
    expect(await server.storage.deletePoseKeyframesBefore(cut)).toBe(before);
    const left = await server.storage.poseKeyframesBetween(roomId, 0, Date.now() + 1000);
    expect(left.every((f) => f.at >= cut)).toBe(true);
  });
});

describe("GET /api/visits/:id/replay", () => {
  beforeAll(async () => {
    expect((await ray.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);
    expect((await julian.command(Ev.procedureCommand, { command: "stop" })).ok).toBe(true);
    expect((await julian.command(Ev.procedureCommand, { command: "ready" })).ok).toBe(true);
    const appt = visitAppointmentOfLive(server.clinic.appointments.get(APPOINTMENT)!);
    await waitFor(() => ray.view?.procedure?.status === ProcedureStatus.running, "resumed");
    let visits: Visit[] = [];
    await waitFor(
      () => {
        void appointmentVisitsAsync(server.storage, appt).then((v) => {
          visits = v;
        });
        return visits.length === 1 && visits[0]!.lastSeq >= (ray.view?.seq ?? 0);
      },
      "the visit stored",
      10_000,
    );
    visit = visits[0]!;
  }, 30_000);

  it("answers the clinic's clinician with the visit's events and poses, and writes a record.replay audit entry", async () => {
    const clinician = await signedInStaff(server, { staffId: "dr-ray", role: "clinician", clinicId: "demo" });
    const r = await get(`/api/visits/${encodeURIComponent(visit.id)}/replay`, clinician);
    expect(r.status).toBe(200);
    const recording = r.body as unknown as ReplayRecording;
    expect(recording.visitId).toBe(visit.id);
    expect(recording.keyframes.length).toBeGreaterThan(0);
    const engine = replayEngineOf(recording);
    const stopAt = engine.findTime((v) => v.procedure?.status === ProcedureStatus.pausedByPatient);
    expect(stopAt).not.toBeNull();
    const atStop = engine.seek(stopAt!);
    // As an observer saw it: members by role and alias, no staff ids or names.
    expect(atStop.view.members.map((m) => m.role).sort()).toEqual(["clinician", "patient"]);
    expect(atStop.view.members.map((m) => m.personId)).not.toContain("dr-ray");
    expect(JSON.stringify(recording)).not.toContain("dr-ray");
    expect(atStop.poses?.poses.length).toBe(1);
    const audit = await server.storage.auditLog(20);
    expect(audit.filter((a) => a.action === "record.replay")).toEqual([
      expect.objectContaining({ who: "dr-ray", subject: `replay of visit ${visit.id}` }),
    ]);
  });

  it("answers the assistant too", async () => {
    const noah = await signedInStaff(server, { staffId: "noah", role: "assistant", clinicId: "demo" });
    expect((await get(`/api/visits/${encodeURIComponent(visit.id)}/replay`, noah)).status).toBe(200);
  });

  it("refuses nobody (401), an admin (403), and another clinic's clinician (404, nothing written)", async () => {
    const path = `/api/visits/${encodeURIComponent(visit.id)}/replay`;
    expect((await get(path, null)).status).toBe(401);
    const admin = await signedInStaff(server, { staffId: "boss", role: "admin", clinicId: "demo" });
    expect((await get(path, admin)).status).toBe(403);
    const before = (await server.storage.auditLog(100)).filter((a) => a.action === "record.replay").length;
    const kai = await signedInStaff(server, { staffId: "kai", role: "clinician", clinicId: "main" });
    expect((await get(path, kai)).status).toBe(404);
    const after = (await server.storage.auditLog(100)).filter((a) => a.action === "record.replay").length;
    expect(after).toBe(before);
  });

  it("answers 400 with the problem for a malformed visit id, 404 for an unknown one", async () => {
    const clinician = await signedInStaff(server, { staffId: "dr-ray", role: "clinician", clinicId: "demo" });
    const bad = await get("/api/visits/no-dot-here/replay", clinician);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("id");
    expect((await get(`/api/visits/${encodeURIComponent("julian.99999")}/replay`, clinician)).status).toBe(
      404,
    );
  });
});
