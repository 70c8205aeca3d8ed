/** HTTPS from configuration (a headset on the LAN needs a secure context): the page and Socket.IO over TLS. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passAuth, startTestServer, type TestServer } from "../harness.ts";

const dir = mkdtempSync(join(tmpdir(), "chairside-tls-"));
let server: TestServer;

beforeAll(async () => {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  // The same self-signed certificate the README shows for a LAN address.
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=chairside",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  server = await startTestServer({ tlsCertPath: cert, tlsKeyPath: key });
});
afterAll(async () => {
  await server.stopAsync();
  rmSync(dir, { recursive: true, force: true });
});

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
