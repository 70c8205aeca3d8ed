/**
 * Staff sign-in in real Chromium: the first admin's setup link (token dropped from the address
 * bar), a passkey registered and used with Chromium's virtual authenticator (CDP WebAuthn), and
 * password sign-in. The server is real; the authenticator is Chromium's own CTAP2 emulation.
 */
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../server/auth/passwords.ts";
import type { SessionInfo } from "../../shared/authSchemas.ts";
import type { TestServer } from "../harness.ts";
import { launchBrowser, screenshot, startE2eServer } from "./browser.ts";

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.stopAsync();
});

interface Tab {
  page: Page;
  errors: string[];
  cdp: CDPSession;
  authenticatorId: string;
}

/** A fresh browser profile with a platform passkey authenticator (user verification: yes). */
async function tabWithAuthenticator(name: string): Promise<Tab> {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    // staff.html is the records slice's page; until it is merged in, landing there is a 404.
    if (m.type() === "error" && !m.text().includes("status of 404")) errors.push(`[${name}] ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`[${name}] ${e.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
  return { page, errors, cdp, authenticatorId };
}

async function sessionOf(page: Page): Promise<SessionInfo> {
  return page.evaluate(async () => (await fetch("/api/session")).json());
}

describe("staff sign-in in Chromium", () => {
  it("first admin: setup link → password and passkey → sign out → sign in with the passkey", async () => {
    const tab = await tabWithAuthenticator("admin");
    const { page } = tab;
    const link = server.staffAuth.firstAdminLink!;
    const url = new URL(link.url);
    await page.goto(`${server.origin}${url.pathname}${url.hash}`);
    await page.waitForSelector("#setup-form:not([hidden])");
    // The token left the address bar (and the history entry) before anything else ran.
    expect(page.url()).toBe(`${server.origin}/setup.html`);
    expect(await page.textContent("#setup-status")).toMatch(/first admin/);

    // The form says what is wrong, by the field, before anything is sent.
    await page.fill("#display-name", "Ana Admin");
    await page.fill("#setup-email", "not-an-address");
    await page.fill("#setup-password", "short");
    await page.click('[data-testid="setup-submit"]');
    await page.waitForSelector('[data-field="email"]:not(:empty)');
    expect(await page.textContent('[data-field="password"]')).toMatch(/at least 12/);
    await screenshot(page, "setup-page");

    await page.fill("#setup-email", "ana@clinic.example");
    await page.fill("#setup-password", "a calm long passphrase");
    expect(await page.isChecked("#with-passkey")).toBe(true);
    await page.click('[data-testid="setup-submit"]');
    await page.waitForURL(`${server.origin}/staff.html`);
    const afterSetup = await sessionOf(page);
    expect(afterSetup.staff).toMatchObject({
      role: "admin",
      email: "ana@clinic.example",
      passkeys: 1,
      hasPassword: true,
    });
    const { credentials } = await tab.cdp.send("WebAuthn.getCredentials", {
      authenticatorId: tab.authenticatorId,
    });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(credentials[0]!.rpId).toBe("localhost");

    // The session cookie is out of the page's reach and stays on this site.
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "chairside_session")!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe("Strict");
    expect(await page.evaluate(() => document.cookie)).not.toContain("chairside_session");

    // The account card, then sign out.
    await page.goto(`${server.origin}/signin.html`);
    await page.waitForSelector("#account:not([hidden])");
    expect(await page.textContent("#account-name")).toBe("Ana Admin");
    expect(await page.textContent("#passkey-count")).toBe("1 passkey registered.");
    await screenshot(page, "signin-account");
    await page.click('[data-testid="signout"]');
    await page.waitForSelector("#signin:not([hidden])");
    expect((await sessionOf(page)).staff).toBeNull();
    // No single sign-on is configured here, so no such button.
    expect(await page.isVisible('[data-testid="sso"]')).toBe(false);
    await screenshot(page, "signin-page");

    // Passkey sign-in: no e-mail typed; the authenticator finds the discoverable credential.
    await page.click('[data-testid="passkey-signin"]');
    await page.waitForURL(`${server.origin}/staff.html`);
    const signedIn = await sessionOf(page);
    expect(signedIn.staff?.email).toBe("ana@clinic.example");
    expect(tab.errors).toEqual([]);
  });

  it("adds a passkey from the account card, and signs in with a password (problems shown by field)", async () => {
    const staff = await server.staffAuth.accounts.create({
      displayName: "Dr. Cara Lind",
      email: "cara@clinic.example",
      role: "clinician",
    });
    await server.staffAuth.accounts.setPasswordHash(staff, await hashPassword("another long passphrase"));
    const tab = await tabWithAuthenticator("clinician");
    const { page } = tab;
    await page.goto(`${server.origin}/signin.html?next=/signin.html`);
    await page.waitForSelector("#signin:not([hidden])");

    await page.fill("#email", "cara@clinic.example");
    await page.fill("#password", "wrong password");
    await page.click('[data-testid="password-signin"]');
    await page.waitForSelector('[data-field="password"]:not(:empty)');
    expect(await page.textContent('[data-field="password"]')).toBe("That e-mail and password do not match.");

    await page.fill("#password", "another long passphrase");
    await page.click('[data-testid="password-signin"]');
    await page.waitForSelector("#account:not([hidden])");
    expect(await page.textContent("#account-name")).toBe("Dr. Cara Lind");
    expect(await page.textContent("#passkey-count")).toMatch(/No passkey yet/);

    await page.fill("#passkey-label", "Surgery laptop");
    await page.click('[data-testid="add-passkey"]');
    await page.waitForFunction(
      () => document.getElementById("passkey-count")?.textContent === "1 passkey registered.",
    );
    const passkeys = await server.staffAuth.passkeys.forStaff(staff.staffId);
    expect(passkeys.map((p) => p.label)).toEqual(["Surgery laptop"]);
    await page.waitForSelector('[data-testid="passkey-list"] li');
    expect(await page.textContent('[data-testid="passkey-list"] li')).toMatch(/^Surgery laptop · added /);

    await page.click('[data-testid="signout"]');
    await page.waitForSelector("#signin:not([hidden])");
    // Signed in, the page goes on to the staff area (`next` was left behind with the first page).
    await page.click('[data-testid="passkey-signin"]');
    await page.waitForURL(`${server.origin}/staff.html`);
    expect((await sessionOf(page)).staff?.staffId).toBe(staff.staffId);

    // A lost laptop: remove the passkey; it no longer signs anyone in.
    await page.goto(`${server.origin}/signin.html`);
    await page.waitForSelector('[data-testid="passkey-list"] li');
    await page.click('[data-testid="passkey-list"] li button');
    await page.waitForFunction(() =>
      document.getElementById("passkey-count")?.textContent?.startsWith("No passkey"),
    );
    expect(await server.staffAuth.passkeys.forStaff(staff.staffId)).toEqual([]);
    await page.click('[data-testid="signout"]');
    await page.waitForSelector("#signin:not([hidden])");
    await page.click('[data-testid="passkey-signin"]');
    await page.waitForSelector("#passkey-error:not(:empty)");
    expect(await page.textContent("#passkey-error")).toMatch(/not known here/);
    expect((await sessionOf(page)).staff).toBeNull();

    // Chromium logs the refused wrong password (401) itself; nothing else went wrong.
    // Chromium also logs the refused removed passkey (401).
    const refused =
      "[clinician] Failed to load resource: the server responded with a status of 401 (Unauthorized)";
    expect(tab.errors).toEqual([refused, refused]);
  });
});
