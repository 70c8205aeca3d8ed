import { describe, expect, it } from "vitest";
import { headsetCodeInputSchema, PollStatus, USER_CODE_ALPHABET } from "../../shared/pairing.ts";
import {
  CodeRefusal,
  DEFAULT_PAIRING_POLICY,
  newUserCode,
  PairingCodes,
  type PairingPolicy,
} from "./pairingCodes.ts";

const ALICE = { staffId: "dr-alice", address: "10.0.0.5" };
const APPROVAL = { appointmentId: "appt-1", staffId: "dr-alice" };

function machine(policy: Partial<PairingPolicy> = {}) {
  let t = 1_000_000;
  const codes = new PairingCodes({ ...DEFAULT_PAIRING_POLICY, ...policy }, () => t);
  return {
    codes,
    advance: (ms: number) => {
      t += ms;
    },
    issue: (address = "10.0.0.99") => {
      const out = codes.issue(address);
      if (!out.ok) throw new Error("no code");
      return out.code;
    },
  };
}

/** A user code that is valid in shape but not the one issued. */
function otherCode(code: string): string {
  const i = USER_CODE_ALPHABET.indexOf(code[0]!);
  return USER_CODE_ALPHABET[(i + 1) % USER_CODE_ALPHABET.length]! + code.slice(1);
}

