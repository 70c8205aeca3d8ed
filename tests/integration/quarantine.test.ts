/**
 * Firmware quarantine over real sockets: one exact version, a written reason, a confirmation with
 * counts for a version in normal use, the clinic of the room as its scope, a lift with a reason
 * (new readings trusted again, old retractions kept), audit rows, and all of it after a restart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import {
  BETA_FIRMWARE,
  ClinicId,
  FIXTURE_STAFF,
  STABLE_FIRMWARE,
  syntheticClinic,
} from "../../server/clinic.ts";
import { deviceKey } from "../../server/tokens.ts";
import {
  type DeviceBatch,
  ErrorCode,
  Ev,
  type FirmwareAction,
  type FirmwareQuarantineOutcome,
  type ProtocolError,
} from "../../shared/protocol.ts";
import { ReadingStatus } from "../../shared/soe/signals.ts";
import { startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";

const dataDir = mkdtempSync(join(tmpdir(), "chairside-quarantine-"));
/** Two patients of the real clinic (Ada, Ben) beside the demo clinic's, on the same firmware. */
const clinic = () =>
  syntheticClinic({ patientIds: ["ada", "ben"], teeth: [16, 26, 36, 46], planId: "sensor-check-36" });
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ dataDir }, { clinic: clinic() });
});
afterAll(async () => {
  await server.stopAsync();
  rmSync(dataDir, { recursive: true, force: true });
});

const REASON = "pH readings stuck at one value since the update";
const LIFT_REASON = "Vendor confirmed the fault was in the charger, not the firmware";

function tempBatch(seq: number, t: number, tooth: number, firmware = STABLE_FIRMWARE): DeviceBatch {
  return { seq, firmware, readings: [{ signal: "temperature", t, value: 34.5, unit: "Cel", tooth }] };
}

/** Sends batches from one device (one boot) and waits until all are stored. */
async function sendAsync(deviceId: string, batches: DeviceBatch[]): Promise<void> {
  const client = new DeviceClient({
    url: server.origin,
    deviceId,
    deviceKey: deviceKey(server.secret, deviceId),
  });
  for (const b of batches) client.send(b);
  expect(await client.flushAsync()).toBe(true);
  client.close();
}

async function statuses(patientId: string, deviceId: string): Promise<string[]> {
  return (await server.storage.recentReadings(patientId, 0, 1_000))
    .filter((r) => r.deviceId === deviceId)
    .map((r) => r.status);
}

