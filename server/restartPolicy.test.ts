import { describe, expect, it } from "vitest";
import { DEFAULT_RESTART_POLICY, RestartPolicy } from "./restartPolicy.ts";

describe("RestartPolicy", () => {
  it("restarts at once after a healthy run ends in a crash", () => {
    let now = 0;
    const policy = new RestartPolicy(DEFAULT_RESTART_POLICY, () => now);
    for (let i = 0; i < 5; i++) {
      policy.started();
      now += 60_000;
      expect(policy.delayAfterDeath()).toBe(0);
    }
  });

  it("backs off, doubling up to the cap, while workers keep dying at start", () => {
    let now = 0;
    const policy = new RestartPolicy(DEFAULT_RESTART_POLICY, () => now);
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      policy.started();
      now += 100;
      const delay = policy.delayAfterDeath();
      delays.push(delay);
      now += delay;
    }
    expect(delays).toEqual([0, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    // One healthy run ends the loop.
    policy.started();
    now += DEFAULT_RESTART_POLICY.healthyAfterMs;
    expect(policy.delayAfterDeath()).toBe(0);
  });
});
