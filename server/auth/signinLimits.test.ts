import { describe, expect, it } from "vitest";
import { SigninLimits } from "./signinLimits.ts";

const policy = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 20 };

function limits() {
  let now = 1_000_000;
  const l = new SigninLimits(policy, () => now);
  return { l, advance: (ms: number) => (now += ms) };
}

describe("sign-in limits", () => {
  it("locks an account after 5 failures within 15 minutes, from any address", () => {
    const { l } = limits();
    for (let i = 0; i < 5; i++) {
      expect(l.check("ana@clinic.example", `10.0.0.${i}`)).toBeNull();
      l.fail("ana@clinic.example", `10.0.0.${i}`);
    }
    expect(l.check("ana@clinic.example", "10.0.0.99")).toEqual({
      by: "account",
      retryAfterMs: policy.windowMs,
    });
    expect(l.check("ben@clinic.example", "10.0.0.99")).toBeNull();
  });

  it("lets the account try again once the oldest failure leaves the window", () => {
    const { l, advance } = limits();
    l.fail("ana", "a");
    advance(60_000);
    for (let i = 0; i < 4; i++) l.fail("ana", "a");
    advance(60_000);
    expect(l.check("ana", "a")?.retryAfterMs).toBe(policy.windowMs - 120_000);
    advance(policy.windowMs - 120_000 - 1);
    expect(l.check("ana", "a")).not.toBeNull();
    advance(1);
    expect(l.check("ana", "a")).toBeNull();
  });

  it("locks an address after 20 failures across many accounts", () => {
    const { l } = limits();
    for (let i = 0; i < 20; i++) l.fail(`user${i}`, "192.0.2.7");
    expect(l.check("someone-new", "192.0.2.7")?.by).toBe("address");
    expect(l.check("someone-new", "192.0.2.8")).toBeNull();
  });

  it("clears an account's failures on success but not its address's", () => {
    const { l } = limits();
    for (let i = 0; i < 4; i++) l.fail("ana", "a");
    l.succeed("ana");
    for (let i = 0; i < 4; i++) l.fail("ana", "a");
    expect(l.check("ana", "a")).toBeNull();
    for (let i = 0; i < 12; i++) l.fail(`x${i}`, "a");
    expect(l.check("ana", "a")?.by).toBe("address");
  });
});
