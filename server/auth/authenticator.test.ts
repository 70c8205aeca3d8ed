import { beforeAll, describe, expect, it } from "vitest";
import { setLogLevel } from "../log.ts";
import {
  ChairsideAuthenticator,
  type CredentialChecker,
  cookieChecker,
  type RevokedListener,
} from "./authenticator.ts";
import type { Identity } from "./identity.ts";

const observer: Identity = {
  kind: "observer",
  credentialId: "ob-1",
  clinicId: "main",
  appointmentId: "ada",
  displayName: "Student",
};
const demo: Identity = {
  kind: "demo",
  credentialId: "d-1",
  clinicId: "demo",
  appointmentId: "julian",
  role: "patient",
};

/** A checker of one credential kind that revokes on demand (what the pairing and auth services provide). */
function kind(identity: Identity, proves: (cookie: string | undefined, pass: unknown) => boolean) {
  const listeners: RevokedListener[] = [];
  const checker = cookieChecker(
    identity.kind,
    async (cookie) => (proves(cookie, undefined) ? identity : null),
    (listener) => listeners.push(listener),
  );
  const revoke = (ids: string[]) => {
    for (const listener of listeners) listener(ids);
  };
  return { checker, revoke };
}

beforeAll(() => setLogLevel("silent"));

describe("the one authenticator", () => {
  it("returns every identity a request proves, and none for an anonymous one", async () => {
    const observers = kind(observer, (cookie) => cookie === "chairside_observer=x");
    const passes: CredentialChecker = {
      name: "demo",
      identify: async (p) => (p.demoPass === "good" ? demo : null),
    };
    const auth = new ChairsideAuthenticator([observers.checker, passes]);
    expect(await auth.identify({ cookieHeader: undefined })).toEqual([]);
    expect(await auth.identify({ cookieHeader: "chairside_observer=x", demoPass: "good" })).toEqual([
      observer,
      demo,
    ]);
    expect(await auth.identify({ cookieHeader: "chairside_observer=y", demoPass: "bad" })).toEqual([]);
  });

  it("treats a checker that fails as proving nothing, and the others still count", async () => {
    const broken: CredentialChecker = {
      name: "broken",
      identify: () => Promise.reject(new Error("storage down")),
    };
    const auth = new ChairsideAuthenticator([broken, kind(observer, () => true).checker]);
    expect(await auth.identify({ cookieHeader: "anything" })).toEqual([observer]);
  });

  it("fans every checker's revocations into one onRevoked, including checkers added later", () => {
    const first = kind(observer, () => true);
    const auth = new ChairsideAuthenticator([first.checker]);
    const later = kind(demo, () => true);
    auth.use(later.checker);
    const heard: string[][] = [];
    auth.onRevoked((ids) => heard.push([...ids]));
    auth.onRevoked(() => {
      throw new Error("a failing listener does not stop the others");
    });
    first.revoke(["ob-1"]);
    later.revoke(["d-1", "d-2"]);
    auth.revoked([]);
    expect(heard).toEqual([["ob-1"], ["d-1", "d-2"]]);
  });
});
