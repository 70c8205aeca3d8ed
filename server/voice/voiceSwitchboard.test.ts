import { describe, expect, it } from "vitest";
import { VoiceSwitchboard } from "./voiceSwitchboard.ts";

describe("VoiceSwitchboard", () => {
  it("relays only between two members on the same room's line", () => {
    const board = new VoiceSwitchboard();
    board.connect("r1", "a", "a");
    board.connect("r1", "b", "b");
    board.connect("r2", "c", "c");
    const table: [string, string, string, boolean][] = [
      ["r1", "a", "b", true],
      ["r1", "b", "a", true],
      ["r1", "a", "a", false],
      ["r1", "a", "c", false],
      ["r2", "c", "a", false],
      ["r1", "x", "a", false],
      ["r3", "a", "b", false],
    ];
    for (const [room, from, to, ok] of table)
      expect(board.mayRelay(room, from, to), `${room} ${from}→${to}`).toBe(ok);
    board.disconnect("r1", "b");
    expect(board.mayRelay("r1", "a", "b")).toBe(false);
  });

  it("lists the others with their mute state; the host's mute outlives a reconnect", () => {
    const board = new VoiceSwitchboard();
    board.connect("g", "host", "host");
    board.connect("g", "p1", "p1");
    board.setMuted("g", "host", true);
    expect(board.peersOf("g", "p1")).toEqual([{ memberId: "host", label: "host", muted: true, line: 0 }]);
    board.setMutedByHost("g", "p1", true);
    board.connect("g", "p1", "p1");
    expect(board.isMutedByHost("g", "p1")).toBe(true);
    expect(board.peersOf("g", "host")).toEqual([{ memberId: "p1", label: "p1", muted: true, line: 0 }]);
    expect(board.setMuted("g", "nobody", true)).toBe(false);
  });

  it("a member back on a new connection is a new line: signals meant for the old one are stale", () => {
    const board = new VoiceSwitchboard();
    board.connect("r", "clinician", "Clinician", 1);
    board.connect("r", "patient", "Patient", 2);
    expect(board.peersOf("r", "clinician")).toEqual([
      { memberId: "patient", label: "Patient", muted: false, line: 2 },
    ]);
    board.setMuted("r", "patient", true);
    // The patient's window took its seat back (or its link dropped): same member, new line, mute kept.
    board.connect("r", "patient", "Patient", 5);
    expect(board.peersOf("r", "clinician")).toEqual([
      { memberId: "patient", label: "Patient", muted: true, line: 5 },
    ]);
    const table: [number | undefined, boolean][] = [
      [undefined, true],
      [5, true],
      [2, false],
      [6, false],
    ];
    for (const [line, live] of table) expect(board.isLive("r", "patient", line), `line ${line}`).toBe(live);
    expect(board.isLive("r", "nobody", undefined)).toBe(false);
    board.disconnect("r", "patient");
    expect(board.isLive("r", "patient", 5)).toBe(false);
  });
});