describe("firmware quarantine", () => {
  it("names one exact, known version with a written reason, and only a clinician may ask", async () => {
    const ray = await TestClient.joinAsync(server, "ada", "clinician");
    const noah = await TestClient.joinAsync(server, "ada", "assistant");
    const since = Date.now() - 60_000;
    const ask = (firmware: string, extra: Record<string, unknown> = {}) =>
      ray.command(Ev.firmwareQuarantine, { firmware, since, reason: REASON, ...extra });
    for (const pattern of ["2.*", "2.3", "2", "*", "2.3.x", "2.3.1*", ""]) {
      expect(await ask(pattern), pattern).toMatchObject({ ok: false, error: { code: ErrorCode.badPayload } });
    }
    expect(await ray.command(Ev.firmwareQuarantine, { firmware: STABLE_FIRMWARE, since })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload },
    });
    expect(await ask(STABLE_FIRMWARE, { reason: "   bad  " })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload, message: expect.stringMatching(/reason/) },
    });
    // Not in this clinic's list and never reported here (the demo clinic's beta included).
    expect(await ask("7.7.7")).toMatchObject({ ok: false, error: { code: ErrorCode.notFound } });
    expect(await ask(BETA_FIRMWARE)).toMatchObject({ ok: false, error: { code: ErrorCode.notFound } });
    // `since` is bounded: not from the beginning of time, not in the future.
    expect(await ask(STABLE_FIRMWARE, { since: 0, confirm: true })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload, message: expect.stringMatching(/30 days/) },
    });
    expect(await ask(STABLE_FIRMWARE, { since: Date.now() + 60_000, confirm: true })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload },
    });
    expect(
      await noah.command(Ev.firmwareQuarantine, {
        firmware: STABLE_FIRMWARE,
        since,
        reason: REASON,
        confirm: true,
      }),
    ).toMatchObject({ ok: false, error: { code: ErrorCode.forbidden } });
    expect(server.soe.quarantinedFirmware(ClinicId.main)).toEqual([]);
    expect(await server.storage.countReadings({ status: ReadingStatus.enteredInError })).toBe(0);
    ray.close();
    noah.close();
  });

  it("asks for confirmation with counts for a version in normal use, then retracts in its own clinic only", async () => {
    const t0 = Date.now() - 30_000;
    await sendAsync(
      "soe-ada-36",
      [1, 2, 3].map((s) => tempBatch(s, t0 + s * 1000, 36)),
    );
    await sendAsync(
      "soe-ben-16",
      [1, 2].map((s) => tempBatch(s, t0 + s * 1000, 16)),
    );
    await sendAsync(
      "soe-julian-demo-36",
      [1, 2].map((s) => tempBatch(s, t0 + s * 1000, 36)),
    );
    const ray = await TestClient.joinAsync(server, "ada", "clinician");
    const benRay = await TestClient.joinAsync(server, "ben", "clinician");
    const demoRay = await TestClient.joinAsync(server, "demo", "clinician");
    const payload = { firmware: STABLE_FIRMWARE, since: t0, reason: REASON };

    const first = await ray.command(Ev.firmwareQuarantine, payload);
    expect(first.ok).toBe(false);
    const error = (first as { error: ProtocolError }).error;
    // Every device of the real clinic runs the release: 10 devices of 2 patients, 5 readings.
    expect(error).toMatchObject({
      code: ErrorCode.confirmationRequired,
      impact: { firmware: STABLE_FIRMWARE, since: t0, devices: 10, patients: 2, readings: 5 },
    });
    expect(error.message).toMatch(/10 device\(s\).*5 reading\(s\) of 2 patient\(s\)/);
    expect(await server.storage.countReadings({ status: ReadingStatus.enteredInError })).toBe(0);
    expect(server.soe.quarantinedFirmware(ClinicId.main)).toEqual([]);

    const confirmed = await ray.command<FirmwareQuarantineOutcome>(Ev.firmwareQuarantine, {
      ...payload,
      confirm: true,
    });
    expect(confirmed).toEqual({ ok: true, value: { devices: 10, patients: 2, retracted: 5 } });
    expect(await statuses("ada", "soe-ada-36")).toEqual(Array(3).fill(ReadingStatus.enteredInError));
    expect(await statuses("ben", "soe-ben-16")).toEqual(Array(2).fill(ReadingStatus.enteredInError));
    // The demo clinic runs the same version string, and is untouched.
    expect(await statuses("julian-demo", "soe-julian-demo-36")).toEqual(Array(2).fill(ReadingStatus.final));
    expect(server.soe.quarantinedFirmware(ClinicId.demo)).toEqual([]);

    // Both rooms of the real clinic hear of it, with the reason; the demo room does not.
    for (const c of [ray, benRay]) {
      await waitFor(() => c.view!.quarantinedFirmware.includes(STABLE_FIRMWARE), "quarantine in view");
      expect(c.view!.firmwareHistory).toEqual([
        expect.objectContaining({
          action: "quarantine",
          firmware: STABLE_FIRMWARE,
          by: FIXTURE_STAFF.clinicianId,
          reason: REASON,
          retracted: 5,
        }),
      ]);
      await waitFor(() => c.view!.devices.every((d) => d.quarantined), "devices flagged");
    }
    expect(demoRay.events.some((e) => e.body.type === "firmware_quarantined")).toBe(false);
    expect(demoRay.view!.quarantinedFirmware).toEqual([]);

    // Asking again while active is refused; the history is not rewritten.
    expect(await ray.command(Ev.firmwareQuarantine, { ...payload, confirm: true })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.illegalTransition },
    });

    const audit = await server.storage.auditLog(50);
    expect(audit.filter((a) => a.action === "firmware_quarantine")).toEqual([
      expect.objectContaining({
        who: FIXTURE_STAFF.clinicianId,
        why: REASON,
        subject: expect.stringContaining("clinic main"),
      }),
    ]);
    ray.close();
    benRay.close();
    demoRay.close();
  });

  it("lifts with a reason: new readings trusted again, earlier retractions kept, history shown", async () => {
    const ray = await TestClient.joinAsync(server, "ada", "clinician");
    const noah = await TestClient.joinAsync(server, "ada", "assistant");
    const t1 = Date.now() - 5_000;
    // Sent while quarantined: stored, and retracted from the start.
    await sendAsync("soe-ada-26", [tempBatch(1, t1, 26)]);
    expect(await statuses("ada", "soe-ada-26")).toEqual([ReadingStatus.enteredInError]);

    expect(await ray.command(Ev.firmwareLift, { firmware: STABLE_FIRMWARE, reason: "ok" })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload },
    });
    expect(
      await noah.command(Ev.firmwareLift, { firmware: STABLE_FIRMWARE, reason: LIFT_REASON }),
    ).toMatchObject({
      ok: false,
      error: { code: ErrorCode.forbidden },
    });
    expect(await ray.command(Ev.firmwareLift, { firmware: "9.9.9", reason: LIFT_REASON })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.notFound },
    });
    const lifted = await ray.command<FirmwareAction>(Ev.firmwareLift, {
      firmware: STABLE_FIRMWARE,
      reason: LIFT_REASON,
    });
    expect(lifted).toMatchObject({
      ok: true,
      value: {
        action: "lift",
        firmware: STABLE_FIRMWARE,
        by: FIXTURE_STAFF.clinicianId,
        reason: LIFT_REASON,
      },
    });
    await waitFor(() => ray.view!.quarantinedFirmware.length === 0, "lift in view");
    expect(ray.view!.firmwareHistory.map((a) => a.action)).toEqual(["quarantine", "lift"]);
    await waitFor(() => ray.view!.devices.every((d) => !d.quarantined), "devices trusted again");

    await sendAsync("soe-ada-26", [tempBatch(1, t1 + 1_000, 26)]);
    expect(await statuses("ada", "soe-ada-26")).toEqual([ReadingStatus.enteredInError, ReadingStatus.final]);
    expect(await statuses("ada", "soe-ada-36")).toEqual(Array(3).fill(ReadingStatus.enteredInError));
    expect(
      await ray.command(Ev.firmwareLift, { firmware: STABLE_FIRMWARE, reason: LIFT_REASON }),
    ).toMatchObject({
      ok: false,
      error: { code: ErrorCode.notFound },
    });
    const audit = await server.storage.auditLog(50);
    expect(audit.filter((a) => a.action === "firmware_lift")).toEqual([
      expect.objectContaining({ who: FIXTURE_STAFF.clinicianId, why: LIFT_REASON }),
    ]);
    ray.close();
    noah.close();
  });

  it("a beta quarantine in the demo clinic needs no confirmation and stays there; history survives a restart", async () => {
    await sendAsync("soe-julian-demo-46", [tempBatch(1, Date.now() - 2_000, 46, BETA_FIRMWARE)]);
    const demoRay = await TestClient.joinAsync(server, "demo", "clinician");
    const payload = { firmware: BETA_FIRMWARE, since: Date.now() - 10_000, reason: REASON };
    // A double click: one quarantine is stored, the other is refused, never both.
    const [a, b] = await Promise.all([
      demoRay.command<FirmwareQuarantineOutcome>(Ev.firmwareQuarantine, payload),
      demoRay.command<FirmwareQuarantineOutcome>(Ev.firmwareQuarantine, payload),
    ]);
    const results = [a, b].sort((x, y) => Number(y.ok) - Number(x.ok));
    expect(results[0]).toEqual({ ok: true, value: { devices: 1, patients: 1, retracted: 1 } });
    expect(results[1]).toMatchObject({ ok: false, error: { code: ErrorCode.illegalTransition } });
    expect(server.soe.firmwareHistory(ClinicId.demo)).toHaveLength(1);
    expect(server.soe.quarantinedFirmware(ClinicId.main)).toEqual([]);
    demoRay.close();

    await server.stopAsync();
    server = await startTestServer({ dataDir }, { clinic: clinic() });
    expect(server.soe.quarantinedFirmware(ClinicId.demo)).toEqual([BETA_FIRMWARE]);
    expect(server.soe.quarantinedFirmware(ClinicId.main)).toEqual([]);
    const ray = await TestClient.joinAsync(server, "ada", "clinician");
    expect(ray.view!.quarantinedFirmware).toEqual([]);
    expect(ray.view!.firmwareHistory.map((a) => [a.action, a.firmware, a.reason])).toEqual([
      ["quarantine", STABLE_FIRMWARE, REASON],
      ["lift", STABLE_FIRMWARE, LIFT_REASON],
    ]);
    ray.close();
  });
});
