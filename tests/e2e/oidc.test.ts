/**
 * Single sign-on in real Chromium, with the provider on another site (127.0.0.1) than Chairside
 * (localhost): this is what shows the cookie choices hold in a browser. The pending sign-in cookie
 * must come back with the provider's cross-site redirect (so it is SameSite=Lax), and the staff
 * session cookie it sets must be the strict, HttpOnly one the rest of the staff area uses.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordKind } from "../../server/storage/storage.ts";
import { staffRecordSchema } from "../../shared/records.ts";
import { startTestServer, type TestServer } from "../harness.ts";
import { type LoopbackProvider, listenLoopbackProvider } from "../oidcProvider.ts";
import { launchBrowser } from "./browser.ts";

let server: TestServer;
let provider: LoopbackProvider;
let browser: Browser;

beforeAll(async () => {
  provider = await listenLoopbackProvider({ dana: { email: "dana@clinic.example", email_verified: true } });
  server = await startTestServer({}, { oidc: provider.config });
  await provider.serveAsync(`${server.origin}/auth/oidc/callback`);
  const at = Date.now();
  const dana = staffRecordSchema.parse({
    staffId: "dana",
    clinicId: "main",
    displayName: "Dana",
    email: "dana@clinic.example",
    role: "clinician",
    disabledAt: null,
    passwordHash: null,
    createdAt: at,
    updatedAt: at,
  });
  await server.storage.putRecords([
    { kind: RecordKind.staff, id: dana.staffId, clinicId: "main", body: JSON.stringify(dana), updatedAt: at },
  ]);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stopAsync();
  await provider?.closeAsync();
});

describe("single sign-on in Chromium", () => {
  it("goes to the provider on another site, comes back signed in, and lands on the staff page", async () => {
    expect(new URL(server.origin).hostname).toBe("localhost");
    expect(new URL(provider.issuer).hostname).toBe("127.0.0.1");
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.origin}/auth/oidc/start`);
    await page.waitForURL(
      (url) => url.origin === provider.issuer && url.pathname.startsWith("/interaction/"),
    );
    await page.fill('input[name="login"]', "dana");
    await page.fill('input[name="password"]', "any");
    await page.click('button[type="submit"]');
    // The consent form, then back to Chairside.
    await page.waitForSelector('input[name="prompt"][value="consent"]', { state: "attached" });
    await page.click('button[type="submit"]');
    await page.waitForURL((url) => url.origin === server.origin);
    // A refusal page would stay on the callback URL: say what it says.
    expect(new URL(page.url()).pathname, (await page.textContent("body")) ?? "").toBe("/staff.html");

    const cookies = await context.cookies(server.origin);
    const session = cookies.find((c) => c.name === "chairside_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    expect(cookies.find((c) => c.name === "chairside_oidc")).toBeUndefined();
    const live = await server.staffSessions.lookup(session!.value);
    expect(live?.staff.staffId).toBe("dana");
    expect(live?.session.method).toBe("sso");
    // Nothing of the answer stays in the address bar: the code and state were on the callback only.
    expect(page.url()).toBe(`${server.origin}/staff.html`);
    await context.close();
  });
});
