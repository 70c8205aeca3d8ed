import { describe, expect, it } from "vitest";
import { formatClock, formatTime } from "./format.ts";

describe("times on the panel", () => {
  const at = new Date(2026, 10, 27, 9, 5, 7).getTime();

  it("shows hours and minutes, no seconds", () => {
    expect(formatTime(at)).toBe("09:05");
    expect(formatTime(new Date(2026, 10, 27, 0, 0, 0).getTime())).toBe("00:00");
  });

  it("keeps seconds only for the clock where they matter (quarantine boundaries)", () => {
    expect(formatClock(at)).toBe("09:05:07");
  });
});
