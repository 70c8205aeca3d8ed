/**
 * The HTTP side: the demo clinic's list, passes and join redirects, static files and hostile paths; the security
 * headers on every kind of response; Host and Origin refusal for pages and sockets.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type IncomingHttpHeaders, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ev } from "../../shared/protocol.ts";
import { passAuth, startTestServer, type TestServer } from "../harness.ts";

const EXTRA_ORIGIN = "https://chart.clinic.example";
const EXTRA_NAME = "chairside.clinic.example";

let server: TestServer;
const root = mkdtempSync(join(tmpdir(), "chairside-http-"));
const clientDir = join(root, "client");
beforeAll(async () => {
  mkdirSync(join(clientDir, "assets"), { recursive: true });
  writeFileSync(join(clientDir, "index.html"), "<!doctype html><title>start</title>");
  writeFileSync(join(clientDir, "assets", "room-AbCdEf12.js"), "export {};");
  // A file beside the client folder: no path may reach it.
  writeFileSync(join(root, "secret.txt"), "not for the web");
  server = await startTestServer({
    clientDir,
    hostnames: [EXTRA_NAME],
    allowedOrigins: [EXTRA_ORIGIN],
  });
});
afterAll(async () => {
  await server.stopAsync();
  rmSync(root, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A request with headers fetch() will not send as given (Host, Origin, Upgrade). Host defaults to
 * localhost; `host: ""` sends none.
 */
function raw(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<RawResponse> {
  const sent: Record<string, string> = { host: `localhost:${server.port}`, ...headers };
  if (sent.host === "") delete sent.host;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: server.port, path, method, headers: sent, setHost: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    // A WebSocket handshake the server accepts ends in an upgrade, not a response.
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "" });
    });
    req.on("error", reject);
    req.end();
  });
}

const POLLING = "/socket.io/?EIO=4&transport=polling";
const WEBSOCKET = "/socket.io/?EIO=4&transport=websocket";
const UPGRADE = {
  connection: "Upgrade",
  upgrade: "websocket",
  "sec-websocket-version": "13",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
};

/** The policy's directives, name to source list. */
function directives(csp: string): Record<string, string> {
  return Object.fromEntries(
    csp.split(";").map((d) => {
      const [name = "", ...sources] = d.trim().split(/\s+/);
      return [name, sources.join(" ")];
    }),
  );
}

function expectSecurityHeaders(what: string, headers: IncomingHttpHeaders): void {
  const csp = directives(String(headers["content-security-policy"]));
  expect(csp, what).toMatchObject({
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-elem": "'self'",
    "connect-src": "'self'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
  });
  // Inline style attributes only (the panel's swatches); never inline or evaluated script.
  const unsafe = Object.entries(csp).filter(([, sources]) => sources.includes("unsafe"));
  expect(unsafe, what).toEqual([["style-src-attr", "'unsafe-inline'"]]);
  expect(headers["x-content-type-options"], what).toBe("nosniff");
  expect(headers["referrer-policy"], what).toBe("no-referrer");
  expect(headers["x-frame-options"], what).toBe("DENY");
}

