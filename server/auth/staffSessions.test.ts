import { describe, expect, it } from "vitest";
import { DEFAULT_SESSION_POLICY, sessionEnd, sessionIdOf } from "./staffSessions.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;

describe("staff session expiry", () => {
  const policy = DEFAULT_SESSION_POLICY;

  it("is alive while used within 30 minutes", () => {
    expect(sessionEnd({ createdAt: 0, lastSeenAt: 0 }, 29 * MIN, policy)).toBeNull();
    expect(sessionEnd({ createdAt: 0, lastSeenAt: 5 * HOUR }, 5 * HOUR + 29 * MIN, policy)).toBeNull();
  });

  it("ends after 30 minutes without a request", () => {
    expect(sessionEnd({ createdAt: 0, lastSeenAt: 0 }, 30 * MIN, policy)).toBe("idle");
    expect(sessionEnd({ createdAt: 0, lastSeenAt: HOUR }, HOUR + 31 * MIN, policy)).toBe("idle");
  });

  it("ends 12 hours after sign-in however busy", () => {
    expect(sessionEnd({ createdAt: 0, lastSeenAt: 12 * HOUR - MIN }, 12 * HOUR, policy)).toBe("absolute");
    expect(sessionEnd({ createdAt: 0, lastSeenAt: 12 * HOUR - MIN }, 12 * HOUR - 1, policy)).toBeNull();
  });

  it("stores only a hash of the token", () => {
    const id = sessionIdOf("token-value-token-value");
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(id).not.toContain("token-value");
  });
});
