/**
 * No message, however malformed, can stop the server. The server runs in a child process so
 * that a crash is a dead process, as in production (vitest would catch an uncaught exception in
 * its own worker and keep the process alive, hiding exactly the failure this test is about).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, Ev, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { type ChildServer, startChildServer } from "../childHarness.ts";
import { waitFor } from "../harness.ts";
import { RawClient } from "../rawClient.ts";

let server: ChildServer;

beforeAll(async () => {
  server = await startChildServer({ CHILD_LIMITS: "relaxed" });
});

afterAll(async () => {
  await server?.stopAsync();
});

const nested = (depth: number, leaf = "1"): string => "[".repeat(depth) + leaf + "]".repeat(depth);

async function person(appointment: string, role: string): Promise<RawClient> {
  const client = new RawClient(server.origin, "/");
  const refused = await client.connectAsync({
    protocolVersion: PROTOCOL_VERSION,
    token: server.tokens[`${appointment}/${role}`],
  });
  expect(refused).toBeNull();
  return client;
}

async function device(deviceId: string): Promise<RawClient> {
  const client = new RawClient(server.origin, "/devices");
  const refused = await client.connectAsync({
    protocolVersion: PROTOCOL_VERSION,
    deviceId,
    deviceKey: server.devices[deviceId],
  });
  expect(refused).toBeNull();
  return client;
}

describe("the issue's crash", () => {
  it("answers a 12 KB otto:ask nested 6,000 deep with a typed error, and lives", async () => {
    const patient = await person("julian", "patient");
    const id = patient.emitRaw(Ev.ottoAsk, `{"question":${nested(6_000)}}`, true)!;
    await waitFor(() => patient.acks.has(id) || server.exited !== null, "a reply to the deep otto:ask");
    expect(server.exited).toBeNull();
    expect(patient.acks.get(id)).toEqual([{ ok: false, code: ErrorCode.badPayload }]);
    patient.close();
  });

  it("answers a device batch nested 6,000 deep with a typed error, and lives", async () => {
    const soe = await device(Object.keys(server.devices)[0]!);
    const id = soe.emitRaw(
      Ev.deviceBatch,
      `{"seq":1,"firmware":"x","readings":${nested(6_000, "{}")}}`,
      true,
    )!;
    await waitFor(() => soe.acks.has(id) || server.exited !== null, "a reply to the deep batch");
    expect(server.exited).toBeNull();
    expect(soe.acks.get(id)).toEqual([{ ok: false, code: ErrorCode.badPayload }]);
    soe.close();
  });
});
