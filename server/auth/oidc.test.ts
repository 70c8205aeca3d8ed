/** The pure parts of single sign-on: settings from the environment, the sealed pending sign-in, account matching. */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { StaffRecord } from "../../shared/records.ts";
import { ConfigError } from "../config.ts";
import { matchAccount } from "./oidcAccount.ts";
import { oidcConfigFromEnv } from "./oidcConfig.ts";
import { escapeHtml } from "./oidcPages.ts";
import {
  PENDING_TTL_MS,
  type PendingSignIn,
  pendingSignInSchema,
  Seal,
  ssoOutcomeSchema,
} from "./oidcPending.ts";

describe("oidcConfigFromEnv", () => {
  it("is off without an issuer", () => {
    expect(oidcConfigFromEnv({})).toBeNull();
    expect(oidcConfigFromEnv({ CHAIRSIDE_OIDC_ISSUER: " " })).toBeNull();
  });

  it("reads a complete configuration", () => {
    const config = oidcConfigFromEnv({
      CHAIRSIDE_OIDC_ISSUER: "https://login.clinic.example/realms/staff",
      CHAIRSIDE_OIDC_CLIENT_ID: "chairside",
      CHAIRSIDE_OIDC_CLIENT_SECRET: "s3cret",
      CHAIRSIDE_OIDC_NAME: "Clinic Login",
    });
    expect(config).toEqual({
      issuer: new URL("https://login.clinic.example/realms/staff"),
      clientId: "chairside",
      clientSecret: "s3cret",
      name: "Clinic Login",
      allowInsecure: false,
    });
  });

  it("allows a public client and names the button by default", () => {
    const config = oidcConfigFromEnv({
      CHAIRSIDE_OIDC_ISSUER: "https://login.clinic.example",
      CHAIRSIDE_OIDC_CLIENT_ID: "chairside",
    });
    expect(config?.clientSecret).toBeNull();
    expect(config?.name).toBe("single sign-on");
  });

  it("allows plain http only on loopback", () => {
    for (const host of ["127.0.0.1:9000", "localhost:9000", "[::1]:9000"]) {
      const config = oidcConfigFromEnv({
        CHAIRSIDE_OIDC_ISSUER: `http://${host}`,
        CHAIRSIDE_OIDC_CLIENT_ID: "c",
      });
      expect(config?.allowInsecure).toBe(true);
    }
    expect(() =>
      oidcConfigFromEnv({
        CHAIRSIDE_OIDC_ISSUER: "http://login.clinic.example",
        CHAIRSIDE_OIDC_CLIENT_ID: "c",
      }),
    ).toThrow(/must use https/);
  });

  it.each([
    [{ CHAIRSIDE_OIDC_ISSUER: "https://login.clinic.example" }, /CLIENT_ID is not/],
    [{ CHAIRSIDE_OIDC_CLIENT_ID: "chairside" }, /ISSUER is not/],
    [{ CHAIRSIDE_OIDC_ISSUER: "login.clinic.example", CHAIRSIDE_OIDC_CLIENT_ID: "c" }, /issuer URL/],
    [{ CHAIRSIDE_OIDC_ISSUER: "ftp://login.clinic.example", CHAIRSIDE_OIDC_CLIENT_ID: "c" }, /issuer URL/],
    [
      { CHAIRSIDE_OIDC_ISSUER: "https://login.clinic.example?x=1", CHAIRSIDE_OIDC_CLIENT_ID: "c" },
      /issuer URL/,
    ],
    [
      {
        CHAIRSIDE_OIDC_ISSUER: "https://login.clinic.example",
        CHAIRSIDE_OIDC_CLIENT_ID: "c",
        CHAIRSIDE_OIDC_NAME: "x".repeat(61),
      },
      /at most 60/,
    ],
  ])("refuses a half-done configuration %#", (env, message) => {
    expect(() => oidcConfigFromEnv(env)).toThrow(ConfigError);
    expect(() => oidcConfigFromEnv(env)).toThrow(message);
  });
});

describe("Seal", () => {
  const secret = randomBytes(32);
  const pending: PendingSignIn = {
    state: "s".repeat(43),
    nonce: "n".repeat(43),
    codeVerifier: "v".repeat(43),
    redirectUri: "https://chairside.clinic.example/auth/oidc/callback",
    expiresAt: 1_000 + PENDING_TTL_MS,
  };

  const pendingSeal = (key = secret) => new Seal(key, "pending sign-in", pendingSignInSchema);

  it("opens what it sealed, and hides it", () => {
    const seal = pendingSeal();
    const value = seal.seal(pending);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(value).not.toContain("sss");
    expect(Buffer.from(value, "base64url").toString("latin1")).not.toContain(pending.redirectUri);
    expect(seal.open(value, 1_000)).toEqual(pending);
  });

  it("refuses it once expired", () => {
    const seal = pendingSeal();
    expect(seal.open(seal.seal(pending), pending.expiresAt)).toBeNull();
  });

  it("refuses a value sealed under another secret, tampered with, or not a seal at all", () => {
    const value = pendingSeal().seal(pending);
    expect(pendingSeal(randomBytes(32)).open(value, 1_000)).toBeNull();
    const raw = Buffer.from(value, "base64url");
    raw[raw.length - 1]! ^= 1;
    expect(pendingSeal().open(raw.toString("base64url"), 1_000)).toBeNull();
    for (const junk of [undefined, "", "abc", "A".repeat(5000), "%%%"]) {
      expect(pendingSeal().open(junk, 1_000)).toBeNull();
    }
  });

  it("never opens a value sealed for another purpose", () => {
    const refusal = new Seal(secret, "refusal", ssoOutcomeSchema).seal({
      reason: "no_account",
      expiresAt: 2_000,
    });
    expect(new Seal(secret, "pending sign-in", ssoOutcomeSchema).open(refusal, 1_000)).toBeNull();
    expect(new Seal(secret, "refusal", ssoOutcomeSchema).open(refusal, 1_000)?.reason).toBe("no_account");
  });
});

describe("matchAccount", () => {
  const account = (staffId: string, email: string, clinicId = "main", disabledAt: number | null = null) =>
    ({ staffId, email, clinicId, disabledAt }) as StaffRecord;

  it.each([
    ["finds the one enabled account, whatever the case", [account("a", "dana@c.example")], "found"],
    ["finds nobody for an unknown address", [account("a", "other@c.example")], "none"],
    ["ignores another clinic's account", [account("a", "dana@c.example", "demo")], "none"],
    ["says disabled", [account("a", "dana@c.example", "main", 5)], "disabled"],
    [
      "prefers the enabled account over a disabled one",
      [account("a", "dana@c.example", "main", 5), account("b", "dana@c.example")],
      "found",
    ],
    [
      "refuses two enabled accounts",
      [account("a", "dana@c.example"), account("b", "Dana@c.example")],
      "ambiguous",
    ],
  ])("%s", (_what, accounts, kind) => {
    expect(matchAccount(accounts, " DANA@c.example ", "main").kind).toBe(kind);
  });
});

describe("escapeHtml", () => {
  it("keeps a provider's text from becoming markup", () => {
    expect(escapeHtml(`<img src=x onerror="alert('x')">&`)).toBe(
      "&#60;img src=x onerror=&#34;alert(&#39;x&#39;)&#34;&#62;&#38;",
    );
  });
});
