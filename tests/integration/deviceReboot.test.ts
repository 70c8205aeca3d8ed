/**
 * A device that reboots and counts from 1 again, over the real /devices namespace: every reading
 * is stored exactly once, a resend is a duplicate, and other content under a used (boot, seq) is a
 * typed `seq_conflict` with a technical alarm, also after a server restart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import { deviceKey } from "../../server/tokens.ts";
import {
  DEVICE_NAMESPACE,
  type DeviceBatch,
  type DeviceBatchAck,
  ErrorCode,
  Ev,
  PROTOCOL_VERSION,
  type Result,
} from "../../shared/protocol.ts";
import { startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";

const dataDir = mkdtempSync(join(tmpdir(), "chairside-reboot-"));
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ dataDir });
});
afterAll(async () => {
  await server.stopAsync();
  rmSync(dataDir, { recursive: true, force: true });
});

const T0 = Date.now() - 60_000;

function tempBatch(seq: number, t: number, value = 34.5, tooth = 46): DeviceBatch {
  return {
    seq,
    firmware: "2.3.1",
    readings: [{ signal: "temperature", t, value, unit: "Cel", tooth }],
  };
}

function device(id: string, bootId?: string): DeviceClient {
  return new DeviceClient({
    url: server.origin,
    deviceId: id,
    deviceKey: deviceKey(server.secret, id),
    ...(bootId === undefined ? {} : { bootId }),
  });
}

/** A device socket that sends exactly what the test says, under a fixed boot id. */
function rawDevice(id: string, bootId: string) {
  const socket = io(`${server.origin}${DEVICE_NAMESPACE}`, {
    auth: {
      protocolVersion: PROTOCOL_VERSION,
      deviceId: id,
      deviceKey: deviceKey(server.secret, id),
      bootId,
    },
    transports: ["websocket"],
    forceNew: true,
  });
  return {
    send: (batch: DeviceBatch): Promise<Result<DeviceBatchAck>> =>
      socket.timeout(5_000).emitWithAck(Ev.deviceBatch, batch),
    close: () => socket.close(),
  };
}

async function storedTimes(patientId: string, deviceId: string): Promise<number[]> {
  const readings = await server.storage.recentReadings(patientId, 0, 1_000);
  return readings
    .filter((r) => r.deviceId === deviceId)
    .map((r) => r.t)
    .sort((a, b) => a - b);
}

describe("device reboot", () => {
  it("stores every reading exactly once when a rebooted device counts from 1 again", async () => {
    const id = "soe-flower-46";
    const before = device(id);
    for (let seq = 1; seq <= 5; seq++) before.send(tempBatch(seq, T0 + seq * 1000));
    expect(await before.flushAsync()).toBe(true);
    before.close();

    // Power cycle: a new boot id, and the counter starts from 1 with new readings.
    const after = device(id);
    expect(after.bootId).not.toBe(before.bootId);
    for (let seq = 1; seq <= 5; seq++) after.send(tempBatch(seq, T0 + 10_000 + seq * 1000));
    expect(await after.flushAsync()).toBe(true);
    expect(after.stats.duplicates).toBe(0);
    expect(after.stats.rejected).toBe(0);
    after.close();

    const seqs = [1, 2, 3, 4, 5];
    const expected = [...seqs.map((s) => T0 + s * 1000), ...seqs.map((s) => T0 + 10_000 + s * 1000)];
    expect(await storedTimes("flower", id)).toEqual(expected);
  });

  it("answers a resend as a duplicate and other content under the same seq as seq_conflict with a technical alarm", async () => {
    const id = "soe-flower-36";
    const ray = await TestClient.joinAsync(server, "flower", "clinician");
    const dev = rawDevice(id, "boot-conflict-1");
    const first = tempBatch(1, T0 + 30_000, 34.5, 36);
    expect(await dev.send(first)).toEqual({ ok: true, value: { seq: 1, stored: 1, duplicate: false } });
    expect(await dev.send(first)).toEqual({ ok: true, value: { seq: 1, stored: 0, duplicate: true } });
    const other = tempBatch(1, T0 + 31_000, 35.1, 36);
    expect(await dev.send(other)).toMatchObject({ ok: false, error: { code: ErrorCode.seqConflict } });
    expect(await storedTimes("flower", id)).toEqual([T0 + 30_000]);

    await waitFor(
      () =>
        ray.view!.alarms.some(
          (a) => a.causes?.some((c) => c.key === `sequence:${id}`) && a.kind === "technical",
        ),
      "a technical alarm for the conflicting device",
    );
    const alarm = ray.view!.alarms.find((a) => a.key === `device:${id}`)!;
    expect(alarm).toMatchObject({ deviceId: id, tooth: 36, priority: "medium" });
    expect((await server.storage.alarms("room-flower")).some((a) => a.id === alarm.id)).toBe(true);
    expect(server.soe.stats.conflicts).toBe(1);
    dev.close();
    ray.close();
  });

  it("still tells a resend from a conflict after a server restart", async () => {
    const id = "soe-flower-26";
    const dev = rawDevice(id, "boot-restart-1");
    const batch = tempBatch(7, T0 + 40_000, 34.6, 26);
    expect(await dev.send(batch)).toMatchObject({ ok: true, value: { stored: 1 } });
    dev.close();

    await server.stopAsync();
    server = await startTestServer({ dataDir });

    const again = rawDevice(id, "boot-restart-1");
    expect(await again.send(batch)).toEqual({ ok: true, value: { seq: 7, stored: 0, duplicate: true } });
    expect(await again.send(tempBatch(7, T0 + 41_000, 36.0, 26))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.seqConflict },
    });
    // The same seq under a new boot is new data.
    const rebooted = rawDevice(id, "boot-restart-2");
    expect(await rebooted.send(tempBatch(7, T0 + 42_000, 34.7, 26))).toMatchObject({
      ok: true,
      value: { stored: 1, duplicate: false },
    });
    expect(await storedTimes("flower", id)).toEqual([T0 + 40_000, T0 + 42_000]);
    again.close();
    rebooted.close();
  });
});
