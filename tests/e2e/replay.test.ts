/**
 * Replay end to end: a visit recorded over real sockets (a clinician and a patient's headset
 * sending poses, the procedure started, the patient's stop, resumed), then a signed-in clinician
 * opens `/room.html?replay=<visit>` in real Chromium, seeks to the patient's stop and sees
 * "Paused by patient", then plays on at 8×. No socket seat is taken by the replay page.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointmentVisitsAsync, visitAppointmentOfLive } from "../../server/record/visits.ts";
import type { Visit } from "../../shared/patientRecord.ts";
import { encodePose } from "../../shared/poseCodec.ts";
import { ProcedureStatus } from "../../shared/procedure/types.ts";
import { Ev } from "../../shared/protocol.ts";
import { TestClient, type TestServer, waitFor } from "../harness.ts";
import { signedInStaff } from "../staffAccount.ts";
import { FAULT_WORDS, LOW_PH_WORDS, rememberNotation, seedAlarmVisitAsync } from "./alarmVisit.ts";
import { launchBrowser, openPage, screenshot, startE2eServer, stateOf } from "./browser.ts";

const APPOINTMENT = "julian";
let server: TestServer;
let browser: Browser;
let visit: Visit;

/** Records a visit: people in the room, poses at 30 Hz, start, the patient's stop, resume. */
async function recordVisitAsync(): Promise<Visit> {
  const ray = await TestClient.joinAsync(server, APPOINTMENT, "clinician");
  const julian = await TestClient.joinAsync(server, APPOINTMENT, "patient");
  let i = 0;
  const timer = setInterval(() => {
    i += 1;
    const head = { p: { x: Math.sin(i / 10) * 0.3, y: 1.1, z: 0.4 }, q: { x: 0, y: 0, z: 0, w: 1 } };
    julian.socket.emit(Ev.pose, encodePose({ head, left: null, right: null }));
  }, 1000 / 30);
  try {
    const roomId = server.clinic.appointments.get(APPOINTMENT)!.roomId;
    const keyframeCount = async () =>
      (await server.storage.poseKeyframesBetween(roomId, 0, Date.now() + 1000)).length;
    /** Waits until n more keyframes are stored (n / 10 seconds of the visit at 10 Hz). */
    const keyframesAfter = async (n: number) => {
      const target = (await keyframeCount()) + n;
      let count = 0;
      await waitFor(
        () => {
          void keyframeCount().then((c) => {
            count = c;
          });
          return count >= target;
        },
        `${n} more keyframes`,
        15_000,
      );
    };
    await keyframesAfter(5);
    expect((await ray.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);
    await keyframesAfter(20);
    expect((await julian.command(Ev.procedureCommand, { command: "stop" })).ok).toBe(true);
    await keyframesAfter(30);
    expect((await julian.command(Ev.procedureCommand, { command: "ready" })).ok).toBe(true);
    await keyframesAfter(20);
    await waitFor(() => ray.view?.procedure?.status === ProcedureStatus.running, "running again");
  } finally {
    clearInterval(timer);
    ray.close();
    julian.close();
  }
  const appt = visitAppointmentOfLive(server.clinic.appointments.get(APPOINTMENT)!);
  let visits: Visit[] = [];
  await waitFor(
    () => {
      void appointmentVisitsAsync(server.storage, appt).then((v) => {
        visits = v;
      });
      return visits.length === 1;
    },
    "the visit stored",
    10_000,
  );
  return visits[0]!;
}

beforeAll(async () => {
  server = await startE2eServer({}, { poseKeyframeHz: 10 });
  browser = await launchBrowser();
  visit = await recordVisitAsync();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stopAsync();
});

describe("replaying a recorded visit in headless Chromium", () => {
  it("seeks to the patient's stop and shows 'Paused by patient', then plays on at 8×", async () => {
    const { cookie } = await signedInStaff(server, {
      staffId: "dr-ray",
      role: "clinician",
      clinicId: "demo",
    });
    const membersBefore = server.sessions.forAppointment(APPOINTMENT).room.snapshot("test").members.length;
    const watched = await openPage(
      browser,
      server.origin,
      `/room.html?replay=${encodeURIComponent(visit.id)}`,
      "replay",
      cookie,
    );
    const { page } = watched;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForSelector('[data-testid="replay-next-stop"]', { timeout: 60_000 });
    await page.click('[data-testid="replay-next-stop"]');
    await page.waitForSelector('[data-testid="replay-procedure"][data-status="paused_by_patient"]', {
      timeout: 30_000,
    });
    expect(await page.textContent('[data-testid="replay-procedure"]')).toContain("Paused by patient");
    const atStop = await stateOf(page);
    expect(atStop.replay.procedure).toBe("paused_by_patient");
    // The stop lies inside the visit (about 2 s after the start of a visit about 7 s long).
    expect(atStop.replay.endAt - atStop.replay.startAt).toBeGreaterThan(4000);
    expect(atStop.replay.t).toBeGreaterThan(atStop.replay.startAt);
    expect(atStop.replay.t).toBeLessThan(atStop.replay.endAt);
    expect(Object.keys(atStop.scene.avatars).length).toBeGreaterThan(0);
    await screenshot(page, "replay-paused-by-patient");

    await page.selectOption('[data-testid="replay-speed"]', "8");
    await page.click('[data-testid="replay-play"]');
    await page.waitForSelector('[data-testid="replay-procedure"][data-status="running"]', {
      timeout: 30_000,
    });
    const later = await stateOf(page);
    expect(later.replay.speed).toBe(8);
    expect(later.replay.t).toBeGreaterThan(atStop.replay.t);

    // The replay took no seat: the live room has no one more than before the page opened.
    expect(server.sessions.forAppointment(APPOINTMENT).room.snapshot("test").members.length).toBe(
      membersBefore,
    );
    expect(watched.consoleErrors).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
    const audit = await server.storage.auditLog(50);
    expect(audit.some((a) => a.action === "record.replay" && a.who === "dr-ray")).toBe(true);
  }, 180_000);

  it("shows the visit's alarms with their device and tooth in the reader's notation", async () => {
    const ray = await signedInStaff(server, {
      staffId: "ray-main",
      role: "clinician",
      displayName: "Dr. Ray",
    });
    const { visitId } = await seedAlarmVisitAsync(server, ray);
    const watched = await openPage(
      browser,
      server.origin,
      `/room.html?replay=${encodeURIComponent(visitId)}`,
      "replay-alarms",
      ray.cookie,
    );
    const { page } = watched;
    await page.setViewportSize({ width: 1280, height: 800 });
    await rememberNotation(page, "ray-main", "palmer");
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.waitForSelector('[data-testid="replay-next-stop"]', { timeout: 60_000 });
    // To the end of the visit: both alarms raised, the device's acknowledged.
    await page.evaluate(() => {
      const seek = document.querySelector('[data-testid="replay-seek"]') as HTMLInputElement;
      seek.value = seek.max;
      seek.dispatchEvent(new Event("input"));
    });
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="replay-alarm"]').length === 2,
      null,
      {
        timeout: 30_000,
      },
    );
    const lines = await page.locator('[data-testid="replay-alarm"]').allTextContents();
    expect(lines).toContain(`MEDIUM · Sensor at tooth LL6: ${FAULT_WORDS} · acknowledged by Clinician`);
    expect(lines).toContain(`LOW · Tooth LL6: ${LOW_PH_WORDS} · active`);
    expect(await page.evaluate(() => document.body.innerText)).not.toMatch(/soe-|m-dr-ray/);
    // The 3D chart's tooth numbers follow the same notation as the alarms card.
    const chartNotation = await page.evaluate(
      () => (window.__chairside?.() as { scene?: { chartNotation?: string } })?.scene?.chartNotation,
    );
    expect(chartNotation).toBe("palmer");
    await screenshot(page, "replay-alarms-1280x800");
    expect(watched.consoleErrors).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
  }, 120_000);
});
