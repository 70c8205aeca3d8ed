/**
 * Every simulator fault mode through the real server: SOEs stream over Socket.IO into a real
 * SQLite file, on an injected clock so minutes of data take seconds. For each mode the fault must be
 * detected, the matching technical alarm raised, and the automated step that depends on the faulty
 * sensor blocked. A healthy control room proves the interlock does not simply block everything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimRunner } from "../../devices/simRunner.ts";
import { FaultMode } from "../../devices/simulator.ts";
import { BETA_FIRMWARE, syntheticClinic } from "../../server/clinic.ts";
import { deviceKey } from "../../server/tokens.ts";
import type { ProcedureView } from "../../shared/procedure/types.ts";
import { Ev } from "../../shared/protocol.ts";
import { startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";

const MODES = Object.values(FaultMode);
const START = Date.UTC(2026, 10, 24, 9, 0, 0);
const FAULT_AT_S = 65;
/** Drift is slow by nature: pH drifts 0.01/s, so it needs about two minutes to leave the band. */
const END_S = 230;

function faultClinic() {
  return syntheticClinic({
    patientIds: MODES.map((m) => `f-${m}`),
    teeth: [16, 26, 36, 46],
    planId: "sensor-check-36",
  });
}

let now = START;
let server: TestServer;
const clinicians = new Map<string, TestClient>();
const procedureLog = new Map<string, ProcedureView[]>();

beforeAll(async () => {
  const clinic = faultClinic();
  server = await startTestServer({}, { clinic, now: () => now });
  for (const mode of MODES) {
    const ray = await TestClient.joinAsync(server, `f-${mode}`, "clinician");
    clinicians.set(mode, ray);
    const log: ProcedureView[] = [];
    procedureLog.set(mode, log);
    ray.socket.on(Ev.roomEvent, (e) => {
      if (e.body.type === "procedure" && e.body.procedure) log.push(e.body.procedure);
    });
  }
  const runner = new SimRunner({
    url: server.origin,
    devices: [...clinic.devices.values()],
    keyFor: (id) => deviceKey(server.secret, id),
    seed: 100,
    startTime: START,
  });
  await waitFor(() => runner.clients().every((c) => c.connected), "devices connected");

  for (let second = 1; second <= END_S; second++) {
    now = START + second * 1000;
    if (second === 5) {
      for (const ray of clinicians.values())
        expect((await ray.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);
    }
    if (second === FAULT_AT_S) {
      for (const mode of MODES) {
        if (mode !== FaultMode.none)
          runner.setFault(`f-${mode}`, mode, { firmware: BETA_FIRMWARE, tooth: 36 });
      }
    }
    runner.step(now);
    await Promise.all(runner.clients().map((c) => c.flushAsync(10_000)));
    // Let the once-a-second server tick (dropouts, alarm clearing) see the new time now and then.
    if (second % 15 === 0) await new Promise((r) => setTimeout(r, 1100));
  }
  await runner.stopAsync(1_000);
}, 240_000);

afterAll(async () => {
  for (const c of clinicians.values()) c.close();
  await server.stopAsync();
});

const FAULTS = MODES.filter((m) => m !== FaultMode.none);

describe("every SOE fault mode through the server", () => {
  it.each(FAULTS)("%s: detected, alarmed, and the dependent automated step is blocked", async (mode) => {
    const ray = clinicians.get(mode)!;
    const faulty = `soe-f-${mode}-36`;
    const alarm = ray.view!.alarms.find((a) => a.kind === "technical" && a.deviceId === faulty);
    expect(alarm, `alarms in ${mode}: ${JSON.stringify(ray.view!.alarms.map((a) => a.key))}`).toBeDefined();
    expect(ray.view!.alarms.filter((a) => a.kind === "technical" && a.deviceId !== faulty)).toEqual([]);

    const next = await ray.command<ProcedureView>(Ev.procedureCommand, { command: "next" });
    expect(next.ok && next.value.status, JSON.stringify(next)).toBe("blocked");
    if (next.ok) expect(next.value.blockedReason).toMatch(/36/);
  });

  it("healthy control: no technical alarm, and the automated step runs", async () => {
    const ray = clinicians.get(FaultMode.none)!;
    expect(ray.view!.alarms.filter((a) => a.kind === "technical")).toEqual([]);
    const next = await ray.command<ProcedureView>(Ev.procedureCommand, { command: "next" });
    expect(next.ok && next.value.status, JSON.stringify(next)).toBe("running");
  });

  it("across the whole fault corpus, no automated step ever ran on invalid data", async () => {
    await new Promise((r) => setTimeout(r, 200));
    for (const mode of FAULTS) {
      const ranAutomated = procedureLog
        .get(mode)!
        .filter((v) => v.status === "running" && v.step?.kind === "automated");
      expect(ranAutomated, mode).toEqual([]);
    }
    expect(
      procedureLog.get(FaultMode.none)!.some((v) => v.status === "running" && v.step?.kind === "automated"),
    ).toBe(true);
  });
});
