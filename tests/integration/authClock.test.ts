/** Sign-in over real HTTP against a server whose clock the test moves: setup links and sessions expire. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../server/auth/passwords.ts";
import type { SessionInfo } from "../../shared/authSchemas.ts";
import { ApiBrowser } from "../authHttp.ts";
import { startTestServer, type TestServer } from "../harness.ts";

let server: TestServer;
let clock = Date.now();
const MIN = 60_000;

beforeAll(async () => {
  server = await startTestServer({}, { now: () => clock });
});
afterAll(async () => {
  await server.stopAsync();
});

describe("expiry", () => {
  it("a setup link stops working after 30 minutes", async () => {
    const token = server.staffAuth.firstAdminLink!.url.split("#")[1]!;
    clock += 30 * MIN;
    const b = new ApiBrowser(server.origin);
    const r = await b.call("POST", "/api/auth/setup", {
      token,
      displayName: "Late Admin",
      email: "late@clinic.example",
      password: "a long enough password",
    });
    expect(r.status).toBe(410);
    expect(r.body.error?.message).toMatch(/expired/);
    // A new start (or this call) prints a fresh one while there is still no admin.
    expect(await server.staffAuth.announceFirstAdminAsync()).not.toBeNull();
  });

  it("a session ends after 30 idle minutes, and after 12 hours however busy", async () => {
    const staff = await server.staffAuth.accounts.create({
      displayName: "Ola",
      email: "ola@clinic.example",
      role: "clinician",
    });
    await server.staffAuth.accounts.setPasswordHash(staff, await hashPassword("a long enough password"));
    const signIn = async () => {
      const b = new ApiBrowser(server.origin);
      const r = await b.call("POST", "/api/auth/password", {
        email: "ola@clinic.example",
        password: "a long enough password",
      });
      expect(r.status).toBe(200);
      return b;
    };
    const idle = await signIn();
    clock += 29 * MIN;
    expect((await idle.call<SessionInfo>("GET", "/api/session")).body.staff?.email).toBe(
      "ola@clinic.example",
    );
    clock += 30 * MIN;
    expect((await idle.call<SessionInfo>("GET", "/api/session")).body.staff).toBeNull();

    const busy = await signIn();
    // A request every 29 minutes: alive through 24 of them (11 h 36 min), over at the 25th (12 h 5 min).
    for (let i = 0; i < 24; i++) {
      clock += 29 * MIN;
      expect((await busy.call<SessionInfo>("GET", "/api/session")).body.staff).not.toBeNull();
    }
    clock += 29 * MIN;
    expect((await busy.call<SessionInfo>("GET", "/api/session")).body.staff).toBeNull();
  });
});

describe("a first admin who never finished", () => {
  it("does not lock the clinic out: until some admin has a password or passkey, a start prints a new link", async () => {
    const link = (await server.staffAuth.announceFirstAdminAsync())!;
    const b = new ApiBrowser(server.origin);
    // Setup chose "passkey only" and the passkey step never happened.
    const r = await b.call<SessionInfo>("POST", "/api/auth/setup", {
      token: link.url.split("#")[1],
      displayName: "Quinn Admin",
      email: "quinn@clinic.example",
      password: null,
    });
    expect(r.status).toBe(200);
    expect(r.body.staff).toMatchObject({ role: "admin", hasPassword: false, passkeys: 0 });
    expect(await server.staffAuth.hasUsableAdminAsync()).toBe(false);
    expect(await server.staffAuth.announceFirstAdminAsync()).not.toBeNull();

    const set = await b.call("POST", "/api/account/password", {
      currentPassword: null,
      newPassword: "now a real passphrase",
    });
    expect(set.status).toBe(200);
    expect(await server.staffAuth.announceFirstAdminAsync()).toBeNull();
  });
});
