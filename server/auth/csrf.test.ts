import { describe, expect, it } from "vitest";
import { csrfTokenMatches, isStateChanging, newCsrfToken } from "./csrf.ts";

describe("CSRF tokens", () => {
  it("are random and URL-safe", () => {
    const a = newCsrfToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newCsrfToken()).not.toBe(a);
  });

  it("match only the exact token, given once", () => {
    const t = newCsrfToken();
    expect(csrfTokenMatches(t, t)).toBe(true);
    expect(csrfTokenMatches(t, undefined)).toBe(false);
    expect(csrfTokenMatches(t, "")).toBe(false);
    expect(csrfTokenMatches(t, `${t}x`)).toBe(false);
    expect(csrfTokenMatches(t, t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase())).toBe(false);
    expect(csrfTokenMatches(t, [t, t])).toBe(false);
  });

  it.each([
    ["GET", false],
    ["HEAD", false],
    ["OPTIONS", false],
    ["POST", true],
    ["put", true],
    ["PATCH", true],
    ["DELETE", true],
  ])("%s needs the token: %s", (method, expected) => {
    expect(isStateChanging(method)).toBe(expected);
  });
});
