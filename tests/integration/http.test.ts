/** The HTTP side: start-page invites, join redirects, static files and hostile paths. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness.ts";

let server: TestServer;
const clientDir = mkdtempSync(join(tmpdir(), "chairside-client-"));
beforeAll(async () => {
  writeFileSync(join(clientDir, "index.html"), "<!doctype html><title>start</title>");
  server = await startTestServer({ clientDir });
});
afterAll(async () => {
  await server.stopAsync();
  rmSync(clientDir, { recursive: true, force: true });
});

describe("HTTP", () => {
  it("hands out join links on the origin the browser used, port included", async () => {
    const invites = (await (await fetch(`${server.origin}/api/invites`)).json()) as {
      links: Record<string, string>;
    }[];
    expect(invites[0]!.links.clinician).toBe(`http://localhost:${server.port}/join/julian/clinician`);
  });

  it("redirects a join link to the room with a fresh signed token, keeping extra query options", async () => {
    const r = await fetch(`${server.origin}/join/julian/patient?xr=emulate`, { redirect: "manual" });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toMatch(/^\/room\.html\?token=[\w.%-]+&xr=emulate$/);
    expect((await fetch(`${server.origin}/join/nobody/patient`, { redirect: "manual" })).status).toBe(404);
    expect((await fetch(`${server.origin}/join/julian/dentist`, { redirect: "manual" })).status).toBe(404);
  });

  it("answers bad paths and methods with an error, and keeps serving", async () => {
    expect((await fetch(`${server.origin}/healthz`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${server.origin}/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${server.origin}/%2e%2e%2fsigning-secret.key`)).status).toBe(403);
    expect((await fetch(`${server.origin}/no-such-file.js`)).status).toBe(404);
    expect(await (await fetch(`${server.origin}/`)).text()).toContain("<title>start</title>");
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });
});
