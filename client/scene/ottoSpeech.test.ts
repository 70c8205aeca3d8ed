import { describe, expect, it } from "vitest";
import type { OttoView } from "../../shared/protocol.ts";
import { OTTO_MS_PER_CHAR, ottoReadingMs, UtteranceGate } from "./ottoSpeech.ts";

function view(state: OttoView["state"], text: string | null): OttoView {
  return { state, lookAt: null, lastUtterance: text ? { kind: "answer", text } : null };
}

describe("UtteranceGate", () => {
  it("shows the first line only while Otto is talking (late join)", () => {
    expect(new UtteranceGate().accept(view("talking", "Hello"), false)).toBe("Hello");
    expect(new UtteranceGate().accept(view("idle", "Old line"), false)).toBeNull();
  });

  it("shows a new line and ignores the same line resent", () => {
    const gate = new UtteranceGate();
    gate.accept(view("idle", null), false);
    expect(gate.accept(view("talking", "It should not hurt."), false)).toBe("It should not hurt.");
    expect(gate.accept(view("talking", "It should not hurt."), true)).toBeNull();
    expect(gate.accept(view("idle", "It should not hurt."), false)).toBeNull();
  });

  it("repeats the same line when Otto starts talking again after the bubble faded", () => {
    const gate = new UtteranceGate();
    gate.accept(view("talking", "Raise your hand to stop."), false);
    gate.accept(view("idle", "Raise your hand to stop."), false);
    expect(gate.accept(view("talking", "Raise your hand to stop."), true)).toBeNull();
    gate.accept(view("idle", "Raise your hand to stop."), false);
    expect(gate.accept(view("talking", "Raise your hand to stop."), false)).toBe("Raise your hand to stop.");
  });

  it("ignores views without an utterance", () => {
    const gate = new UtteranceGate();
    expect(gate.accept(view("listening", null), false)).toBeNull();
    expect(gate.accept(view("concerned", null), false)).toBeNull();
  });
});

describe("ottoReadingMs", () => {
  it("keeps every line up at least 60 ms a character, with no cap", () => {
    for (const n of [1, 20, 100, 280, 600]) {
      expect(ottoReadingMs("x".repeat(n))).toBeGreaterThanOrEqual(n * OTTO_MS_PER_CHAR);
    }
    expect(ottoReadingMs("x".repeat(280))).toBeGreaterThan(12_000);
    expect(ottoReadingMs("Hi")).toBe(4_000);
  });
});
