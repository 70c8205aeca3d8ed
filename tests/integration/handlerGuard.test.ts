/**
 * A handler that throws is a bug, never an exit: the sender gets a typed `internal_error`, the
 * offence is counted, and the room goes on. (In-process on purpose: the guard catches the throw,
 * so nothing reaches vitest's uncaught-exception handler; fuzz.test.ts watches for a dead process.)
 */
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayStats } from "../../server/peopleGateway.ts";
import { deviceGatewayStats } from "../../server/soe/deviceGateway.ts";
import { deviceKey } from "../../server/tokens.ts";
import { DEVICE_NAMESPACE, ErrorCode, Ev, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";

let server: TestServer;
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

beforeAll(async () => {
  server = await startTestServer();
  process.on("uncaughtException", onUncaught);
});

afterAll(async () => {
  process.off("uncaughtException", onUncaught);
  await server?.stopAsync();
});

describe("guarded handlers", () => {
  it("answers a person's command whose handler throws with internal_error, and the room goes on", async () => {
    const clinician = await TestClient.joinAsync(server, "julian", "clinician");
    const session = server.sessions.forAppointment("julian");
    const handle = session.handle.bind(session);
    const before = gatewayStats.internalErrors;
    session.handle = () => {
      throw new RangeError("Maximum call stack size exceeded");
    };
    try {
      expect(await clinician.command(Ev.breathing, { on: true })).toMatchObject({
        ok: false,
        error: { code: ErrorCode.internalError },
      });
    } finally {
      session.handle = handle;
    }
    expect(gatewayStats.internalErrors).toBe(before + 1);
    expect(await clinician.command(Ev.breathing, { on: true })).toMatchObject({ ok: true });
    expect(uncaught).toEqual([]);
    clinician.close();
  });

  it("answers a device batch whose handler throws with internal_error", async () => {
    const deviceId = [...server.clinic.devices.keys()][0]!;
    const ingest = server.soe.ingest.bind(server.soe);
    server.soe.ingest = () => {
      throw new TypeError("broken");
    };
    const socket = io(`${server.origin}${DEVICE_NAMESPACE}`, {
      auth: {
        protocolVersion: PROTOCOL_VERSION,
        deviceId,
        deviceKey: deviceKey(server.secret, deviceId),
        bootId: "guard-test-boot",
      },
      transports: ["websocket"],
      forceNew: true,
    });
    try {
      await waitFor(() => socket.connected, "the device connects");
      const before = deviceGatewayStats.internalErrors;
      const reply = await socket
        .timeout(5_000)
        .emitWithAck(Ev.deviceBatch, { seq: 1, firmware: "1.0.0", readings: [] });
      expect(reply).toMatchObject({ ok: false, error: { code: ErrorCode.internalError } });
      expect(deviceGatewayStats.internalErrors).toBe(before + 1);
      expect(socket.connected).toBe(true);
    } finally {
      server.soe.ingest = ingest;
      socket.close();
    }
    expect(uncaught).toEqual([]);
  });
});
