/**
 * The demo story runs through the real server and protocol to a safe finish (no browser needed),
 * in its own demo clinic: the real clinic's patients get no alarm, retraction or quarantine from it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import { BETA_FIRMWARE, ClinicId, syntheticClinic } from "../../server/clinic.ts";
import { deviceKey } from "../../server/tokens.ts";
import { planById } from "../../shared/procedure/plans.ts";
import type { DeviceBatch } from "../../shared/protocol.ts";
import { ReadingStatus } from "../../shared/soe/signals.ts";
import { startTestServer, TestClient, type TestServer } from "../harness.ts";

let server: TestServer;
beforeAll(async () => {
  // A real clinic's patient, Ada, beside the demo clinic.
  const clinic = syntheticClinic({ patientIds: ["ada"], teeth: [36], planId: "filling-36" });
  server = await startTestServer({ demo: true }, { clinic });
});
afterAll(async () => {
  await server.stopAsync();
});

/** The real Ada's sensor on 36 runs the same beta version string as the demo's faulty one. */
async function realBetaReadingAsync(seq: number): Promise<void> {
  const id = "soe-ada-36";
  const device = new DeviceClient({
    url: server.origin,
    deviceId: id,
    deviceKey: deviceKey(server.secret, id),
  });
  const batch: DeviceBatch = {
    seq,
    firmware: BETA_FIRMWARE,
    readings: [{ signal: "ph", t: Date.now(), value: 7.1, unit: "[pH]", tooth: 36 }],
  };
  device.send(batch);
  expect(await device.flushAsync()).toBe(true);
  device.close();
}

