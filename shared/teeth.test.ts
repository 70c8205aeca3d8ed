import { describe, expect, it } from "vitest";
import { PERMANENT_TEETH, toothLabel, toothNumber, toPalmer, toUniversal } from "./teeth.ts";

describe("tooth notations (DOMAIN.md)", () => {
  it.each([
    [18, "18", "1", "UR8"],
    [16, "16", "3", "UR6"],
    [11, "11", "8", "UR1"],
    [21, "21", "9", "UL1"],
    [28, "28", "16", "UL8"],
    [38, "38", "17", "LL8"],
    [36, "36", "19", "LL6"],
    [31, "31", "24", "LL1"],
    [41, "41", "25", "LR1"],
    [48, "48", "32", "LR8"],
  ])("FDI %i is %s / Universal %s / Palmer %s", (fdi, f, u, p) => {
    expect(toothNumber(fdi, "fdi")).toBe(f);
    expect(toothNumber(fdi, "universal")).toBe(u);
    expect(toothNumber(fdi, "palmer")).toBe(p);
  });

  it("numbers every permanent tooth once in each notation", () => {
    const universal = new Set(PERMANENT_TEETH.map(toUniversal));
    expect([...universal].sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(new Set(PERMANENT_TEETH.map(toPalmer)).size).toBe(32);
  });

  it("labels a tooth with its name in the chosen notation, FDI by default", () => {
    expect(toothLabel(36)).toBe("36 · lower left first molar");
    expect(toothLabel(36, "universal")).toBe("19 · lower left first molar");
    expect(toothLabel(16, "palmer")).toBe("UR6 · upper right first molar");
  });

  it("leaves a number that is not a permanent tooth as it is", () => {
    expect(toothNumber(55, "palmer")).toBe("55");
  });
});
