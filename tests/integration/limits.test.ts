/**
 * Limits hold per person and per address, not per connection: reconnecting starts where the last
 * connection stopped, and a sender that keeps offending is cut and then refused at the handshake
 * for a back-off that grows. The server's clock is injected, so back-off periods pass instantly.
 */

import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../server/limits.ts";
import { deviceKey } from "../../server/tokens.ts";
import { encodePose } from "../../shared/poseCodec.ts";
import { CloseReason, DEVICE_NAMESPACE, ErrorCode, Ev, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import {
  connectRefusal,
  passAuth,
  startTestServer,
  TestClient,
  type TestServer,
  waitFor,
} from "../harness.ts";

const clock = { t: Date.now() };
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({}, { now: () => clock.t });
});

afterAll(async () => {
  await server?.stopAsync();
});

const auth = (appointment: string, role: "patient" | "observer" | "assistant" | "clinician") =>
  passAuth(server, appointment, role);

async function cutAsync(client: TestClient): Promise<void> {
  await waitFor(() => !client.socket.connected, "the offender is cut", 10_000);
  expect(client.errors.some((e) => e.event === CloseReason.repeatOffender)).toBe(true);
  client.close();
}

describe("limits per person, across reconnects", () => {
  it("lets Otto answer one asker at most at the documented rate, however often they reconnect", async () => {
    const first = await TestClient.joinAsync(server, "julian", "patient");
    expect(await first.command(Ev.ottoAsk, { question: "how_long" })).toMatchObject({ ok: true });
    first.close();
    const again = await TestClient.joinAsync(server, "julian", "patient");
    expect(await again.command(Ev.ottoAsk, { question: "will_it_hurt" })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.rateLimited },
    });
    clock.t += DEFAULT_LIMITS.rates.otto.burst * 2_000;
    expect(await again.command(Ev.ottoAsk, { question: "will_it_hurt" })).toMatchObject({ ok: true });
    again.close();
  });

  it("keeps a command budget across reconnects", async () => {
    const first = await TestClient.joinAsync(server, "julian", "assistant");
    const burst = DEFAULT_LIMITS.rates.command.burst;
    const results = await Promise.all(Array.from({ length: burst }, () => first.command(Ev.snapshot)));
    expect(results.every((r) => r.ok)).toBe(true);
    first.close();
    const again = await TestClient.joinAsync(server, "julian", "assistant");
    expect(await again.command(Ev.snapshot)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.rateLimited },
    });
    again.close();
    clock.t += 10_000;
  });

  it("cuts a pose flood and refuses it at the handshake for a while", async () => {
    const flooder = await TestClient.joinAsync(server, "flower", "patient");
    const pose = encodePose({
      head: { p: { x: 0, y: 1.2, z: 0 }, q: { x: 0, y: 0, z: 0, w: 1 } },
      left: null,
      right: null,
    });
    // 10,000 poses as fast as the socket takes them.
    for (let i = 0; i < 10_000 && flooder.socket.connected; i++) flooder.socket.emit(Ev.pose, pose);
    await cutAsync(flooder);
    const refused = await connectRefusal(server.origin, auth("flower", "patient"));
    expect(refused).toMatchObject({ code: ErrorCode.refusedForNow });
    expect(refused!.retryAfterMs).toBeGreaterThan(0);
    expect(refused!.retryAfterMs).toBeLessThanOrEqual(DEFAULT_LIMITS.backoff.firstMs);
  });

  it("still limits a sender that reconnects on every cut, and refuses it for longer each time", async () => {
    const refusals: number[] = [];
    for (let round = 0; round < 3; round++) {
      const offender = await TestClient.joinAsync(server, "flower", "observer");
      // biome-ignore lint/suspicious/noExplicitAny: events outside the protocol, on purpose
      for (let i = 0; i < 30 && offender.socket.connected; i++) (offender.socket as any).emit("garbage", i);
      await cutAsync(offender);
      const refused = await connectRefusal(server.origin, auth("flower", "observer"));
      expect(refused).toMatchObject({ code: ErrorCode.refusedForNow });
      refusals.push(refused!.retryAfterMs!);
      clock.t += refused!.retryAfterMs!;
    }
    expect(refusals).toEqual([1, 2, 4].map((k) => k * DEFAULT_LIMITS.backoff.firstMs));
  });

  it("refuses a reconnect storm with refused_for_now, and says when to come back", async () => {
    let last: Awaited<ReturnType<typeof connectRefusal>> = null;
    let admitted = 0;
    for (let i = 0; i < 60; i++) {
      last = await connectRefusal(server.origin, auth("flower", "assistant"));
      if (last === null) admitted += 1;
    }
    expect(admitted).toBe(DEFAULT_LIMITS.connects.identity.burst);
    expect(last).toMatchObject({ code: ErrorCode.refusedForNow });
    // Knocking on after the refusal earned a back-off, not just a wait for the next token.
    expect(last!.retryAfterMs).toBeGreaterThan(1000 / DEFAULT_LIMITS.connects.identity.perSecond);
    // Another person at the same address is not affected.
    expect(await connectRefusal(server.origin, auth("flower", "clinician"))).toBeNull();
  });
});

describe("limits per device", () => {
  it("cuts a device that floods bad batches and refuses it with refused_for_now", async () => {
    const deviceId = [...server.clinic.devices.keys()][0]!;
    const url = `${server.origin}${DEVICE_NAMESPACE}`;
    const deviceAuth = {
      protocolVersion: PROTOCOL_VERSION,
      deviceId,
      deviceKey: deviceKey(server.secret, deviceId),
      bootId: "limits-test-boot",
    };
    const socket = io(url, {
      auth: deviceAuth,
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
    });
    await waitFor(() => socket.connected, "the device connects");
    for (let i = 0; i < 30 && socket.connected; i++) {
      // biome-ignore lint/suspicious/noExplicitAny: a malformed batch, on purpose
      await (socket.timeout(5_000) as any).emitWithAck(Ev.deviceBatch, { seq: "bad" }).catch(() => null);
    }
    await waitFor(() => !socket.connected, "the device is cut");
    socket.close();
    const refused = await connectRefusal(url, deviceAuth);
    expect(refused).toMatchObject({ code: ErrorCode.refusedForNow });
    expect(refused!.retryAfterMs).toBeGreaterThan(0);
  });
});
