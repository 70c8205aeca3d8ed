import { describe, expect, it } from "vitest";
import {
  confirmationText,
  formatDateTime,
  historyLine,
  quarantineResultText,
  reasonReady,
} from "./firmwareText.ts";

const AT = new Date(2026, 10, 26, 9, 5, 7).getTime();

describe("firmware quarantine words", () => {
  it("shows dates with the time, since quarantines can be days old", () => {
    expect(formatDateTime(AT)).toBe("2026-11-26 09:05:07");
  });

  it.each([
    ["", false],
    ["bad", false],
    ["   bad fw   ", false],
    ["stuck pH values", true],
  ])("reason %j is ready: %s", (reason, ready) => {
    expect(reasonReady(reason)).toBe(ready);
  });

  it("states the counts in the confirmation, and that retractions stay", () => {
    const text = confirmationText({ firmware: "2.3.1", since: AT, devices: 10, patients: 2, readings: 1 });
    expect(text).toBe(
      "Firmware 2.3.1 is in normal use in this clinic. Quarantining it flags 10 devices of 2 patients " +
        "and retracts 1 reading taken since 2026-11-26 09:05:07. Retracted readings stay retracted " +
        "even if the quarantine is lifted later.",
    );
  });

  it("says what a quarantine did", () => {
    expect(quarantineResultText("2.4.0-beta.1", { devices: 1, patients: 1, retracted: 40 })).toBe(
      "Firmware 2.4.0-beta.1: 1 device flagged, 40 readings retracted.",
    );
  });

  it("writes one history line per quarantine and lift, with who and why", () => {
    expect(
      historyLine({
        action: "quarantine",
        firmware: "2.4.0-beta.1",
        since: AT,
        at: AT,
        by: "dr-ray",
        reason: "Stuck values",
        retracted: 3,
      }),
    ).toBe(
      "2026-11-26 09:05:07 · Quarantined 2.4.0-beta.1 by dr-ray (readings since 2026-11-26 09:05:07, 3 readings retracted): Stuck values",
    );
    expect(
      historyLine({ action: "lift", firmware: "2.4.0-beta.1", at: AT, by: "dr-ray", reason: "Vendor fix" }),
    ).toBe("2026-11-26 09:05:07 · Lifted 2.4.0-beta.1 by dr-ray: Vendor fix");
  });
});
