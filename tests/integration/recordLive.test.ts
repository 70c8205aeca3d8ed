/**
 * Visits derived from what a real room writes: a clinician and a patient on real sockets run two
 * treatments in the demo clinic's "flower" room (the patient stops the first, the team aborts it;
 * the second is held by the interlock, overridden with a reason, and completed), and the record API
 * then shows both visits with the right outcomes and timelines. The fixtures of the unit tests are
 * hand-written; this proves the derivation against the events the server really stores.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PatientRecordView, VisitTimeline } from "../../shared/patientRecord.ts";
import type { ProcedureView } from "../../shared/procedure/types.ts";
import { Ev } from "../../shared/protocol.ts";
import { startTestServer, TestClient, type TestServer } from "../harness.ts";
import { staffApi } from "../recordSeed.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

let server: TestServer;
let ray: TestClient;
let patient: TestClient;
let reader: SignedInStaff;

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  ray = await TestClient.joinAsync(server, "flower", "clinician");
  patient = await TestClient.joinAsync(server, "flower", "patient");
  reader = await signedInStaff(server, { staffId: "demo-reader", role: "clinician", clinicId: "demo" });
});
afterAll(async () => {
  ray?.close();
  patient?.close();
  await server?.stopAsync();
});

/** Paced like a person at the controls, well inside the per-socket command rate. */
async function cmd(c: TestClient, command: string, reason?: string): Promise<ProcedureView> {
  await new Promise((r) => setTimeout(r, 60));
  const result = await c.command<ProcedureView>(
    Ev.procedureCommand,
    reason ? { command, reason } : { command },
  );
  if (!result.ok) throw new Error(`${command}: ${JSON.stringify(result)}`);
  return result.value;
}

describe("visits from a room's real events", () => {
  it("shows a stopped and a completed treatment, each with its timeline", async () => {
    expect((await ray.command(Ev.procedureSelect, { planId: "sensor-check-36" })).ok).toBe(true);
    await cmd(ray, "start");
    expect((await cmd(patient, "stop")).status).toBe("paused_by_patient");
    expect((await cmd(ray, "abort", "Patient would rather come back next week")).status).toBe("aborted");
    await new Promise((r) => setTimeout(r, 60));
    expect((await ray.command(Ev.procedureSelect, { planId: "sensor-check-36" })).ok).toBe(true);
    await cmd(ray, "start");
    expect((await cmd(ray, "next")).status).toBe("blocked");
    await cmd(ray, "override", "Checked pH clinically: 6.8");
    expect((await cmd(ray, "next")).status).toBe("completed");

    const patientId = server.clinic.appointments.get("flower")!.patientId;
    let record: PatientRecordView | null = null;
    // The room writes its events to storage a moment later: ask until both visits are there.
    for (let i = 0; i < 50 && (record?.visits.length ?? 0) < 2; i++) {
      const r = await staffApi<PatientRecordView>(server, "GET", `/api/patients/${patientId}/record`, reader);
      expect(r.status).toBe(200);
      record = r.body;
      if (record.visits.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    const visits = record!.visits;
    expect(visits.map((v) => [v.outcome, v.plan, v.tooth, v.roomId])).toEqual([
      ["completed", "sensor-check-36", 36, "room-flower"],
      ["stopped_by_patient", "sensor-check-36", 36, "room-flower"],
    ]);

    const first = await staffApi<VisitTimeline>(
      server,
      "GET",
      `/api/visits/${visits[1]!.id}/timeline`,
      reader,
    );
    const stops = first.body.entries.filter((e) => e.kind === "stop");
    expect(stops.map((e) => e.title)).toEqual(["Paused by patient"]);
    const aborted = first.body.entries.find((e) => e.title === "Procedure aborted")!;
    expect(aborted.reason).toBe("Patient would rather come back next week");

    const second = await staffApi<VisitTimeline>(
      server,
      "GET",
      `/api/visits/${visits[0]!.id}/timeline?kinds=interlock,override`,
      reader,
    );
    expect(second.body.entries.map((e) => [e.kind, e.reason])).toEqual([
      ["interlock", null],
      ["override", "Checked pH clinically: 6.8"],
    ]);
  });
});
