import { describe, expect, it } from "vitest";
import { decodeHolder, encodeHolder, leaseTiming, mustGiveUp, sameHolder } from "./leaseTiming.ts";

describe("lease timing", () => {
  it("gives a room up before the lease can expire in Redis", () => {
    for (const ttl of [600, 1000, 3000, 10_000]) {
      const t = leaseTiming(ttl);
      expect(t.giveUpAfterMs).toBeLessThan(t.ttlMs);
      // At least two renewals fit before giving up, so one lost reply never costs the room.
      expect(t.giveUpAfterMs).toBeGreaterThanOrEqual(2 * t.renewEveryMs);
      expect(mustGiveUp(t, 1000, 1000 + t.giveUpAfterMs - 1)).toBe(false);
      expect(mustGiveUp(t, 1000, 1000 + t.giveUpAfterMs)).toBe(true);
    }
  });

  it("refuses a lease too short to renew", () => {
    expect(() => leaseTiming(100)).toThrow(RangeError);
    expect(() => leaseTiming(Number.NaN)).toThrow(RangeError);
  });

  it("round-trips a holder, node ids with bars included, and refuses damaged values", () => {
    const holder = { nodeId: "node|a", fence: 42 };
    expect(decodeHolder(encodeHolder(holder))).toEqual(holder);
    for (const bad of [null, "", "node", "|3", "node|0", "node|-1", "node|x", "node|1.5"]) {
      expect(decodeHolder(bad)).toBeNull();
    }
    expect(sameHolder(holder, { nodeId: "node|a", fence: 42 })).toBe(true);
    expect(sameHolder(holder, { nodeId: "node|a", fence: 43 })).toBe(false);
    expect(sameHolder(null, holder)).toBe(false);
  });
});
