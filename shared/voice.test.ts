import { describe, expect, it } from "vitest";
import {
  type AudioEnergy,
  isOfferer,
  levelBetween,
  parseIceServers,
  recordingAllowed,
  voiceDescriptionSchema,
  voiceIceSchema,
} from "./voice.ts";

describe("voice rules", () => {
  it("CHAIRSIDE_ICE_SERVERS: unset is LAN only; a JSON list of stun:/turn: servers; anything else a clear error", () => {
    expect(parseIceServers(undefined)).toEqual({ ok: true, value: [] });
    expect(parseIceServers("  ")).toEqual({ ok: true, value: [] });
    const turn = [
      { urls: ["stun:turn.clinic.lan:3478", "turn:turn.clinic.lan:3478"], username: "u", credential: "p" },
    ];
    expect(parseIceServers(JSON.stringify(turn))).toEqual({ ok: true, value: turn });
    const bad: [string, RegExp][] = [
      ["stun:x", /not JSON/],
      ['{"urls":"stun:x"}', /expected array/],
      ['[{"urls":"http://x"}]', /not a stun:/],
      ['[{"urls":"stun:x","secret":1}]', /Unrecognized key/],
    ];
    for (const [raw, message] of bad) {
      const r = parseIceServers(raw);
      expect(r.ok, raw).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    }
  });

  it("exactly one of two peers offers", () => {
    expect(isOfferer("m-a", "m-b")).toBe(true);
    expect(isOfferer("m-b", "m-a")).toBe(false);
    expect(isOfferer("m-a", "m-a")).toBe(false);
  });

  it("nothing is recorded without the room's consent", () => {
    expect(recordingAllowed(null)).toBe(false);
    expect(recordingAllowed({ grantedAt: null })).toBe(false);
    expect(recordingAllowed({ grantedAt: 1 })).toBe(true);
  });

  it("signal schemas bound their size and refuse extra keys", () => {
    expect(voiceDescriptionSchema.safeParse({ to: "m-a", sdp: "v=0" }).success).toBe(true);
    expect(voiceDescriptionSchema.safeParse({ to: "m-a", sdp: "x".repeat(12_001) }).success).toBe(false);
    expect(voiceDescriptionSchema.safeParse({ to: "m-a", sdp: "v=0", from: "m-b" }).success).toBe(false);
    expect(
      voiceIceSchema.safeParse({ to: "m-a", candidate: { candidate: "", sdpMid: "0", sdpMLineIndex: 0 } })
        .success,
    ).toBe(true);
  });

  it("a speaker's level comes from the audio received between two readings", () => {
    // One 20 ms beep at level 0.5 in half a second of silence: energy 0.5² × 0.02 over 0.5 s.
    const table: [AudioEnergy | null, AudioEnergy, number | null][] = [
      [null, { energy: 1, duration: 1 }, null],
      [{ energy: 0, duration: 10 }, { energy: 0.005, duration: 10.5 }, 0.1],
      [{ energy: 2, duration: 10 }, { energy: 2, duration: 10.5 }, 0],
      // Muted: nothing received, no level (not "silent").
      [{ energy: 2, duration: 10 }, { energy: 2, duration: 10 }, null],
      // A fresh receiver starts its totals again.
      [{ energy: 2, duration: 10 }, { energy: 0.1, duration: 0.5 }, null],
      [{ energy: 0, duration: 0 }, { energy: 4, duration: 1 }, 1],
    ];
    for (const [before, now, level] of table) {
      const got = levelBetween(before, now);
      if (level === null) expect(got).toBeNull();
      else expect(got).toBeCloseTo(level, 6);
    }
  });
});
