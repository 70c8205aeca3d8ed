/** The readiness rule (./nodeReadiness.ts): every Redis connection up and a recent PING answer. */
import { describe, expect, it } from "vitest";
import { readinessOf, UNREADY_AFTER_MS } from "./nodeReadiness.ts";

describe("readinessOf", () => {
  it.each([
    { linkUp: true, lastAnswerAt: 1000, now: 1000, ready: true },
    { linkUp: true, lastAnswerAt: 1000, now: 1000 + UNREADY_AFTER_MS, ready: true },
    { linkUp: true, lastAnswerAt: 1000, now: 1001 + UNREADY_AFTER_MS, ready: false },
    { linkUp: true, lastAnswerAt: null, now: 1000, ready: false },
    { linkUp: false, lastAnswerAt: 1000, now: 1000, ready: false },
  ])("link up $linkUp, last answer $lastAnswerAt, now $now: ready $ready", (c) => {
    const state = readinessOf(c.linkUp, c.lastAnswerAt, c.now);
    expect(state.ready).toBe(c.ready);
    expect(state.reason === undefined).toBe(c.ready);
  });
});
