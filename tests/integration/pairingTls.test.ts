import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieName, cookieName } from "../../server/auth/identity.ts";
import { CSRF_HEADER } from "../../shared/apiErrors.ts";
import type { HeadsetCode } from "../../shared/pairing.ts";
import type { TestServer } from "../harness.ts";
import { APPOINTMENT, pairingStaff, startPairingServer } from "../pairingFixture.ts";
import type { SignedInStaff } from "../staffAccount.ts";
import { overTls } from "../tlsCertificate.ts";

let server: TestServer;
let clinician: SignedInStaff;

beforeAll(async () => {
  server = await overTls((tls) => startPairingServer(tls));
  clinician = (await pairingStaff(server, true)).clinician;
});
afterAll(() => server?.stopAsync());

interface Answer {
  status: number;
  setCookie: string[];
  location: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, checked field by field
  body: any;
}

/** A request to the self-signed server (fetch cannot be told to trust it). */
function call(method: string, path: string, body?: unknown, staff?: SignedInStaff): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (staff) {
    headers.cookie = staff.cookie;
    headers[CSRF_HEADER] = staff.csrfToken;
  }
  return new Promise((resolve, reject) => {
    const req = request(`${server.origin}${path}`, { method, headers, rejectUnauthorized: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // a page
        }
        resolve({
          status: res.statusCode ?? 0,
          setCookie: res.headers["set-cookie"] ?? [],
          location: res.headers.location,
          body: parsed,
        });
      });
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const sentCookie = (line: string) => line.split(";")[0]!;

describe("pairing under HTTPS", () => {
  it("gives the headset a __Host- cookie, Secure, HttpOnly, SameSite=Strict", async () => {
    const code = (await call("POST", "/api/headset/code", {})).body as HeadsetCode;
    const path = `/api/appointments/${APPOINTMENT.appointmentId}/headset`;
    expect((await call("POST", path, { userCode: code.userCode }, clinician)).status).toBe(200);
    const poll = await call("POST", "/api/headset/token", { deviceCode: code.deviceCode });
    expect(poll.body.status).toBe("approved");
    const line = poll.setCookie[0]!;
    expect(line.startsWith(`${cookieName(CookieName.headset, true)}=`)).toBe(true);
    expect(line).toMatch(/; Secure/i);
    expect(line).toMatch(/; HttpOnly/i);
    expect(line).toMatch(/; SameSite=Strict/i);
    expect(line).toMatch(/; Path=\//);
    expect(line).not.toMatch(/Domain=/i);
    expect(await server.pairing.identifyHeadset(sentCookie(line))).toMatchObject({ kind: "headset" });
    // The same value under the plain name is not read under HTTPS.
    expect(await server.pairing.identifyHeadset(sentCookie(line).replace("__Host-", ""))).toBeNull();
  });

  it("makes https invite links and a __Host- observer cookie", async () => {
    const made = await call(
      "POST",
      `/api/appointments/${APPOINTMENT.appointmentId}/observers`,
      { displayName: "Sam", hours: 1 },
      clinician,
    );
    expect(made.status).toBe(201);
    expect(made.body.link).toMatch(new RegExp(`^https://localhost:${server.port}/observe/`));
    const opened = await call("GET", new URL(made.body.link).pathname);
    expect(opened.status).toBe(303);
    expect(opened.location).toBe(`/room.html?appointment=${APPOINTMENT.appointmentId}`);
    const line = opened.setCookie[0]!;
    expect(line.startsWith(`${cookieName(CookieName.observer, true)}=`)).toBe(true);
    expect(line).toMatch(/; Secure/i);
    expect(await server.pairing.identifyObserver(sentCookie(line))).toMatchObject({ kind: "observer" });
  });
});
