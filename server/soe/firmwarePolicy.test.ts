import { describe, expect, it } from "vitest";
import { ErrorCode, type FirmwareAction } from "../../shared/protocol.ts";
import { firmwareVersionSchema } from "../../shared/schemas.ts";
import { FirmwareChannel } from "../clinic.ts";
import {
  activeQuarantines,
  checkSince,
  decideLift,
  decideQuarantine,
  type FirmwareFacts,
  MAX_RETRACTION_MS,
} from "./firmwarePolicy.ts";

const NOW = 1_800_000_000_000;

function facts(over: Partial<FirmwareFacts> = {}): FirmwareFacts {
  return {
    listed: undefined,
    seen: true,
    active: false,
    clinicDevices: 10,
    impact: { firmware: "2.4.0-beta.1", since: NOW - 1000, devices: 1, patients: 1, readings: 40 },
    ...over,
  };
}

const ask = (confirm = false) => ({ firmware: "2.4.0-beta.1", since: NOW - 1000, confirm });

describe("firmware version names", () => {
  it.each([
    ["2.3.1", true],
    ["2.4.0-beta.1", true],
    ["10.0.12-rc1", true],
    ["2.3", false],
    ["2", false],
    ["2.*", false],
    ["2.3.*", false],
    ["*", false],
    ["2.3.1*", false],
    ["2.3.1 ", false],
    ["%", false],
    ["", false],
  ])("%s is an exact version: %s", (version, exact) => {
    expect(firmwareVersionSchema.safeParse(version).success).toBe(exact);
  });
});

describe("retraction window", () => {
  it.each([
    ["now", NOW, true],
    ["a minute ago", NOW - 60_000, true],
    ["exactly 30 days ago", NOW - MAX_RETRACTION_MS, true],
    ["just over 30 days ago", NOW - MAX_RETRACTION_MS - 1, false],
    ["the beginning of time", 0, false],
    ["the future", NOW + 1, false],
  ])("since %s: allowed %s", (_, since, allowed) => {
    expect(checkSince(since, NOW).ok).toBe(allowed);
  });
});

describe("decideQuarantine", () => {
  it("refuses a version the clinic does not know", () => {
    expect(decideQuarantine(ask(true), facts({ seen: false }), NOW)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.notFound },
    });
  });

  it("knows a version from the firmware list even before any device reported it", () => {
    const listed = { version: "2.4.0-beta.1", channel: FirmwareChannel.beta };
    expect(decideQuarantine(ask(), facts({ seen: false, listed }), NOW)).toEqual({ ok: true, value: null });
  });

  it("refuses an active quarantine of the same version", () => {
    expect(decideQuarantine(ask(true), facts({ active: true }), NOW)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.illegalTransition },
    });
  });

  it("lets a beta on a few devices go ahead without confirmation", () => {
    expect(decideQuarantine(ask(), facts(), NOW)).toEqual({ ok: true, value: null });
  });

  it.each([
    ["a release in the firmware list", { listed: { version: "2.3.1", channel: FirmwareChannel.release } }],
    ["an unlisted version on half the devices", { impact: { ...facts().impact, devices: 5 } }],
  ])("asks to confirm %s, with the counts", (_, over) => {
    const f = facts(over);
    const result = decideQuarantine(ask(), f, NOW);
    expect(result).toMatchObject({
      ok: false,
      error: { code: ErrorCode.confirmationRequired, impact: f.impact },
    });
    expect(decideQuarantine(ask(true), f, NOW)).toEqual({ ok: true, value: null });
  });

  it("checks the window before anything else", () => {
    expect(decideQuarantine({ ...ask(true), since: 0 }, facts(), NOW)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload },
    });
  });
});

describe("lift and the active set", () => {
  it("lifts only an active quarantine", () => {
    expect(decideLift("2.3.1", true).ok).toBe(true);
    expect(decideLift("2.3.1", false)).toMatchObject({ ok: false, error: { code: ErrorCode.notFound } });
  });

  it("replays a clinic's history: the last action per version wins", () => {
    const q = (firmware: string, at: number): FirmwareAction => ({
      action: "quarantine",
      firmware,
      since: 0,
      at,
      by: "dr-ray",
      reason: "stuck values",
      retracted: 0,
    });
    const lift = (firmware: string, at: number): FirmwareAction => ({
      action: "lift",
      firmware,
      at,
      by: "dr-ray",
      reason: "fixed by vendor",
    });
    expect(activeQuarantines([])).toEqual(new Set());
    expect(activeQuarantines([q("a", 1), q("b", 2), lift("a", 3)])).toEqual(new Set(["b"]));
    expect(activeQuarantines([q("a", 1), lift("a", 2), q("a", 3)])).toEqual(new Set(["a"]));
  });
});
