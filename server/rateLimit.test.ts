import { describe, expect, it } from "vitest";
import { OffenceLevel, TokenBucket } from "./rateLimit.ts";

describe("TokenBucket", () => {
  it("allows a burst, then the steady rate", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100;
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 10_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it("says how long until the next token", () => {
    let now = 0;
    const bucket = new TokenBucket(2, 1, () => now);
    expect(bucket.msUntil()).toBe(0);
    bucket.take();
    expect(bucket.msUntil()).toBe(500);
    now += 400;
    expect(bucket.msUntil()).toBe(100);
  });
});

describe("OffenceLevel", () => {
  it("flags a sender only past the limit, draining over the window", () => {
    let now = 0;
    const level = new OffenceLevel(3, 1_000, () => now);
    expect([level.record(), level.record(), level.record()]).toEqual([false, false, false]);
    now += 2_000;
    expect(level.record()).toBe(false);
    expect([level.record(), level.record(), level.record()]).toEqual([false, false, true]);
    expect(level.total).toBe(7);
    // After a trip it starts again from nothing.
    expect(level.record()).toBe(false);
  });

  it("weighs offences, so many light ones add up to one heavy one", () => {
    const level = new OffenceLevel(2, 10_000, () => 0);
    for (let i = 0; i < 8; i++) expect(level.record(0.25)).toBe(false);
    expect(level.record(0.25)).toBe(true);
  });
});
