/** Staff sign-in over real HTTP: setup link, password sign-in and out, cookies, limits, disabled accounts. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../server/auth/passwords.ts";
import type { EnrolmentInfo, SessionInfo } from "../../shared/authSchemas.ts";
import type { StaffRecord } from "../../shared/records.ts";
import { ApiBrowser } from "../authHttp.ts";
import { startTestServer, type TestServer } from "../harness.ts";

let server: TestServer;
const PASSWORD = "correct horse battery staple";

async function account(email: string, role: StaffRecord["role"] = "clinician"): Promise<StaffRecord> {
  const staff = await server.staffAuth.accounts.create({ displayName: email.split("@")[0]!, email, role });
  return server.staffAuth.accounts.setPasswordHash(staff, await hashPassword(PASSWORD));
}

async function signedIn(email: string): Promise<ApiBrowser> {
  const b = new ApiBrowser(server.origin);
  const r = await b.call("POST", "/api/auth/password", { email, password: PASSWORD });
  expect(r.status).toBe(200);
  return b;
}

beforeAll(async () => {
  server = await startTestServer(
    {},
    { signinLimits: { windowMs: 15 * 60_000, perAccount: 5, perAddress: 20 } },
  );
});
afterAll(async () => {
  await server.stopAsync();
});

describe("the one self-view", () => {
  it("GET /api/session says who is signed in (account without its hash, CSRF token); there is no second endpoint", async () => {
    await account("selma@clinic.example");
    const b = await signedIn("selma@clinic.example");
    const me = await b.call<SessionInfo>("GET", "/api/session");
    expect(me.body.staff).toMatchObject({ email: "selma@clinic.example", hasPassword: true, passkeys: 0 });
    expect(me.body.staff).not.toHaveProperty("passwordHash");
    expect(me.body.csrfToken).toEqual(expect.any(String));
    expect((await b.call("GET", "/api/staff/me")).status).toBe(404);
  });

  it("an enrolment link made before a restart still works after it (same data folder)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chairside-enrol-restart-"));
    try {
      const before = await startTestServer({ dataDir });
      const staff = await before.staffAuth.accounts.create({
        displayName: "Rhea",
        email: "rhea@clinic.example",
        role: "assistant",
      });
      const link = await before.staffAuth.enrolments.create(staff.staffId, before.origin);
      await before.stopAsync();
      const after = await startTestServer({ dataDir });
      try {
        const token = link.url.split("#")[1];
        const b = new ApiBrowser(after.origin);
        const lookup = await b.call<EnrolmentInfo>("POST", "/api/auth/setup/lookup", { token });
        expect(lookup.status).toBe(200);
        expect(lookup.body.email).toBe("rhea@clinic.example");
        const done = await b.call("POST", "/api/auth/setup", { token, password: PASSWORD });
        expect(done.status).toBe(200);
        // Used once: gone after the next restart too.
        expect((await b.call("POST", "/api/auth/setup/lookup", { token })).status).toBe(410);
      } finally {
        await after.stopAsync();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("first start", () => {
  it("prints a single-use setup link that creates the first admin and signs them in", async () => {
    const link = server.staffAuth.firstAdminLink;
    expect(link).not.toBeNull();
    expect(link!.url).toMatch(/\/setup\.html#[A-Za-z0-9_-]{43}$/);
    const token = link!.url.split("#")[1]!;
    const b = new ApiBrowser(server.origin);

    const info = await b.call<EnrolmentInfo>("POST", "/api/auth/setup/lookup", { token });
    expect(info.status).toBe(200);
    expect(info.body.firstAdmin).toBe(true);

    const missing = await b.call("POST", "/api/auth/setup", { token, password: PASSWORD });
    expect(missing.status).toBe(400);
    expect(missing.body.error?.problems?.map((p) => p.path).sort()).toEqual(["displayName", "email"]);

    const short = await b.call("POST", "/api/auth/setup", {
      token,
      displayName: "Ana Admin",
      email: "ana@clinic.example",
      password: "short",
    });
    expect(short.status).toBe(400);
    expect(short.body.error?.problems?.[0]?.path).toBe("password");

    const done = await b.call<SessionInfo>("POST", "/api/auth/setup", {
      token,
      displayName: "Ana Admin",
      email: "Ana@Clinic.example",
      password: PASSWORD,
    });
    expect(done.status).toBe(200);
    expect(done.body.staff).toMatchObject({ role: "admin", email: "ana@clinic.example", hasPassword: true });
    expect(JSON.stringify(done.body)).not.toContain("argon2");

    const session = await b.call<SessionInfo>("GET", "/api/session");
    expect(session.body.staff?.displayName).toBe("Ana Admin");
    expect(session.body.csrfToken).toBe(done.body.csrfToken);

    const again = await new ApiBrowser(server.origin).call("POST", "/api/auth/setup", {
      token,
      displayName: "Mallory",
      email: "mallory@evil.example",
      password: PASSWORD,
    });
    expect(again.status).toBe(410);
    expect(again.body.error?.code).toBe("expired");
    expect(await server.staffAuth.announceFirstAdminAsync()).toBeNull();
  });

  it("an enrolment link an admin makes lets that person set a password and sign in, once", async () => {
    const staff = await server.staffAuth.accounts.create({
      displayName: "Ben Assistant",
      email: "ben@clinic.example",
      role: "assistant",
    });
    const { url, expiresAt } = await server.staffAuth.enrolments.create(staff.staffId, server.origin);
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect(url.startsWith(`${server.origin}/setup.html#`)).toBe(true);
    const token = url.split("#")[1]!;
    const b = new ApiBrowser(server.origin);
    const info = await b.call<EnrolmentInfo>("POST", "/api/auth/setup/lookup", { token });
    expect(info.body).toMatchObject({ firstAdmin: false, displayName: "Ben Assistant" });
    const done = await b.call<SessionInfo>("POST", "/api/auth/setup", { token, password: PASSWORD });
    expect(done.body.staff?.staffId).toBe(staff.staffId);
    expect((await b.call("POST", "/api/auth/setup", { token, password: PASSWORD })).status).toBe(410);
    expect((await signedIn("ben@clinic.example")).cookie).not.toBe("");
  });
});

describe("password sign-in", () => {
  it("sets an HttpOnly, SameSite=Strict session cookie (not Secure over plain HTTP)", async () => {
    await account("cara@clinic.example");
    const b = new ApiBrowser(server.origin);
    const r = await b.call<SessionInfo>("POST", "/api/auth/password", {
      email: "cara@clinic.example",
      password: PASSWORD,
    });
    expect(r.status).toBe(200);
    expect(r.body.staff?.email).toBe("cara@clinic.example");
    const cookie = r.setCookies[0]!;
    expect(cookie).toMatch(/^chairside_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    expect(r.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses a wrong password with the problem by the field, and the same for an unknown e-mail", async () => {
    await account("dan@clinic.example");
    const b = new ApiBrowser(server.origin);
    const wrong = await b.call("POST", "/api/auth/password", {
      email: "dan@clinic.example",
      password: "nope",
    });
    const unknown = await b.call("POST", "/api/auth/password", {
      email: "who@clinic.example",
      password: "nope",
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error?.message).toBe(unknown.body.error?.message);
    expect(wrong.body.error?.problems?.[0]?.path).toBe("password");
    expect(wrong.setCookies).toEqual([]);
  });

  it("answers bad input with 400 and every problem by field, and a form post with 415", async () => {
    const b = new ApiBrowser(server.origin);
    const r = await b.call("POST", "/api/auth/password", { email: "not-an-address", password: "", extra: 1 });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe("invalid");
    const paths = r.body.error?.problems?.map((p) => p.path);
    expect(paths).toContain("email");
    expect(paths).toContain("password");
    const form = await b.call("POST", "/api/auth/password", "email=a&password=b", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.status).toBe(415);
    const broken = await b.call("POST", "/api/auth/password", "{not json");
    expect(broken.status).toBe(400);
    expect(broken.body.error?.code).toBe("invalid");
  });

  it("signs out only with the CSRF token, and the cookie no longer works", async () => {
    await account("eve@clinic.example");
    const b = await signedIn("eve@clinic.example");
    const revoked: string[] = [];
    server.staffAuth.onRevoked((ids) => revoked.push(...ids));
    const forged = await b.call("POST", "/api/auth/signout", {}, { "x-csrf-token": "forged" });
    expect(forged.status).toBe(403);
    expect(forged.body.error?.code).toBe("csrf");
    const session = b.cookie;
    const out = await b.call("POST", "/api/auth/signout", {});
    expect(out.status).toBe(200);
    expect(out.setCookies[0]).toMatch(/^chairside_session=;.*Expires=Thu, 01 Jan 1970/);
    expect(revoked).toHaveLength(1);
    const stale = new ApiBrowser(server.origin);
    stale.cookie = session;
    expect((await stale.call<SessionInfo>("GET", "/api/session")).body.staff).toBeNull();
    const refused = await stale.call("POST", "/api/account/password", {
      currentPassword: PASSWORD,
      newPassword: "x".repeat(12),
    });
    expect(refused.status).toBe(401);
  });

  it("signing in again ends the session this browser held before", async () => {
    await account("jon@clinic.example");
    const b = await signedIn("jon@clinic.example");
    const before = b.cookie;
    expect(
      (await b.call("POST", "/api/auth/password", { email: "jon@clinic.example", password: PASSWORD }))
        .status,
    ).toBe(200);
    expect(b.cookie).not.toBe(before);
    expect(await server.staffAuth.identifyStaff(before)).toBeNull();
    expect(await server.staffAuth.identifyStaff(b.cookie)).not.toBeNull();
  });

  it("changes one's own password only with the current one", async () => {
    await account("fay@clinic.example");
    const b = await signedIn("fay@clinic.example");
    const wrong = await b.call("POST", "/api/account/password", {
      currentPassword: "not it",
      newPassword: "a new long passphrase",
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error?.problems?.[0]?.path).toBe("currentPassword");
    const ok = await b.call("POST", "/api/account/password", {
      currentPassword: PASSWORD,
      newPassword: "a new long passphrase",
    });
    expect(ok.status).toBe(200);
    const again = new ApiBrowser(server.origin);
    const r = await again.call("POST", "/api/auth/password", {
      email: "fay@clinic.example",
      password: "a new long passphrase",
    });
    expect(r.status).toBe(200);
  });
});

describe("the staff credential checker", () => {
  it("answers null, never throws, for absent, garbage or forged cookies", async () => {
    const headers = [
      undefined,
      "",
      "chairside_session=%E0%A4%A",
      "=;;;=",
      "chairside_session",
      `chairside_session=${"x".repeat(5000)}`,
      `chairside_session=${"A".repeat(43)}`,
      "__Host-chairside_session=abc; chairside_session=def",
    ];
    for (const h of headers) expect(await server.staffAuth.identifyStaff(h)).toBeNull();
  });
});

describe("disabled accounts", () => {
  it("end their sessions at once, tell the authenticator, and cannot sign in again", async () => {
    const staff = await account("ivy@clinic.example");
    const b = await signedIn("ivy@clinic.example");
    expect(await server.staffAuth.identifyStaff(b.cookie)).toMatchObject({
      kind: "staff",
      staffId: staff.staffId,
    });
    const revoked: string[] = [];
    server.staffAuth.onRevoked((ids) => revoked.push(...ids));
    const ended = await server.staffAuth.disableStaff(staff.staffId);
    expect(ended).toHaveLength(1);
    expect(revoked).toEqual(ended);
    expect(await server.staffAuth.identifyStaff(b.cookie)).toBeNull();
    expect((await b.call<SessionInfo>("GET", "/api/session")).body.staff).toBeNull();
    const r = await new ApiBrowser(server.origin).call("POST", "/api/auth/password", {
      email: "ivy@clinic.example",
      password: PASSWORD,
    });
    expect(r.status).toBe(403);
    expect(r.body.error?.message).toMatch(/disabled/);
  });
});

// Last: these lock this test's address for the rest of the file.
describe("limits", () => {
  it("locks an account after 5 failures, with a clear message and when to retry, even for the right password", async () => {
    await account("gus@clinic.example");
    const b = new ApiBrowser(server.origin);
    for (let i = 0; i < 5; i++) {
      const r = await b.call("POST", "/api/auth/password", {
        email: "gus@clinic.example",
        password: `guess ${i}`,
      });
      expect(r.status).toBe(401);
    }
    const r = await b.call("POST", "/api/auth/password", { email: "gus@clinic.example", password: PASSWORD });
    expect(r.status).toBe(429);
    expect(r.body.error?.code).toBe("rate_limited");
    expect(r.body.error?.message).toMatch(/Too many sign-in attempts\. Try again in 15 minutes\./);
    expect(r.body.error?.retryAfterMs).toBeGreaterThan(14 * 60_000);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(14 * 60);
    expect(r.setCookies).toEqual([]);
  });

  it("locks an address after 20 failures across accounts", async () => {
    await account("hal@clinic.example");
    // The 5 failures above came from this address too.
    const b = new ApiBrowser(server.origin);
    let status = 0;
    for (let i = 0; i < 20 && status !== 429; i++) {
      status = (
        await b.call("POST", "/api/auth/password", { email: `spray${i}@clinic.example`, password: "x" })
      ).status;
    }
    expect(status).toBe(429);
    const r = await b.call("POST", "/api/auth/password", { email: "hal@clinic.example", password: PASSWORD });
    expect(r.status).toBe(429);
  });
});

describe("outer rate limit", () => {
  it("caps requests per address on the sign-in routes with a JSON 429", async () => {
    const b = new ApiBrowser(server.origin);
    let last = await b.call("POST", "/api/auth/passkey/options", {});
    for (let i = 0; i < 70 && last.status !== 429; i++)
      last = await b.call("POST", "/api/auth/passkey/options", {});
    expect(last.status).toBe(429);
    expect(last.body.error?.code).toBe("rate_limited");
    expect(last.body.error?.retryAfterMs).toBeGreaterThan(0);
  });
});
