/**
 * A device refused at the handshake "for now" (its address opened too many connections at once)
 * comes back by itself once the wait is over, and its readings arrive: Socket.IO takes a refusal
 * in a namespace's middleware as final, so such a device used to stay offline until restarted.
 * bench:soe's 600 connections from one address met exactly this (a tenth of its SOEs silent).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import { DEFAULT_LIMITS } from "../../server/limits.ts";
import { deviceKey } from "../../server/tokens.ts";
import { startTestServer, type TestServer, waitFor } from "../harness.ts";

/** Handshakes one address may make at once; the devices below are more than this. */
const BURST = 2;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    {},
    {
      limits: {
        ...DEFAULT_LIMITS,
        connects: { ...DEFAULT_LIMITS.connects, address: { perSecond: 4, burst: BURST } },
      },
    },
  );
});
afterAll(async () => {
  await server.stopAsync();
});

it("reconnects a device refused for now, and stores what it queued meanwhile", async () => {
  const ids = [...server.clinic.devices.values()].filter((d) => d.tooth !== null).map((d) => d.deviceId);
  expect(ids.length).toBeGreaterThan(BURST);
  const devices = ids.map(
    (id) => new DeviceClient({ url: server.origin, deviceId: id, deviceKey: deviceKey(server.secret, id) }),
  );
  try {
    // Some are refused at first: the limit is real, and so is the refusal's typed reason.
    await waitFor(() => devices.some((d) => d.stats.lastError !== null), "a refused handshake");
    expect(devices.filter((d) => d.stats.lastError !== null).map((d) => d.stats.lastError)).toContain(
      "Too many connections or invalid messages: try again in 1 s.",
    );
    for (const [i, d] of devices.entries()) {
      const device = server.clinic.devices.get(ids[i]!)!;
      d.send({
        seq: 1,
        firmware: device.firmware,
        readings: [{ signal: "temperature", t: Date.now(), value: 34.5, unit: "Cel", tooth: device.tooth! }],
      });
    }
    await waitFor(
      () => devices.every((d) => d.connected && d.pending === 0),
      "every device connected and acked",
      20_000,
    );
    expect(devices.map((d) => d.stats.acked)).toEqual(devices.map(() => 1));
  } finally {
    for (const d of devices) d.close();
  }
});
