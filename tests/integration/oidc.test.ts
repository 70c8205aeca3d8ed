/**
 * Single sign-on against a real OpenID Provider (`oidc-provider` v9 on loopback), driven over HTTP
 * the way a browser would: Chairside's start route, the provider's login and consent forms, the
 * redirect back, and the staff session cookie at the end. Nothing of ours is mocked; the provider
 * signs real ID tokens and Chairside checks them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordKind } from "../../server/storage/storage.ts";
import { type StaffRecord, staffRecordSchema } from "../../shared/records.ts";
import { startTestServer, type TestServer } from "../harness.ts";
import {
  type LoopbackProvider,
  listenLoopbackProvider,
  type ProviderUsers,
  unreachableProviderConfig,
} from "../oidcProvider.ts";

/** The provider's users: login name → the claims it vouches for. */
const PROVIDER_USERS: ProviderUsers = {
  dana: { email: "Dana@Clinic.example", email_verified: true },
  stranger: { email: "stranger@clinic.example", email_verified: true },
  former: { email: "former@clinic.example", email_verified: true },
  "demo-only": { email: "demo-only@clinic.example", email_verified: true },
  unverified: { email: "unverified@clinic.example", email_verified: false },
};

let server: TestServer;
let chairside: string;
let provider: LoopbackProvider;

beforeAll(async () => {
  provider = await listenLoopbackProvider(PROVIDER_USERS);
  server = await startTestServer({}, { oidc: provider.config });
  chairside = `http://127.0.0.1:${server.port}`;
  await provider.serveAsync(`${chairside}/auth/oidc/callback`);

  await putStaff({ staffId: "dana", clinicId: "main", email: "dana@clinic.example", disabledAt: null });
  await putStaff({ staffId: "former", clinicId: "main", email: "former@clinic.example", disabledAt: 1 });
  await putStaff({
    staffId: "demo-only",
    clinicId: "demo",
    email: "demo-only@clinic.example",
    disabledAt: null,
  });
  await putStaff({
    staffId: "unverified",
    clinicId: "main",
    email: "unverified@clinic.example",
    disabledAt: null,
  });
});

afterAll(async () => {
  await server?.stopAsync();
  await provider?.closeAsync();
});

async function putStaff(who: Pick<StaffRecord, "staffId" | "clinicId" | "email" | "disabledAt">) {
  const at = Date.now();
  const staff = staffRecordSchema.parse({
    ...who,
    displayName: who.staffId,
    role: "clinician",
    passwordHash: null,
    createdAt: at,
    updatedAt: at,
  });
  await server.storage.putRecords([
    {
      kind: RecordKind.staff,
      id: staff.staffId,
      clinicId: staff.clinicId,
      body: JSON.stringify(staff),
      updatedAt: at,
    },
  ]);
}

/** One browser: a cookie jar per origin, redirects followed by hand so each hop can be checked. */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();
  /** Every Set-Cookie header Chairside sent, as sent. */
  readonly chairsideSetCookies: string[] = [];

  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const target = new URL(url);
    const jar = this.jars.get(target.origin) ?? new Map<string, string>();
    this.jars.set(target.origin, jar);
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    if (form) headers["content-type"] = "application/x-www-form-urlencoded";
    const res = await fetch(target, {
      method: form ? "POST" : "GET",
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: "manual",
    });
    for (const line of res.headers.getSetCookie()) {
      if (target.origin === chairside) this.chairsideSetCookies.push(line);
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = value === "" || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (gone) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  setCookie(origin: string, name: string, value: string): void {
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar.set(name, value));
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }

  /**
   * From Chairside's start route through the provider's login (as `login`) and consent forms, up to
   * the redirect back to Chairside's callback, which is returned unopened. With `cancel`, the person
   * presses cancel at the login form instead.
   */
  async throughProvider(login: string, cancel = false): Promise<string> {
    let res = await this.request(`${chairside}/auth/oidc/start`);
    expect(res.status).toBe(303);
    let url = new URL(res.headers.get("location")!, chairside).href;
    for (let hop = 0; hop < 20; hop++) {
      if (url.startsWith(`${chairside}/auth/oidc/callback`)) return url;
      res = await this.request(url);
      if (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get("location")!, url).href;
        continue;
      }
      expect(res.status, `${url}: ${res.status}`).toBe(200);
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([a-z]+)"/.exec(html)?.[1];
      expect(action && prompt, `a form at ${url}`).toBeTruthy();
      const submit = new URL(action!.replaceAll("&amp;", "&"), url).href;
      if (cancel) {
        url = `${submit}/abort`;
        continue;
      }
      res = await this.request(
        submit,
        prompt === "login" ? { prompt, login, password: "any" } : { prompt: prompt! },
      );
      expect(res.status).toBeGreaterThanOrEqual(300);
      url = new URL(res.headers.get("location")!, submit).href;
    }
    throw new Error("the provider never sent the browser back to Chairside");
  }
}