describe("HTTP", () => {
  it("lists the demo clinic's appointments and roles, with no credential in the list", async () => {
    const r = await fetch(`${server.origin}/api/demo/appointments`);
    expect(r.status).toBe(200);
    const list = (await r.json()) as { appointmentId: string; patientName: string; roles: string[] }[];
    expect(list.map((a) => [a.appointmentId, a.patientName])).toEqual([
      ["julian", "Julian"],
      ["flower", "Flower"],
    ]);
    for (const a of list) expect(a.roles).toEqual(["patient", "clinician", "assistant", "observer"]);
    expect(JSON.stringify(list)).not.toMatch(/pass|token|\/join\//);
  });

  it("redirects a join link to the room page with no credential in it, keeping extra query options", async () => {
    const r = await fetch(`${server.origin}/join/julian/patient?xr=emulate&as=clinician`, {
      redirect: "manual",
    });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/room.html?appointment=julian&as=patient&xr=emulate");
    expect((await fetch(`${server.origin}/join/nobody/patient`, { redirect: "manual" })).status).toBe(404);
    expect((await fetch(`${server.origin}/join/julian/dentist`, { redirect: "manual" })).status).toBe(404);
    expect((await fetch(`${server.origin}/join/Julian!/patient`, { redirect: "manual" })).status).toBe(404);
  });

  it("hands out a demo pass in a JSON body, and says by field what is wrong", async () => {
    const post = (body: unknown, type = "application/json") =>
      fetch(`${server.origin}/api/demo/pass`, {
        method: "POST",
        headers: { "content-type": type },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const ok = await post({ appointmentId: "julian", role: "clinician" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    const pass = (await ok.json()) as {
      pass: string;
      role: string;
      appointmentId: string;
      expiresAt: number;
    };
    expect(pass).toMatchObject({ appointmentId: "julian", role: "clinician" });
    expect(pass.pass.length).toBeGreaterThan(20);
    expect(pass.expiresAt).toBeGreaterThan(Date.now());

    const bad = await post({ appointmentId: "Julian!", role: "dentist" });
    expect(bad.status).toBe(400);
    const problems = ((await bad.json()) as { error: { problems: { path: string }[] } }).error.problems;
    expect(problems.map((p) => p.path).sort()).toEqual(["appointmentId", "role"]);
    expect((await post({ appointmentId: "nobody", role: "patient" })).status).toBe(404);
    // The self-running story's seats belong to its simulated people: no visitor takes one.
    expect((await post({ appointmentId: "demo", role: "clinician" })).status).toBe(404);
    expect((await fetch(`${server.origin}/join/demo/patient`, { redirect: "manual" })).status).toBe(404);
    expect((await post("{", "application/json")).status).toBe(400);
    expect(
      (await post("appointmentId=julian&role=patient", "application/x-www-form-urlencoded")).status,
    ).toBe(415);
  });

  it("never mints a presenter by a join link or a pass request, for any appointment", async () => {
    for (const appointment of ["julian", "demo"]) {
      const r = await fetch(`${server.origin}/join/${appointment}/presenter`, { redirect: "manual" });
      expect(r.status, appointment).toBe(404);
      expect(r.headers.get("location")).toBeNull();
      const pass = await fetch(`${server.origin}/api/demo/pass`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ appointmentId: appointment, role: "presenter" }),
      });
      expect(pass.status, appointment).toBe(400);
    }
  });

  it("validates the demo's query and says what is wrong", async () => {
    const r = await fetch(`${server.origin}/api/demo/start?speed=-2`);
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/^speed: /);
  });

  it("answers bad paths and methods with an error, and keeps serving", async () => {
    const post = await fetch(`${server.origin}/healthz`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetch(`${server.origin}/%E0%A4%A`)).status).toBe(400);
    for (const path of [
      "/%2e%2e%2fsecret.txt",
      "/..%2fsecret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/../secret.txt",
    ]) {
      const r = await raw(path);
      expect([403, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain("not for the web");
    }
    expect((await fetch(`${server.origin}/no-such-file.js`)).status).toBe(404);
    expect(await (await fetch(`${server.origin}/`)).text()).toContain("<title>start</title>");
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });

  it("caches hashed assets for good and revalidates pages", async () => {
    const asset = await fetch(`${server.origin}/assets/room-AbCdEf12.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect((await fetch(`${server.origin}/`)).headers.get("cache-control")).toBe("no-cache");
  });
});

describe("security headers", () => {
  it("are on every kind of response: pages, assets, API, redirects, errors, 404s, refusals and Socket.IO", async () => {
    const cases: [string, Promise<RawResponse>, number][] = [
      ["page", raw("/"), 200],
      ["asset", raw("/assets/room-AbCdEf12.js"), 200],
      ["health", raw("/healthz"), 200],
      ["API", raw("/api/demo/appointments"), 200],
      ["API refusal", raw("/api/rooms/julian/seat"), 401],
      ["HEAD", raw("/", {}, "HEAD"), 200],
      ["join redirect", raw("/join/julian/clinician"), 302],
      ["demo redirect", raw("/demo"), 302],
      ["bad query", raw("/api/demo/start?speed=x"), 400],
      ["undecodable path", raw("/%E0%A4%A"), 400],
      ["wrong method", raw("/healthz", {}, "DELETE"), 405],
      ["404", raw("/no-such-file.js"), 404],
      ["unknown API", raw("/api/demo/nothing"), 404],
      ["foreign host", raw("/", { host: "evil.example" }), 421],
      ["Socket.IO polling", raw(POLLING), 200],
      ["Socket.IO refusal", raw(POLLING, { origin: "https://evil.example" }), 403],
    ];
    for (const [what, pending, status] of cases) {
      const r = await pending;
      expect(r.status, what).toBe(status);
      expectSecurityHeaders(what, r.headers);
    }
  });

  it("are on the answer of a server that has no client built", async () => {
    const bare = await startTestServer({ clientDir: null });
    try {
      const r = await fetch(`${bare.origin}/room.html`);
      expect(r.status).toBe(503);
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    } finally {
      await bare.stopAsync();
    }
  });
});

describe("Host", () => {
  it("answers localhost, loopback addresses and configured names", async () => {
    for (const host of [
      `localhost:${server.port}`,
      `127.0.0.1:${server.port}`,
      `[::1]:${server.port}`,
      EXTRA_NAME,
      `${EXTRA_NAME.toUpperCase()}.:${server.port}`,
    ]) {
      expect((await raw("/healthz", { host })).status, host).toBe(200);
    }
  });

  it("refuses any other Host with 421 for pages, API and sockets, so no link carries a forged name", async () => {
    for (const host of [
      "evil.example",
      `evil.example:${server.port}`,
      "localhost.evil.example",
      "user@localhost",
      "a b",
      "127.0.0.1.evil.example",
    ]) {
      const page = await raw("/api/demo/appointments", { host });
      expect(page.status, host).toBe(421);
      expect(page.body, host).not.toContain("julian");
      const polling = await raw(POLLING, { host });
      expect([polling.status, polling.body], host).toEqual([403, expect.stringContaining("unknown host")]);
      // Engine.IO answers a refused upgrade with 400 and the reason.
      const upgrade = await raw(WEBSOCKET, { host, ...UPGRADE });
      expect([upgrade.status, upgrade.body], host).toEqual([400, "unknown host"]);
    }
    const r = await raw("/", { host: "evil.example" });
    expect(r.body).toContain("CHAIRSIDE_HOSTNAMES");
    // A DNS-rebinding page can read the refusal: it must not learn the names and addresses that work.
    expect(r.body).not.toMatch(/localhost|127\.0\.0\.1|::1/);
    // No Host at all: Node itself refuses an HTTP/1.1 request without one.
    expect((await raw("/api/demo/appointments", { host: "" })).status).toBe(400);
  });
});

describe("Socket.IO Origin", () => {
  it("accepts its own origin, no Origin (devices, node clients) and a configured extra origin", async () => {
    for (const origin of [`http://localhost:${server.port}`, EXTRA_ORIGIN, undefined]) {
      const headers: Record<string, string> = origin ? { origin } : {};
      expect((await raw(POLLING, headers)).status, String(origin)).toBe(200);
      expect((await raw(WEBSOCKET, { ...headers, ...UPGRADE })).status, String(origin)).toBe(101);
    }
  });

  it("refuses any other origin for polling and for the WebSocket upgrade", async () => {
    for (const origin of [
      "https://evil.example",
      `http://localhost:${server.port + 1}`,
      `https://localhost:${server.port}`,
      "null",
      "http://chart.clinic.example",
    ]) {
      const polling = await raw(POLLING, { origin });
      expect([polling.status, polling.body], origin).toEqual([
        403,
        expect.stringContaining("origin not allowed"),
      ]);
      const upgrade = await raw(WEBSOCKET, { origin, ...UPGRADE });
      expect([upgrade.status, upgrade.body], origin).toEqual([400, "origin not allowed"]);
    }
  });

  it("lets a page on an allowed extra origin join the room, and keeps a foreign page out", async () => {
    const joinWith = (origin: string) =>
      new Promise<"welcome" | "refused">((resolve) => {
        const socket = io(server.origin, {
          auth: passAuth(server, "julian", "observer"),
          transports: ["websocket"],
          extraHeaders: { origin },
          forceNew: true,
          reconnection: false,
        });
        socket.on(Ev.welcome, () => {
          socket.close();
          resolve("welcome");
        });
        socket.on("connect_error", () => {
          socket.close();
          resolve("refused");
        });
      });
    expect(await joinWith(EXTRA_ORIGIN)).toBe("welcome");
    expect(await joinWith("https://evil.example")).toBe("refused");
  });
});
