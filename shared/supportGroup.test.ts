import { describe, expect, it } from "vitest";
import { clinicTime, zonedIso, zoneOffsetMinutes } from "./supportGroup.ts";

describe("the clinic's wall clock for scheduled sessions", () => {
  it.each([
    // date, time, zone, ISO the host means
    ["2026-12-03", "18:00", "Europe/Berlin", "2026-12-03T18:00:00+01:00"],
    ["2026-07-03", "18:00", "Europe/Berlin", "2026-07-03T18:00:00+02:00"],
    ["2026-12-03", "09:30", "America/New_York", "2026-12-03T09:30:00-05:00"],
    ["2026-12-03", "09:30", "Asia/Kolkata", "2026-12-03T09:30:00+05:30"],
    ["2026-12-03", "00:15", "UTC", "2026-12-03T00:15:00+00:00"],
    // The night Berlin's clocks go back (03:00 summer time becomes 02:00): before and after it.
    ["2026-10-25", "03:30", "Europe/Berlin", "2026-10-25T03:30:00+01:00"],
    ["2026-10-25", "01:30", "Europe/Berlin", "2026-10-25T01:30:00+02:00"],
  ])("%s %s in %s is %s", (date, time, zone, iso) => {
    expect(zonedIso(date, time, zone)).toBe(iso);
    // And it reads back as the same wall clock in that zone.
    expect(clinicTime(iso, zone)).toContain(time);
  });

  it("knows the offset in force at an instant", () => {
    expect(zoneOffsetMinutes("Europe/Berlin", Date.parse("2026-01-15T12:00:00Z"))).toBe(60);
    expect(zoneOffsetMinutes("Europe/Berlin", Date.parse("2026-06-15T12:00:00Z"))).toBe(120);
    expect(zoneOffsetMinutes("America/St_Johns", Date.parse("2026-01-15T12:00:00Z"))).toBe(-210);
  });

  // The DST edges of a clinic in Amsterdam (clocks back 25 Oct 2026 at
  // 03:00 CEST to 02:00 CET, forward 29 Mar 2026 at 02:00 CET to 03:00 CEST) and New York.
  it.each([
    // date, time, zone, ISO the host gets, the instant in UTC, how the page reads it back
    [
      "2026-10-25",
      "01:59",
      "Europe/Amsterdam",
      "2026-10-25T01:59:00+02:00",
      "2026-10-24T23:59:00.000Z",
      "01:59 CEST",
    ],
    // 02:00-02:59 happens twice that night: the first one (still summer time), as calendars do.
    [
      "2026-10-25",
      "02:00",
      "Europe/Amsterdam",
      "2026-10-25T02:00:00+02:00",
      "2026-10-25T00:00:00.000Z",
      "02:00 CEST",
    ],
    [
      "2026-10-25",
      "02:30",
      "Europe/Amsterdam",
      "2026-10-25T02:30:00+02:00",
      "2026-10-25T00:30:00.000Z",
      "02:30 CEST",
    ],
    [
      "2026-10-25",
      "03:00",
      "Europe/Amsterdam",
      "2026-10-25T03:00:00+01:00",
      "2026-10-25T02:00:00.000Z",
      "03:00 CET",
    ],
    [
      "2026-10-25",
      "18:30",
      "Europe/Amsterdam",
      "2026-10-25T18:30:00+01:00",
      "2026-10-25T17:30:00.000Z",
      "18:30 CET",
    ],
    [
      "2026-10-24",
      "18:30",
      "Europe/Amsterdam",
      "2026-10-24T18:30:00+02:00",
      "2026-10-24T16:30:00.000Z",
      "18:30 CEST",
    ],
    // 02:30 does not exist on 29 Mar: it moves forward by the hour skipped.
    [
      "2026-03-29",
      "02:30",
      "Europe/Amsterdam",
      "2026-03-29T03:30:00+02:00",
      "2026-03-29T01:30:00.000Z",
      "03:30 CEST",
    ],
    [
      "2026-03-29",
      "01:59",
      "Europe/Amsterdam",
      "2026-03-29T01:59:00+01:00",
      "2026-03-29T00:59:00.000Z",
      "01:59 CET",
    ],
    [
      "2026-11-01",
      "01:30",
      "America/New_York",
      "2026-11-01T01:30:00-04:00",
      "2026-11-01T05:30:00.000Z",
      "01:30 GMT-4",
    ],
    [
      "2026-03-08",
      "02:30",
      "America/New_York",
      "2026-03-08T03:30:00-04:00",
      "2026-03-08T07:30:00.000Z",
      "03:30 GMT-4",
    ],
    // A half-hour change (Lord Howe Island goes back from +11:00 to +10:30 on 5 Apr 2026 at 02:00).
    [
      "2026-04-05",
      "01:45",
      "Australia/Lord_Howe",
      "2026-04-05T01:45:00+11:00",
      "2026-04-04T14:45:00.000Z",
      "01:45 GMT+11",
    ],
  ])("%s %s in %s is %s (%s), read back as %s", (date, time, zone, iso, utc, shown) => {
    expect(zonedIso(date, time, zone)).toBe(iso);
    expect(new Date(iso).toISOString()).toBe(utc);
    expect(clinicTime(iso, zone)).toContain(shown);
  });

  it("tells the two 02:30s of Amsterdam's fall-back night apart", () => {
    const first = clinicTime("2026-10-25T00:30:00Z", "Europe/Amsterdam");
    const second = clinicTime("2026-10-25T01:30:00Z", "Europe/Amsterdam");
    expect(first).toMatch(/25 Oct 2026, 02:30 CEST$/);
    expect(second).toMatch(/25 Oct 2026, 02:30 CET$/);
  });

  it("refuses a date that is not one", () => {
    expect(() => zonedIso("2026-13-40", "18:00", "UTC")).toThrow(RangeError);
  });
});
