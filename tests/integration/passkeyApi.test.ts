/**
 * The passkey routes over real HTTP: who may ask for what, and that forged or replayed answers are
 * refused. (A real authenticator's answers are checked end to end in tests/e2e/signin.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../server/auth/passwords.ts";
import { RecordKind } from "../../server/storage/storage.ts";
import { ApiBrowser } from "../authHttp.ts";
import { startTestServer, type TestServer } from "../harness.ts";

let server: TestServer;
let signedIn: ApiBrowser;
const PASSWORD = "a long enough password";

const forged = {
  id: "AAAA",
  rawId: "AAAA",
  type: "public-key",
  response: { clientDataJSON: "e30", authenticatorData: "AAAA", signature: "AAAA" },
  clientExtensionResults: {},
};

beforeAll(async () => {
  server = await startTestServer();
  const staff = await server.staffAuth.accounts.create({
    displayName: "Dr. Rhea",
    email: "rhea@clinic.example",
    role: "clinician",
  });
  await server.staffAuth.accounts.setPasswordHash(staff, await hashPassword(PASSWORD));
  signedIn = new ApiBrowser(server.origin);
  expect(
    (await signedIn.call("POST", "/api/auth/password", { email: "rhea@clinic.example", password: PASSWORD }))
      .status,
  ).toBe(200);
});
afterAll(async () => {
  await server.stopAsync();
});

describe("passkey registration", () => {
  it("needs a signed-in person and the CSRF token", async () => {
    const anonymous = new ApiBrowser(server.origin);
    expect((await anonymous.call("POST", "/api/account/passkeys/options", {})).status).toBe(401);
    expect((await anonymous.call("POST", "/api/account/passkeys", { response: forged })).status).toBe(401);
    const noCsrf = await signedIn.call("POST", "/api/account/passkeys/options", {}, { "x-csrf-token": "" });
    expect(noCsrf.status).toBe(403);
  });

  it("asks for a discoverable, user-verified credential for this host name", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: WebAuthn options JSON, checked field by field
    const r = await signedIn.call<any>("POST", "/api/account/passkeys/options", {});
    expect(r.status).toBe(200);
    expect(r.body.rp).toEqual({ name: "Chairside", id: "localhost" });
    expect(r.body.user.name).toBe("rhea@clinic.example");
    expect(r.body.authenticatorSelection).toMatchObject({
      residentKey: "required",
      userVerification: "required",
    });
    expect(r.body.attestation).toBe("none");
    expect(r.body.challenge).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it("refuses a malformed answer with 400 by field, and a forged one", async () => {
    const bad = await signedIn.call("POST", "/api/account/passkeys", { response: { id: 3 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.problems?.some((p) => p.path.startsWith("response"))).toBe(true);
    await signedIn.call("POST", "/api/account/passkeys/options", {});
    const fake = await signedIn.call("POST", "/api/account/passkeys", { response: forged });
    expect(fake.status).toBe(400);
    expect(fake.body.error?.message).toMatch(/could not be checked/);
    expect(
      await server.staffAuth.passkeys.forStaff(
        (await server.staffAuth.accounts.byEmail("rhea@clinic.example"))!.staffId,
      ),
    ).toEqual([]);
  });
});

describe("passkey sign-in", () => {
  it("offers a challenge for any passkey of this host (no account named)", async () => {
    const b = new ApiBrowser(server.origin);
    // biome-ignore lint/suspicious/noExplicitAny: WebAuthn options JSON, checked field by field
    const r = await b.call<any>("POST", "/api/auth/passkey/options", {});
    expect(r.status).toBe(200);
    expect(r.body.challengeId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(r.body.options.rpId).toBe("localhost");
    expect(r.body.options.userVerification).toBe("required");
    expect(r.body.options.allowCredentials ?? []).toEqual([]);
  });

  it("refuses an unknown key, an unknown challenge and a replayed one, without a cookie", async () => {
    const b = new ApiBrowser(server.origin);
    // biome-ignore lint/suspicious/noExplicitAny: see above
    const { body } = await b.call<any>("POST", "/api/auth/passkey/options", {});
    const first = await b.call("POST", "/api/auth/passkey/verify", {
      challengeId: body.challengeId,
      response: forged,
    });
    expect(first.status).toBe(401);
    expect(first.setCookies).toEqual([]);
    const replay = await b.call("POST", "/api/auth/passkey/verify", {
      challengeId: body.challengeId,
      response: forged,
    });
    expect(replay.status).toBe(401);
    const unknown = await b.call("POST", "/api/auth/passkey/verify", {
      challengeId: "A".repeat(22),
      response: forged,
    });
    expect(unknown.status).toBe(401);
    const malformed = await b.call("POST", "/api/auth/passkey/verify", {
      challengeId: "x",
      response: forged,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.problems?.[0]?.path).toBe("challengeId");
  });
});

describe("audit", () => {
  it("records sign-ins in the append-only audit log", async () => {
    const log = await server.storage.auditLog(50);
    expect(log.some((e) => e.action === "auth.signin" && e.why === "password")).toBe(true);
  });
});

describe("removing a passkey", () => {
  it("only one's own, only with the CSRF token", async () => {
    const rhea = (await server.staffAuth.accounts.byEmail("rhea@clinic.example"))!;
    const other = await server.staffAuth.accounts.create({
      displayName: "Sam",
      email: "sam@clinic.example",
      role: "assistant",
    });
    const stored = (id: string, staffId: string) => ({
      kind: RecordKind.passkey,
      id,
      clinicId: "main",
      updatedAt: Date.now(),
      body: JSON.stringify({
        credentialId: id,
        staffId,
        publicKey: "AAAA",
        counter: 0,
        transports: ["internal"],
        label: "Laptop",
        createdAt: Date.now(),
        lastUsedAt: null,
      }),
    });
    await server.storage.putRecords([stored("rhea-key", rhea.staffId), stored("sam-key", other.staffId)]);
    // biome-ignore lint/suspicious/noExplicitAny: JSON answer
    const list = await signedIn.call<any>("GET", "/api/account/passkeys");
    expect(list.body.passkeys.map((p: { credentialId: string }) => p.credentialId)).toEqual(["rhea-key"]);
    expect(JSON.stringify(list.body)).not.toContain("publicKey");

    expect(
      (await signedIn.call("DELETE", "/api/account/passkeys/rhea-key", undefined, { "x-csrf-token": "no" }))
        .status,
    ).toBe(403);
    expect((await signedIn.call("DELETE", "/api/account/passkeys/sam-key")).status).toBe(404);
    expect((await signedIn.call("DELETE", "/api/account/passkeys/bad%20id")).status).toBe(400);
    expect((await signedIn.call("DELETE", "/api/account/passkeys/rhea-key")).status).toBe(200);
    expect(await server.staffAuth.passkeys.forStaff(rhea.staffId)).toEqual([]);
    expect(await server.staffAuth.passkeys.forStaff(other.staffId)).toHaveLength(1);
  });
});
