import { describe, expect, it } from "vitest";
import { OffenceCounter, TokenBucket } from "./rateLimit.ts";

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
});

describe("OffenceCounter", () => {
  it("flags a connection only past the limit within the window", () => {
    let now = 0;
    const counter = new OffenceCounter(3, 1_000, () => now);
    expect([counter.record(), counter.record(), counter.record()]).toEqual([false, false, false]);
    now += 2_000;
    expect(counter.record()).toBe(false);
    expect([counter.record(), counter.record(), counter.record()]).toEqual([false, false, true]);
    expect(counter.total).toBe(7);
  });
});