describe("pairing codes (RFC 8628 device grant)", () => {
  it("issues six unambiguous characters, a long secret device code, 600 s and a 2 s interval", () => {
    const { issue } = machine();
    const code = issue();
    expect(code.userCode).toMatch(/^[34679ACDEFGHJKMNPQRTUVWXY]{6}$/);
    expect(code.deviceCode.length).toBeGreaterThanOrEqual(43);
    expect(code.expiresIn).toBe(600);
    expect(code.interval).toBe(2);
    for (let i = 0; i < 200; i++) expect(newUserCode()).not.toMatch(/[0O1IL5S2Z8B]/);
  });

  it("hands the approval to the headset exactly once, after the clinician approves", () => {
    const { codes, issue, advance } = machine();
    const code = issue();
    expect(codes.poll(code.deviceCode)).toEqual({ status: PollStatus.pending, interval: 2 });
    expect(codes.check(code.userCode, ALICE)).toEqual({ ok: true });
    advance(2_000);
    expect(codes.poll(code.deviceCode).status).toBe(PollStatus.pending);
    expect(codes.approve(code.userCode, APPROVAL, ALICE)).toEqual({ ok: true });
    advance(2_000);
    expect(codes.poll(code.deviceCode)).toEqual({ status: PollStatus.approved, approval: APPROVAL });
    advance(2_000);
    // Code reuse: the grant is used up, for the headset and for any clinician.
    expect(codes.poll(code.deviceCode).status).toBe(PollStatus.expired);
    expect(codes.check(code.userCode, ALICE)).toEqual({ ok: false, refusal: CodeRefusal.used });
    expect(codes.approve(code.userCode, { ...APPROVAL, appointmentId: "other" }, ALICE).ok).toBe(false);
  });

  it("cannot approve one code twice", () => {
    const { codes, issue } = machine();
    const code = issue();
    expect(codes.approve(code.userCode, APPROVAL, ALICE).ok).toBe(true);
    expect(codes.approve(code.userCode, { ...APPROVAL, appointmentId: "appt-2" }, ALICE)).toEqual({
      ok: false,
      refusal: CodeRefusal.used,
    });
  });

  it("expires after 600 s for the headset and for the clinician", () => {
    const { codes, issue, advance } = machine();
    const code = issue();
    advance(599_000);
    expect(codes.check(code.userCode, ALICE).ok).toBe(true);
    advance(1_000);
    expect(codes.poll(code.deviceCode)).toEqual({ status: PollStatus.expired });
    expect(codes.check(code.userCode, ALICE)).toEqual({ ok: false, refusal: CodeRefusal.expired });
    expect(codes.approve(code.userCode, APPROVAL, ALICE).ok).toBe(false);
  });

  it("an approval that arrives after expiry is never handed over", () => {
    const { codes, issue, advance } = machine();
    const code = issue();
    expect(codes.approve(code.userCode, APPROVAL, ALICE).ok).toBe(true);
    advance(600_000);
    expect(codes.poll(code.deviceCode).status).toBe(PollStatus.expired);
  });

  it("answers an unknown device code with expired_token", () => {
    const { codes } = machine();
    expect(codes.poll("x".repeat(43))).toEqual({ status: PollStatus.expired });
  });

  it("says slow_down to a headset that polls faster than the interval, and adds 5 s each time", () => {
    const { codes, issue, advance } = machine();
    const code = issue();
    codes.poll(code.deviceCode);
    advance(500);
    expect(codes.poll(code.deviceCode)).toEqual({ status: PollStatus.slowDown, interval: 7 });
    advance(2_000);
    expect(codes.poll(code.deviceCode)).toEqual({ status: PollStatus.slowDown, interval: 12 });
    advance(12_000);
    expect(codes.poll(code.deviceCode)).toEqual({ status: PollStatus.pending, interval: 12 });
    // A little early (timer jitter) is on time.
    advance(11_800);
    expect(codes.poll(code.deviceCode).status).toBe(PollStatus.pending);
  });

  it("withdraws an approval no headset collected yet (headset handed on): the headset hears access_denied", () => {
    const { codes, issue } = machine();
    const code = issue();
    codes.approve(code.userCode, APPROVAL, ALICE);
    expect(codes.withdraw("appt-1")).toBe(1);
    expect(codes.poll(code.deviceCode)).toEqual({ status: PollStatus.denied });
    expect(codes.approve(code.userCode, APPROVAL, ALICE)).toEqual({ ok: false, refusal: CodeRefusal.used });
  });

  it("a wrong code is refused and counted", () => {
    const { codes, issue } = machine();
    const code = issue();
    expect(codes.check(otherCode(code.userCode), ALICE)).toEqual({ ok: false, refusal: CodeRefusal.unknown });
  });

  it("limits wrong codes per staff member: after 5 even the right code waits, until the window passes", () => {
    const { codes, issue, advance } = machine();
    const code = issue();
    for (let i = 0; i < 5; i++) {
      expect(codes.check(otherCode(code.userCode), { ...ALICE, address: `10.0.1.${i}` }).ok).toBe(false);
      advance(1_000);
    }
    const limited = codes.check(code.userCode, { ...ALICE, address: "10.0.2.1" });
    expect(limited).toMatchObject({ ok: false, refusal: CodeRefusal.limited });
    expect(limited.ok === false && limited.retryAfterMs).toBe(15 * 60_000 - 5_000);
    // Another staff member is not held off by Alice's typos.
    expect(codes.check(code.userCode, { staffId: "noah", address: "10.0.2.2" }).ok).toBe(true);
    advance(15 * 60_000);
    expect(codes.check(code.userCode, ALICE).ok).toBe(false); // expired by now (600 s)
  });

  it("limits wrong codes per address across staff accounts", () => {
    const { codes, issue } = machine({ wrongPerAddress: 8 });
    const code = issue();
    for (let i = 0; i < 8; i++)
      codes.check(otherCode(code.userCode), { staffId: `s${i}`, address: "10.0.0.7" });
    expect(codes.approve(code.userCode, APPROVAL, { staffId: "fresh", address: "10.0.0.7" })).toMatchObject({
      ok: false,
      refusal: CodeRefusal.limited,
    });
  });

  it("brute force within the limits finds a live code with negligible chance", () => {
    // 25^6 codes; an attacker gets wrongPerAddress guesses per window against the live codes.
    const { codes, issue } = machine();
    for (let i = 0; i < 50; i++) issue(`10.1.0.${i}`);
    let found = 0;
    let limited = 0;
    for (let i = 0; i < 1_000; i++) {
      const guess = newUserCode();
      const out = codes.check(guess, { staffId: "mallory", address: "10.6.6.6" });
      if (out.ok) found++;
      else if (out.refusal === CodeRefusal.limited) limited++;
    }
    expect(found).toBe(0);
    expect(limited).toBe(1_000 - DEFAULT_PAIRING_POLICY.wrongPerStaff);
  });

  it("limits how many codes one address asks for, and how many wait in all", () => {
    const { codes, advance } = machine({ issuesPerAddress: 3, maxPending: 5 });
    for (let i = 0; i < 3; i++) expect(codes.issue("10.0.0.1").ok).toBe(true);
    expect(codes.issue("10.0.0.1")).toMatchObject({ ok: false });
    expect(codes.issue("10.0.0.2").ok).toBe(true);
    expect(codes.issue("10.0.0.3").ok).toBe(true);
    expect(codes.issue("10.0.0.4")).toMatchObject({ ok: false, retryAfterMs: 30_000 });
    advance(600_000);
    expect(codes.issue("10.0.0.4").ok).toBe(true);
  });

  it("forgets finished grants after a while", () => {
    const { codes, issue, advance } = machine();
    const code = issue();
    advance(600_000 + 600_000);
    codes.prune();
    expect(codes.check(code.userCode, ALICE)).toEqual({ ok: false, refusal: CodeRefusal.unknown });
  });

  it("accepts what a person types: lower case, spaces and dashes; refuses look-alikes", () => {
    expect(headsetCodeInputSchema.parse({ userCode: "k7m-3qx" }).userCode).toBe("K7M3QX");
    expect(headsetCodeInputSchema.parse({ userCode: " k7m 3qx " }).userCode).toBe("K7M3QX");
    expect(headsetCodeInputSchema.safeParse({ userCode: "K7M3Q0" }).success).toBe(false);
    expect(headsetCodeInputSchema.safeParse({ userCode: "K7M3Q" }).success).toBe(false);
    expect(headsetCodeInputSchema.safeParse({ userCode: 123456 }).success).toBe(false);
  });
});