describe("demo director", () => {
  it("plays every act: interlock block, clinician override, patient stop, safe completion", async () => {
    const realRay = await TestClient.joinAsync(server, "ada", "clinician");
    await realBetaReadingAsync(1);
    const r = await fetch(`${server.origin}/api/demo/start?speed=8`);
    expect(r.ok).toBe(true);
    const state = async () =>
      (await (await fetch(`${server.origin}/api/demo/state`)).json()) as {
        status: string;
        act: number;
        detail: string;
      };
    let last = await state();
    const until = Date.now() + 110_000;
    while (last.status !== "finished" && last.status !== "failed" && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      last = await state();
    }
    expect(last.status, last.detail).toBe("finished");
    const history = server.sessions.forAppointment("demo").procedureHistory();
    const commands = history.map((t) => t.command);
    expect(commands).toContain("interlock_block");
    expect(commands).toContain("override");
    expect(commands).toContain("stop");
    expect(history.at(-1)?.to).toBe("completed");
    // The automated step never ran on the faulty sensor's data: only after the clinician took over.
    const automated = planById("filling-36")!.steps.findIndex((st) => st.kind === "automated");
    const overrideAt = commands.indexOf("override");
    expect(history.slice(0, overrideAt).some((t) => t.to === "running" && t.stepIndex === automated)).toBe(
      false,
    );
    expect(history[overrideAt]).toMatchObject({ stepIndex: automated, to: "running" });

    // The story quarantined the beta in the demo clinic only.
    expect(server.soe.quarantinedFirmware(ClinicId.demo)).toEqual([BETA_FIRMWARE]);
    await realBetaReadingAsync(2);
    expect(server.soe.quarantinedFirmware(ClinicId.main)).toEqual([]);
    expect(server.soe.firmwareHistory(ClinicId.main)).toEqual([]);
    expect(await server.storage.countReadings({ deviceId: "soe-ada-36" })).toBe(2);
    expect(
      await server.storage.countReadings({ deviceId: "soe-ada-36", status: ReadingStatus.enteredInError }),
    ).toBe(0);
    // The test's own device stops after each reading, so a gap (dropout) is expected; nothing else is.
    // A gap is a dropout cause of the device's one technical alarm (issue 10's grouping).
    const notGaps = (alarms: { key: string; causes?: { key: string }[] }[]) =>
      alarms.filter((a) => !(a.causes ?? [a]).every((c) => c.key.startsWith("dropout:")));
    for (const roomId of ["room-ada"]) {
      expect(notGaps(await server.storage.alarms(roomId))).toEqual([]);
    }
    expect(notGaps(realRay.view!.alarms)).toEqual([]);
    expect(realRay.view!.quarantinedFirmware).toEqual([]);
    expect(realRay.events.filter((e) => e.body.type.startsWith("firmware_"))).toEqual([]);
    const audit = await server.storage.auditLog(1_000);
    expect(
      audit.filter((a) => a.action.startsWith("firmware_") && !a.subject.includes("clinic demo")),
    ).toEqual([]);
    realRay.close();
  }, 120_000);

  it("starts every loop clean: no alarm or quarantine before the fault, none unanswered at the finish", async () => {
    // The run above loops: watch it from where it is through two whole loops.
    const state = async () =>
      (await (await fetch(`${server.origin}/api/demo/state`)).json()) as {
        loop: number;
        status: string;
        act: number;
        detail: string;
      };
    const firstLoop = (await state()).loop + 1;
    /** Per loop and act: the worst the room showed while that act lasted. */
    const seen = new Map<
      string,
      { alarms: number; firmwareAlarms: number; quarantined: number; unacked: number }
    >();
    const finishes: { loop: number; unacked: number; status: string }[] = [];
    const until = Date.now() + 200_000;
    let last = await state();
    while (last.loop < firstLoop + 2 && last.status !== "failed" && Date.now() < until) {
      if (last.loop >= firstLoop && last.status !== "starting") {
        const room = server.sessions.forAppointment("demo").room;
        const alarms = room.activeAlarms().filter((a) => !a.key.startsWith("dropout:"));
        const unacked = alarms.filter((a) => a.acknowledgedAt === undefined).length;
        const key = `${last.loop}:${last.act}`;
        const before = seen.get(key) ?? { alarms: 0, firmwareAlarms: 0, quarantined: 0, unacked: 0 };
        seen.set(key, {
          alarms: Math.max(before.alarms, alarms.length),
          firmwareAlarms: Math.max(
            before.firmwareAlarms,
            alarms.filter((a) => /quarantin/.test(a.message)).length,
          ),
          quarantined: Math.max(before.quarantined, room.snapshot("").quarantinedFirmware.length),
          unacked: Math.max(before.unacked, unacked),
        });
        if (last.status === "finished" && finishes.at(-1)?.loop !== last.loop) {
          finishes.push({ loop: last.loop, unacked, status: last.status });
        }
      }
      await new Promise((r) => setTimeout(r, 100));
      last = await state();
    }
    expect(last.status, last.detail).not.toBe("failed");
    expect(finishes.map((f) => f.loop)).toEqual([firstLoop, firstLoop + 1]);
    // The finish has no alarm left to answer (no stale HIGH banner on the demo screen).
    expect(finishes.map((f) => f.unacked)).toEqual([0, 0]);
    for (const loop of [firstLoop, firstLoop + 1]) {
      // Acts 1-2 run before the fault: nothing at all; acts 1-4 run before Dr. Ray takes over:
      // no quarantine and no quarantine alarm yet (each loop lifts the last loop's).
      for (const act of [1, 2])
        expect(seen.get(`${loop}:${act}`), `loop ${loop} act ${act}`).toMatchObject({ alarms: 0 });
      for (const act of [1, 2, 3, 4]) {
        expect(seen.get(`${loop}:${act}`), `loop ${loop} act ${act}`).toMatchObject({
          firmwareAlarms: 0,
          quarantined: 0,
        });
      }
      expect(seen.get(`${loop}:5`)?.quarantined, `loop ${loop} act 5`).toBe(1);
    }
  }, 220_000);

  it("opens a fresh run after a finished step-by-step one, and joins a live one", async () => {
    const start = async (q: string) =>
      (await (await fetch(`${server.origin}/api/demo/start?${q}`)).json()) as {
        state: { loop: number; act: number; status: string; stepByStep: boolean };
      };
    const stepped = await start("speed=8&step=1&restart=1");
    expect(stepped.state).toMatchObject({ stepByStep: true, loop: 1 });
    // A second screen while it runs joins the same run.
    const joined = await start("speed=8");
    expect(joined.state.stepByStep).toBe(true);
    const state = async () =>
      (await (await fetch(`${server.origin}/api/demo/state`)).json()) as {
        act: number;
        status: string;
        detail: string;
      };
    const until = Date.now() + 150_000;
    let last = await state();
    while (last.status !== "finished" && last.status !== "failed" && Date.now() < until) {
      if (last.status === "waiting_for_next") await fetch(`${server.origin}/api/demo/next`);
      await new Promise((r) => setTimeout(r, 100));
      last = await state();
    }
    expect(last.status, last.detail).toBe("finished");
    expect(last.act).toBe(7);
    // The finish caption names no internal id (no device, member or patient id).
    expect(last.detail).not.toMatch(/soe-|m-|julian-demo/);
    // Plain /demo now starts a fresh run instead of showing the frozen finish.
    const fresh = await start("speed=8");
    expect(fresh.state.status).not.toBe("finished");
    expect(fresh.state.stepByStep).toBe(false);
    expect(fresh.state.act).toBe(0);
  }, 180_000);
});
