import { request } from "node:https";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passAuth, startTestServer, type TestServer } from "../harness.ts";
import { overTls } from "../tlsCertificate.ts";

let server: TestServer;

beforeAll(async () => {
  server = await overTls((tls) => startTestServer(tls));
});
afterAll(() => server?.stopAsync());

describe("HTTPS", () => {
  it("serves over TLS and admits a Socket.IO client on the same origin", async () => {
    expect(server.origin).toBe(`https://localhost:${server.port}`);
    const status = await new Promise<number>((resolve, reject) => {
      request(`${server.origin}/healthz`, { rejectUnauthorized: false }, (res) =>
        resolve(res.statusCode ?? 0),
      )
        .on("error", reject)
        .end();
    });
    expect(status).toBe(200);
    const socket = io(server.origin, {
      auth: passAuth(server, "julian", "clinician"),
      transports: ["websocket"],
      rejectUnauthorized: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.on("connect", () => resolve());
      socket.on("connect_error", reject);
    });
    expect(socket.connected).toBe(true);
    socket.close();
  });
});
