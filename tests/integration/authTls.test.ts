import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../server/auth/passwords.ts";
import { startTestServer, type TestServer } from "../harness.ts";
import { overTls } from "../tlsCertificate.ts";

let server: TestServer;

beforeAll(async () => {
  server = await overTls((tls) => startTestServer(tls));
});
afterAll(() => server?.stopAsync());

function post(path: string, body: unknown): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.origin}${path}`,
      { method: "POST", rejectUnauthorized: false, headers: { "content-type": "application/json" } },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, setCookie: res.headers["set-cookie"] ?? [] }),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("session cookie under HTTPS", () => {
  it("is __Host-chairside_session; Secure; HttpOnly; SameSite=Strict; Path=/", async () => {
    const staff = await server.staffAuth.accounts.create({
      displayName: "Pia",
      email: "pia@clinic.example",
      role: "admin",
    });
    await server.staffAuth.accounts.setPasswordHash(staff, await hashPassword("a long enough password"));
    const r = await post("/api/auth/password", {
      email: "pia@clinic.example",
      password: "a long enough password",
    });
    expect(r.status).toBe(200);
    const cookie = r.setCookie[0]!;
    expect(cookie).toMatch(/^__Host-chairside_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/);
    const token = cookie.split(";")[0]!;
    expect(await server.staffAuth.identifyStaff(token)).toMatchObject({ staffId: staff.staffId });
    // The plain name is not accepted under HTTPS (a cookie an attacker could plant over HTTP).
    expect(await server.staffAuth.identifyStaff(token.replace("__Host-", ""))).toBeNull();
  });
});
