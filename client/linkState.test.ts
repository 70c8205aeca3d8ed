import { describe, expect, it } from "vitest";
import { type ConnectRefusal, ErrorCode } from "../shared/protocol.ts";
import { mulberry32 } from "../shared/random.ts";
import { backoffMs, isLive, type LinkInput, type LinkStatus, nextLink, RECONNECT } from "./linkState.ts";

const half = () => 0.5;
const connecting: LinkStatus = { kind: "connecting" };
const refusal = (code: ErrorCode, retryAfterMs?: number): ConnectRefusal =>
  retryAfterMs === undefined ? { code, message: code } : { code, message: code, retryAfterMs };

function run(inputs: LinkInput[], from: LinkStatus = connecting) {
  let status = from;
  const actions = [];
  for (const input of inputs) {
    const step = nextLink(status, input, half);
    status = step.status;
    actions.push(step.action);
  }
  return { status, actions };
}

describe("backoff", () => {
  it("doubles from the base and stays under the cap, whatever the jitter", () => {
    const seed = 20261126;
    console.log(`backoff jitter seed ${seed}`);
    const random = mulberry32(seed);
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(RECONNECT.maxMs, RECONNECT.baseMs * 2 ** attempt);
      const d = backoffMs(attempt, random);
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
    expect(backoffMs(0, () => 0.999)).toBeLessThanOrEqual(RECONNECT.baseMs);
    expect(backoffMs(100, () => 0.999)).toBeLessThanOrEqual(RECONNECT.maxMs);
  });

  it("keeps the wait under 2.5 s, so a page is back within 5 s of the server", () => {
    expect(RECONNECT.maxMs).toBeLessThanOrEqual(2_500);
  });
});

describe("the link state machine", () => {
  it("retries after any drop, a server-side disconnect included, with a growing delay", () => {
    const { status, actions } = run([
      { type: "connected" },
      { type: "disconnected" },
      { type: "connect_failed", refusal: null },
      { type: "connect_failed", refusal: null },
    ]);
    expect(status).toMatchObject({ kind: "reconnecting", attempt: 2 });
    expect(actions.map((a) => (a.type === "retry" ? a.afterMs : a.type))).toEqual([
      "none",
      backoffMs(0, half),
      backoffMs(1, half),
      backoffMs(2, half),
    ]);
  });

  it("starts over from the shortest delay once connected again", () => {
    const { actions } = run([
      { type: "disconnected" },
      { type: "connect_failed", refusal: null },
      { type: "connected" },
      { type: "disconnected" },
    ]);
    expect(actions.at(-1)).toEqual({ type: "retry", afterMs: backoffMs(0, half) });
  });

  it.each([
    ErrorCode.tokenExpired,
    ErrorCode.tokenInvalid,
    ErrorCode.tokenMissing,
    ErrorCode.forbidden,
    ErrorCode.clientTooOld,
    ErrorCode.serverTooOld,
  ])("stops for good on %s and keeps the reason", (code) => {
    const { status, actions } = run([
      { type: "connect_failed", refusal: refusal(code) },
      { type: "disconnected" },
      { type: "connect_failed", refusal: null },
    ]);
    expect(status).toEqual({ kind: "refused", refusal: refusal(code) });
    expect(actions).toEqual([{ type: "none" }, { type: "none" }, { type: "none" }]);
  });

  it("waits exactly as long as a refused_for_now says", () => {
    const r = refusal(ErrorCode.refusedForNow, 30_000);
    const { status, actions } = run([
      { type: "connected" },
      { type: "disconnected" },
      { type: "connect_failed", refusal: r },
    ]);
    expect(actions.at(-1)).toEqual({ type: "retry", afterMs: 30_000 });
    expect(status).toEqual({ kind: "reconnecting", attempt: 1, retryInMs: 30_000, refusal: r });
  });

  it("backs off as usual on other refusals (rate limited) and on refused_for_now without a wait", () => {
    for (const r of [refusal(ErrorCode.rateLimited), refusal(ErrorCode.refusedForNow)]) {
      const { status, actions } = run([{ type: "connect_failed", refusal: r }]);
      expect(actions).toEqual([{ type: "retry", afterMs: backoffMs(0, half) }]);
      expect(status).toMatchObject({ kind: "reconnecting", refusal: r });
    }
  });

  it("stops retrying when another window takes the seat, until the person takes it back", () => {
    const replaced = run([{ type: "connected" }, { type: "replaced" }, { type: "disconnected" }]);
    expect(replaced.status).toEqual({ kind: "replaced" });
    expect(replaced.actions.at(-1)).toEqual({ type: "none" });
    expect(isLive(replaced.status)).toBe(false);

    const back = run([{ type: "take_back" }], replaced.status);
    expect(back).toEqual({ status: { kind: "connecting" }, actions: [{ type: "connect" }] });
    expect(run([{ type: "connected" }], back.status).status).toEqual({ kind: "connected" });
  });

  it("treats a reconnect refused because another window took the seat meanwhile as replaced", () => {
    const { status, actions } = run([
      { type: "connected" },
      { type: "disconnected" },
      { type: "connect_failed", refusal: refusal(ErrorCode.seatElsewhere) },
    ]);
    expect(status).toEqual({ kind: "replaced" });
    expect(actions.at(-1)).toEqual({ type: "none" });
    expect(run([{ type: "take_back" }], status).actions).toEqual([{ type: "connect" }]);
  });

  it("ignores 'Use it here' unless the seat was taken", () => {
    for (const from of [connecting, { kind: "connected" } as const]) {
      expect(nextLink(from, { type: "take_back" }, half)).toEqual({ status: from, action: { type: "none" } });
    }
  });

  it("does nothing more once the page closed its link", () => {
    const { status, actions } = run([
      { type: "connected" },
      { type: "close" },
      { type: "disconnected" },
      { type: "connect_failed", refusal: null },
      { type: "replaced" },
      { type: "connected" },
    ]);
    expect(status).toEqual({ kind: "closed" });
    expect(actions.slice(1).every((a) => a.type === "none")).toBe(true);
  });

  it("is live only while connected", () => {
    const kinds: LinkStatus[] = [
      connecting,
      { kind: "connected" },
      { kind: "reconnecting", attempt: 0, retryInMs: 1, refusal: null },
      { kind: "refused", refusal: refusal(ErrorCode.tokenExpired) },
      { kind: "replaced" },
      { kind: "closed" },
    ];
    expect(kinds.filter(isLive).map((s) => s.kind)).toEqual(["connected"]);
  });
});
