/** SOE devices over their own namespace on a real server: auth, acks, dedupe, rejections, fan-out. */
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import { deviceKey } from "../../server/tokens.ts";
import {
  DEVICE_NAMESPACE,
  type DeviceBatch,
  ErrorCode,
  Ev,
  PROTOCOL_VERSION,
  type Result,
} from "../../shared/protocol.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import { connectRefusal, startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stopAsync();
});

const DEVICE = "soe-flower-36";
const phBatch = (
  seq: number,
  t: number,
  extra: Partial<DeviceBatch["readings"][number]> = {},
): DeviceBatch => ({
  seq,
  firmware: "2.3.1",
  readings: [{ signal: "ph", t, value: 7.1, unit: "[pH]", tooth: 36, ...extra }],
});

function rawDevice(deviceId: string, key: string) {
  return io(`${server.origin}${DEVICE_NAMESPACE}`, {
    auth: { protocolVersion: PROTOCOL_VERSION, deviceId, deviceKey: key, bootId: "boot-soe-test" },
    transports: ["websocket"],
    forceNew: true,
  });
}

describe("SOE device uplink", () => {
  it("admits paired devices with their own credentials only", async () => {
    const url = `${server.origin}${DEVICE_NAMESPACE}`;
    const v = PROTOCOL_VERSION;
    const bootId = "boot-soe-test";
    expect(
      await connectRefusal(url, { protocolVersion: v, deviceId: DEVICE, deviceKey: "nope", bootId }),
    ).toMatchObject({
      code: ErrorCode.tokenInvalid,
    });
    expect(
      await connectRefusal(url, {
        protocolVersion: v,
        deviceId: "soe-stranger-11",
        deviceKey: deviceKey(server.secret, "x"),
        bootId,
      }),
    ).toMatchObject({ code: ErrorCode.deviceUnpaired });
    // A person's demo pass is not a device credential.
    const token = server.demoPasses.mint("flower", "clinician")?.pass;
    expect(
      await connectRefusal(url, { protocolVersion: v, deviceId: DEVICE, deviceKey: token, bootId }),
    ).toMatchObject({
      code: ErrorCode.tokenInvalid,
    });
    // Without a boot id the server could not tell a reboot from a resend: refused with a reason.
    const key = deviceKey(server.secret, DEVICE);
    expect(await connectRefusal(url, { protocolVersion: v, deviceId: DEVICE, deviceKey: key })).toMatchObject(
      { code: ErrorCode.badPayload, message: expect.stringMatching(/bootId/) },
    );
    expect(
      await connectRefusal(url, { protocolVersion: v, deviceId: DEVICE, deviceKey: key, bootId }),
    ).toBeNull();
  });

  it("acknowledges once stored, deduplicates resends, and rejects bad batches with typed errors", async () => {
    const socket = rawDevice(DEVICE, deviceKey(server.secret, DEVICE));
    const send = (batch: unknown): Promise<Result<{ stored: number; duplicate: boolean }>> =>
      // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed payloads
      (socket.timeout(5000) as any).emitWithAck(Ev.deviceBatch, batch);
    const now = Date.now();
    expect(await send(phBatch(1, now))).toMatchObject({ ok: true, value: { stored: 1, duplicate: false } });
    expect(await send(phBatch(1, now))).toMatchObject({ ok: true, value: { stored: 0, duplicate: true } });
    expect(await server.storage.countReadings({ deviceId: DEVICE })).toBe(1);

    expect(await send(phBatch(2, now + 1000, { unit: "mmol/L" }))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.unknownUnit },
    });
    expect(await send(phBatch(3, now + 1000, { tooth: 26 }))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.deviceUnpaired },
    });
    expect(await send({ seq: "four", readings: [] })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload },
    });
    expect(await send(phBatch(5, now + 1000, { signal: "glucose" as never }))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload },
    });
    expect(await server.storage.countReadings({ deviceId: DEVICE })).toBe(1);
    expect(server.soe.stats.rejected[ErrorCode.unknownUnit]).toBeGreaterThan(0);

    // A flood above the device's rate gets typed rejections and does not block other devices.
    const flood = await Promise.all(
      Array.from({ length: 240 }, (_, i) => send(phBatch(100 + i, now + 2000 + i))),
    );
    expect(flood.some((r) => !r.ok && r.error.code === ErrorCode.rateLimited)).toBe(true);
    const other = new DeviceClient({
      url: server.origin,
      deviceId: "soe-flower-16",
      deviceKey: deviceKey(server.secret, "soe-flower-16"),
    });
    other.send({
      seq: 1,
      firmware: "2.3.1",
      readings: [{ signal: "ph", t: Date.now(), value: 7, unit: "[pH]", tooth: 16 }],
    });
    expect(await other.flushAsync(5000)).toBe(true);
    other.close();
    socket.close();
  });

  it("streams readings to the care team at display rate, and never to the patient", async () => {
    const ray = await TestClient.joinAsync(server, "julian", "clinician");
    const julian = await TestClient.joinAsync(server, "julian", "patient");
    const seen: CheckedReading[] = [];
    let patientSaw = 0;
    ray.socket.on(Ev.readings, (b) => seen.push(...b.readings));
    julian.socket.on(Ev.readings, () => patientSaw++);
    const device = new DeviceClient({
      url: server.origin,
      deviceId: "soe-julian-26",
      deviceKey: deviceKey(server.secret, "soe-julian-26"),
    });
    const t = Date.now();
    device.send({
      seq: 1,
      firmware: "2.3.1",
      readings: Array.from({ length: 50 }, (_, i) => ({
        signal: "biteForce" as const,
        t: t - 1000 + i * 20,
        value: i,
        unit: "N",
        tooth: 26,
      })),
    });
    expect(await device.flushAsync()).toBe(true);
    await waitFor(() => seen.length > 0, "readings at the clinician");
    // 50 Hz bite force is downsampled for display (peak kept); storage keeps all 50.
    expect(seen.filter((r) => r.signal === "biteForce").length).toBeLessThan(50);
    expect(Math.max(...seen.map((r) => r.value))).toBe(49);
    expect(await server.storage.countReadings({ deviceId: "soe-julian-26" })).toBe(50);
    await new Promise((r) => setTimeout(r, 300));
    expect(patientSaw).toBe(0);
    const history = await ray.command<{ readings: CheckedReading[] }>(Ev.soeHistory, { sinceMs: 0 });
    expect(history.ok && history.value.readings.length).toBe(50);
    expect((await julian.command(Ev.soeHistory, { sinceMs: 0 })).ok).toBe(false);
    device.close();
    ray.close();
    julian.close();
  });
});