function refusalOf(res: Response): string | null {
  return res.headers.get("x-chairside-sso");
}

/**
 * Opens the provider's answer at Chairside's callback, which must send the browser on at once to a
 * URL without the answer (the refusal page), and returns that page.
 */
async function refusedAt(browser: Browser, callbackUrl: string): Promise<Response> {
  const callback = await browser.request(callbackUrl);
  expect(callback.status).toBe(303);
  expect(callback.headers.get("location")).toBe("/auth/oidc/refused");
  const page = await browser.request(`${chairside}/auth/oidc/refused`);
  expect(page.headers.get("content-type")).toMatch(/^text\/html/);
  expect(page.headers.get("cache-control")).toBe("no-store");
  return page;
}

describe("single sign-on with OpenID Connect", () => {
  it("signs in the staff member whose verified e-mail names their account, with PKCE, state and nonce", async () => {
    const browser = new Browser();
    const start = await browser.request(`${chairside}/auth/oidc/start`);
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get("location")!);
    expect(authorize.origin).toBe(provider.issuer);
    expect(authorize.searchParams.get("response_type")).toBe("code");
    expect(authorize.searchParams.get("scope")).toBe("openid email");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(authorize.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${chairside}/auth/oidc/callback`);
    const pending = browser.chairsideSetCookies.find((c) => c.startsWith("chairside_oidc="));
    expect(pending).toMatch(/HttpOnly/i);
    expect(pending).toMatch(/SameSite=Lax/i);
    // The verifier, state and nonce are sealed: none of them is readable in the cookie.
    const sealed = decodeURIComponent(pending!.split(";")[0]!.slice("chairside_oidc=".length));
    expect(sealed).not.toContain(authorize.searchParams.get("state")!);

    const callbackUrl = await browser.throughProvider("dana");
    const callback = await browser.request(callbackUrl);
    expect(refusalOf(callback)).toBeNull();
    expect(callback.status).toBe(303);
    expect(callback.headers.get("location")).toBe("/staff.html");
    const sessionCookie = browser.chairsideSetCookies.find((c) => c.startsWith("chairside_session="));
    expect(sessionCookie).toMatch(/HttpOnly/i);
    expect(sessionCookie).toMatch(/SameSite=Strict/i);
    expect(sessionCookie).toMatch(/Path=\//);
    // As long as the session can live (its absolute timeout, 12 h), like any other sign-in's cookie.
    expect(sessionCookie).toMatch(/Max-Age=43200/);
    expect(browser.cookie(chairside, "chairside_oidc")).toBeUndefined();

    const token = browser.cookie(chairside, "chairside_session");
    const live = await server.staffSessions.lookup(token);
    expect(live?.staff.staffId).toBe("dana");
    expect(live?.session.method).toBe("sso");

    // The same answer opened again (a back button, or someone replaying it) signs nobody in.
    const again = await refusedAt(browser, callbackUrl);
    expect(again.status).toBe(400);
    expect(refusalOf(again)).toBe("expired");
  });

  it.each([
    ["stranger", "no_account", 403, "There is no Chairside account for stranger@clinic.example"],
    ["former", "disabled", 403, "The Chairside account for former@clinic.example is disabled"],
    // Only the real clinic's accounts count: a demo-clinic account is no way in.
    ["demo-only", "no_account", 403, "There is no Chairside account for demo-only@clinic.example"],
    ["unverified", "email_unverified", 403, "has not verified unverified@clinic.example"],
  ])("refuses %s with a clear page (%s)", async (login, reason, status, sentence) => {
    const browser = new Browser();
    const callbackUrl = await browser.throughProvider(login);
    const page = await refusedAt(browser, callbackUrl);
    expect(page.status).toBe(status);
    expect(refusalOf(page)).toBe(reason);
    expect(await page.text()).toContain(sentence);
    expect(browser.cookie(chairside, "chairside_session")).toBeUndefined();
    // The sign-in is over: the same answer again finds no sign-in under way.
    expect(refusalOf(await refusedAt(browser, callbackUrl))).toBe("expired");
  });

  it("says so when the person cancels at the provider", async () => {
    const browser = new Browser();
    const callbackUrl = await browser.throughProvider("dana", true);
    expect(new URL(callbackUrl).searchParams.get("error")).toBe("access_denied");
    const page = await refusedAt(browser, callbackUrl);
    expect(page.status).toBe(400);
    expect(refusalOf(page)).toBe("refused");
    expect(await page.text()).toContain("Signing in with Clinic Login was cancelled or refused");
    expect(browser.cookie(chairside, "chairside_session")).toBeUndefined();
  });

  it("does not let an answer meant for one browser sign in another (login CSRF)", async () => {
    const attacker = new Browser();
    const attackersAnswer = await attacker.throughProvider("dana");
    // The victim has a sign-in of their own under way; the attacker's answer carries another state.
    const victim = new Browser();
    expect((await victim.request(`${chairside}/auth/oidc/start`)).status).toBe(303);
    const forged = await refusedAt(victim, attackersAnswer);
    expect(forged.status).toBe(400);
    expect(refusalOf(forged)).toBe("expired");
    expect(victim.cookie(chairside, "chairside_session")).toBeUndefined();
    // A browser with no sign-in under way at all gets the same answer.
    const stranger = new Browser();
    const bare = await refusedAt(stranger, attackersAnswer);
    expect(refusalOf(bare)).toBe("expired");
    expect(stranger.cookie(chairside, "chairside_session")).toBeUndefined();
  });

  it("refuses a forged pending-sign-in cookie", async () => {
    const browser = new Browser();
    browser.setCookie(chairside, "chairside_oidc", "A".repeat(80));
    const page = await refusedAt(browser, `${chairside}/auth/oidc/callback?code=x&state=y`);
    expect(page.status).toBe(400);
    expect(refusalOf(page)).toBe("expired");
    expect(browser.cookie(chairside, "chairside_session")).toBeUndefined();
  });
});

describe("single sign-on's edges", () => {
  it("answers the start route with a page that offers the other ways in", async () => {
    const down = await startTestServer({}, { oidc: await unreachableProviderConfig() });
    try {
      const res = await fetch(`http://127.0.0.1:${down.port}/auth/oidc/start`, { redirect: "manual" });
      expect(res.status).toBe(503);
      expect(refusalOf(res)).toBe("unreachable");
      expect(await res.text()).toContain("Sign in with your passkey or password");
    } finally {
      await down.stopAsync();
    }
  });

  it("limits requests per address, with a page that says so", async () => {
    const limited = await startTestServer({}, { oidc: await unreachableProviderConfig() });
    try {
      const url = `http://127.0.0.1:${limited.port}/auth/oidc/refused`;
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) statuses.push((await fetch(url, { redirect: "manual" })).status);
      expect(new Set(statuses)).toEqual(new Set([400]));
      const res = await fetch(url, { redirect: "manual" });
      expect(res.status).toBe(429);
      expect(refusalOf(res)).toBe("rate_limited");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await res.text()).toContain("Too many sign-in attempts");
    } finally {
      await limited.stopAsync();
    }
  });

  it("has no single sign-on routes when it is not configured", async () => {
    const off = await startTestServer({}, { oidc: null });
    try {
      const res = await fetch(`http://127.0.0.1:${off.port}/auth/oidc/start`, { redirect: "manual" });
      // Not found (this test server has no built client, so the not-found answer says that).
      expect([404, 503]).toContain(res.status);
      expect(res.headers.get("location")).toBeNull();
      expect(refusalOf(res)).toBeNull();
    } finally {
      await off.stopAsync();
    }
  });
});
