import { describe, expect, it } from "vitest";
import { ENROLMENT_TTL_MS, Enrolments, SETUP_TTL_MS } from "./enrolments.ts";

function enrolments() {
  let now = 5_000_000;
  const e = new Enrolments(
    () => "https://chairside.clinic.example",
    () => now,
  );
  return { e, advance: (ms: number) => (now += ms) };
}
const tokenOf = (url: string) => url.split("#")[1]!;

describe("enrolment and setup links", () => {
  it("put the token in the fragment, never in the path or query", () => {
    const { e } = enrolments();
    const { url } = e.createFirstAdmin();
    expect(url).toMatch(/^https:\/\/chairside\.clinic\.example\/setup\.html#[A-Za-z0-9_-]{43}$/);
  });

  it("work once", () => {
    const { e } = enrolments();
    const token = tokenOf(e.create("ana-1").url);
    expect(e.peek(token)?.staffId).toBe("ana-1");
    expect(e.consume(token)?.staffId).toBe("ana-1");
    expect(e.consume(token)).toBeNull();
    expect(e.peek(token)).toBeNull();
  });

  it("expire: setup after 30 minutes, enrolment after a day", () => {
    const { e, advance } = enrolments();
    const setup = tokenOf(e.createFirstAdmin().url);
    const enrol = tokenOf(e.create("ana-1").url);
    advance(SETUP_TTL_MS - 1);
    expect(e.peek(setup)).not.toBeNull();
    advance(1);
    expect(e.consume(setup)).toBeNull();
    advance(ENROLMENT_TTL_MS - SETUP_TTL_MS);
    expect(e.consume(enrol)).toBeNull();
  });

  it("a new link for the same account replaces the old one", () => {
    const { e } = enrolments();
    const first = tokenOf(e.create("ana-1").url);
    const second = tokenOf(e.create("ana-1", "http://localhost:8080").url);
    expect(e.peek(first)).toBeNull();
    expect(e.peek(second)?.staffId).toBe("ana-1");
    e.revokeFor("ana-1");
    expect(e.peek(second)).toBeNull();
  });
});
