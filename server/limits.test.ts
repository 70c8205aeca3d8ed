import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, LimitKind, type LimitPolicy, Limits, type Sender, Verdict } from "./limits.ts";

function setup(overrides: Partial<LimitPolicy> = {}) {
  const clock = { t: 1_000_000 };
  const limits = new Limits({ ...DEFAULT_LIMITS, ...overrides }, () => clock.t);
  return { clock, limits };
}

const julian: Sender = { identity: "person:julian:julian", address: "10.0.0.5" };

describe("Limits", () => {
  it("keeps a message rate per identity, whatever connection it comes from", () => {
    const { clock, limits } = setup();
    const burst = DEFAULT_LIMITS.rates.command.burst;
    for (let i = 0; i < burst; i++) expect(limits.take(julian, LimitKind.command)).toBe(Verdict.ok);
    // A "reconnect" is a new socket but the same sender: still over its rate.
    expect(limits.take({ ...julian }, LimitKind.command)).toBe(Verdict.overRate);
    clock.t += 1000 / DEFAULT_LIMITS.rates.command.perSecond;
    expect(limits.take(julian, LimitKind.command)).toBe(Verdict.ok);
    // Another person at the same address has a budget of its own.
    expect(
      limits.take({ identity: "person:julian:dr-ray", address: julian.address }, LimitKind.command),
    ).toBe(Verdict.ok);
  });

  it("lets Otto answer one asker at most once per documented interval", () => {
    const { clock, limits } = setup();
    expect(limits.take(julian, LimitKind.otto)).toBe(Verdict.ok);
    expect(limits.take(julian, LimitKind.otto)).toBe(Verdict.overRate);
    clock.t += DEFAULT_LIMITS.rates.otto.burst * 1000 - 1;
    expect(limits.take(julian, LimitKind.otto)).toBe(Verdict.overRate);
    clock.t += 2_000;
    expect(limits.take(julian, LimitKind.otto)).toBe(Verdict.ok);
  });

  it("cuts a pose flood within a fraction of a second and refuses it with a doubling back-off", () => {
    const { clock, limits } = setup();
    let sent = 0;
    let verdict: Verdict = Verdict.ok;
    // 10,000 poses a second: one every 0.1 ms.
    while (verdict !== Verdict.cut && sent < 10_000) {
      verdict = limits.take(julian, LimitKind.pose);
      clock.t += 0.1;
      sent += 1;
    }
    expect(verdict).toBe(Verdict.cut);
    expect(sent).toBeLessThan(1_000);
    const first = limits.admitIdentity(julian);
    expect(first).toEqual({ ok: false, retryAfterMs: expect.closeTo(DEFAULT_LIMITS.backoff.firstMs, 0) });

    clock.t += DEFAULT_LIMITS.backoff.firstMs;
    expect(limits.admitIdentity(julian)).toEqual({ ok: true });
    for (let i = 0; i <= DEFAULT_LIMITS.offences.identity; i++) limits.offence(julian);
    const second = limits.admitIdentity(julian);
    expect(second.ok).toBe(false);
    if (!second.ok) expect(second.retryAfterMs).toBe(2 * DEFAULT_LIMITS.backoff.firstMs);
  });

  it("tolerates a client that is slightly over its pose rate", () => {
    const { clock, limits } = setup();
    // 130 poses a second for a minute against a 120/s budget.
    for (let i = 0; i < 130 * 60; i++) {
      expect(limits.take(julian, LimitKind.pose)).not.toBe(Verdict.cut);
      clock.t += 1000 / 130;
    }
  });

  it("refuses a reconnect storm, and an identity's refusal holds at any address", () => {
    const { clock, limits } = setup();
    const results: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      results.push(limits.admitIdentity(julian).ok);
      clock.t += 10;
    }
    expect(results.slice(0, DEFAULT_LIMITS.connects.identity.burst).every(Boolean)).toBe(true);
    expect(results.at(-1)).toBe(false);
    const elsewhere = limits.admitIdentity({ ...julian, address: "10.0.0.99" });
    expect(elsewhere.ok).toBe(false);
    if (!elsewhere.ok)
      expect(elsewhere.retryAfterMs).toBeGreaterThanOrEqual(DEFAULT_LIMITS.backoff.firstMs - 1000);
  });

  it("refuses an address that keeps failing handshakes, before any credential is checked", () => {
    const { limits } = setup();
    const address = "10.0.0.66";
    let verdict: Verdict = Verdict.ok;
    for (let i = 0; i <= DEFAULT_LIMITS.offences.address && verdict !== Verdict.cut; i++) {
      expect(limits.admitAddress(address).ok).toBe(true);
      verdict = limits.offence({ address });
    }
    expect(verdict).toBe(Verdict.cut);
    expect(limits.admitAddress(address).ok).toBe(false);
    expect(limits.admitAddress("10.0.0.67").ok).toBe(true);
  });

  it("forgives cuts after a quiet spell", () => {
    const { clock, limits } = setup();
    for (let i = 0; i <= DEFAULT_LIMITS.offences.identity; i++) limits.offence(julian);
    clock.t += DEFAULT_LIMITS.backoff.forgiveAfterMs + 1;
    for (let i = 0; i <= DEFAULT_LIMITS.offences.identity; i++) limits.offence(julian);
    expect(limits.refusedForMs(julian.identity)).toBe(DEFAULT_LIMITS.backoff.firstMs);
  });

  it("forgets idle senders, keeps those in back-off, and never holds more than the cap", () => {
    const { clock, limits } = setup({ maxEntries: 500 });
    for (let i = 0; i < 300; i++)
      limits.take({ identity: `p${i}`, address: `10.1.${i >> 8}.${i & 255}` }, "pose");
    for (let i = 0; i <= DEFAULT_LIMITS.offences.identity; i++) limits.offence({ identity: "offender" });
    expect(limits.size).toBeGreaterThan(300);
    clock.t += DEFAULT_LIMITS.idleExpiryMs + 1;
    limits.take(julian, LimitKind.pose);
    expect(limits.size).toBe(2);
    expect(limits.refusedForMs("offender")).toBe(0);
    for (let i = 0; i < 2_000; i++) {
      limits.take({ identity: `q${i}`, address: "10.2.0.1" }, LimitKind.pose);
      clock.t += 1;
    }
    clock.t += 1_000;
    limits.take(julian, LimitKind.pose);
    expect(limits.size).toBeLessThanOrEqual(500);
  });

  it("at the cap, forgets the sender that went quiet before one that keeps sending", () => {
    const { clock, limits } = setup({ maxEntries: 4 });
    const [a, b, c, d] = ["a", "b", "c", "d"].map((name) => ({ identity: name, address: "10.3.0.1" }));
    // Each sender's Otto question spends its one-question budget, so a forgotten sender is seen
    // by its budget coming back. The table holds a, b, their address (over-rate is a light
    // offence, counted against the address too) and c.
    expect(limits.take(a, LimitKind.otto)).toBe(Verdict.ok);
    expect(limits.take(b, LimitKind.otto)).toBe(Verdict.ok);
    // a keeps sending (many times a second, as poses do); b and c are quiet after their first
    for (let i = 0; i < 15; i++) {
      clock.t += 100;
      expect(limits.take(a, LimitKind.otto)).toBe(Verdict.overRate);
      if (i === 0) limits.take(c, LimitKind.otto);
    }
    limits.take(d, LimitKind.otto);
    expect(limits.size).toBeLessThanOrEqual(4);
    expect(limits.take(a, LimitKind.otto)).toBe(Verdict.overRate);
    expect(limits.take(b, LimitKind.otto)).toBe(Verdict.ok);
  });
});
