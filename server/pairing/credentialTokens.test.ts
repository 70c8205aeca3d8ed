import { describe, expect, it } from "vitest";
import { cookieValue, newPublicId, newToken, sha256, splitToken, tokenMatches } from "./credentialTokens.ts";

describe("credential tokens", () => {
  it("splits <id>.<secret> and refuses anything else", () => {
    const id = newPublicId();
    const secret = newToken();
    expect(splitToken(`${id}.${secret}`)).toEqual({ id, secret });
    for (const bad of [
      undefined,
      "",
      id,
      `${id}.`,
      `.${secret}`,
      `${id}.${secret}.x`,
      `${id}!.${secret}`,
      "a".repeat(200),
    ])
      expect(splitToken(bad), String(bad)).toBeNull();
  });

  it("matches a secret against its stored hash only", () => {
    const secret = newToken();
    const hash = sha256(secret);
    expect(tokenMatches(secret, hash)).toBe(true);
    expect(tokenMatches(newToken(), hash)).toBe(false);
    expect(tokenMatches(secret, "abcd")).toBe(false);
    expect(hash).not.toContain(secret);
  });

  it("reads our cookies by their name, with the __Host- prefix under HTTPS only", () => {
    const header = "chairside_headset=plain; __Host-chairside_headset=secure; other=x";
    expect(cookieValue(header, "chairside_headset", false)).toBe("plain");
    expect(cookieValue(header, "chairside_headset", true)).toBe("secure");
    expect(cookieValue(header, "chairside_observer", false)).toBeUndefined();
    expect(cookieValue(undefined, "chairside_headset", false)).toBeUndefined();
  });
});
