import { describe, expect, it } from "vitest";
import { ARGON2_POLICY, hashPassword, needsRehash, verifyNothing, verifyPassword } from "./passwords.ts";

describe("password hashing", () => {
  it("stores Argon2id with the OWASP parameters and a fresh salt each time", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("correct horse");
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(await verifyPassword(stored, "correct horse battery")).toBe(true);
    expect(await verifyPassword(stored, "correct horse batterY")).toBe(false);
    expect(await verifyPassword(stored, "")).toBe(false);
  });

  it("never matches a malformed stored hash", async () => {
    expect(await verifyPassword("not-a-hash", "anything")).toBe(false);
    expect(await verifyNothing("anything")).toBe(false);
  });

  it("asks for a rehash when the stored hash is weaker than the policy or not Argon2id", async () => {
    expect(needsRehash(await hashPassword("x".repeat(12)))).toBe(false);
    const weak = await hashPassword("x".repeat(12), { ...ARGON2_POLICY, memoryCost: 4096, timeCost: 1 });
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash("$2b$10$abcdefghijklmnopqrstuv")).toBe(true);
    expect(needsRehash("$argon2id$garbage")).toBe(true);
  });
});
