import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerConfig } from "../../server/config.ts";
import { RecordKind } from "../../server/storage/storage.ts";
import { staffRecordSchema } from "../../shared/records.ts";
import { startTestServer, type TestServer } from "../harness.ts";
import { type LoopbackProvider, listenLoopbackProvider } from "../oidcProvider.ts";
import { selfSignedCertificate } from "../tlsCertificate.ts";
import { launchBrowser } from "./browser.ts";

const certificate = selfSignedCertificate();
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  certificate.remove();
});

/** A self-signed certificate for localhost (tests/tlsCertificate.ts); removed after the file. */
function selfSigned(): Partial<ServerConfig> {
  const { tlsCertPath, tlsKeyPath } = certificate;
  return { tlsCertPath, tlsKeyPath };
}

describe.each([
  { scheme: "http", prefix: "", secure: false },
  { scheme: "https", prefix: "__Host-", secure: true },
])("single sign-on in Chromium over $scheme", ({ scheme, prefix, secure }) => {
  let server: TestServer;
  let provider: LoopbackProvider;

  beforeAll(async () => {
    provider = await listenLoopbackProvider({ dana: { email: "dana@clinic.example", email_verified: true } });
    server = await startTestServer(scheme === "https" ? selfSigned() : {}, { oidc: provider.config });
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
      {
        kind: RecordKind.staff,
        id: dana.staffId,
        clinicId: "main",
        body: JSON.stringify(dana),
        updatedAt: at,
      },
    ]);
  });

  afterAll(async () => {
    await server?.stopAsync();
    await provider?.closeAsync();
  });

  it("goes to the provider on another site, comes back signed in, and lands on the staff page", async () => {
    expect(server.origin.startsWith(`${scheme}://localhost:`)).toBe(true);
    expect(new URL(provider.issuer).hostname).toBe("127.0.0.1");
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${server.origin}/auth/oidc/start`);
    await page.waitForURL(
      (url) => url.origin === provider.issuer && url.pathname.startsWith("/interaction/"),
    );
    const pending = (await context.cookies(server.origin)).find((c) => c.name === `${prefix}chairside_oidc`);
    expect(pending).toMatchObject({ httpOnly: true, sameSite: "Lax", secure, path: "/" });

    await page.fill('input[name="login"]', "dana");
    await page.fill('input[name="password"]', "any");
    await page.click('button[type="submit"]');
    // The consent form, then back to Chairside.
    await page.waitForSelector('input[name="prompt"][value="consent"]', { state: "attached" });
    await page.click('button[type="submit"]');
    await page.waitForURL((url) => url.origin === server.origin);
    // A refusal page would stay on the callback URL: say what it says.
    expect(new URL(page.url()).pathname, (await page.textContent("body")) ?? "").toBe("/staff.html");
    // Nothing of the answer stays in the address bar: the code and state were on the callback only.
    expect(page.url()).toBe(`${server.origin}/staff.html`);

    const cookies = await context.cookies(server.origin);
    const session = cookies.find((c) => c.name === `${prefix}chairside_session`);
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", secure, path: "/" });
    expect(cookies.find((c) => c.name === `${prefix}chairside_oidc`)).toBeUndefined();
    const live = await server.staffSessions.lookup(session!.value);
    expect(live?.staff.staffId).toBe("dana");
    expect(live?.session.method).toBe("sso");
    await context.close();
  });
});
