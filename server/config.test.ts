import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

describe("loadConfig: host names and origins", () => {
  it("defaults to none: the server's own names and origin only", () => {
    expect(loadConfig({})).toMatchObject({ hostnames: [], allowedOrigins: [] });
  });

  it("reads comma-separated lists, normalised as browsers send them", () => {
    const config = loadConfig({
      CHAIRSIDE_HOSTNAMES: " Chairside.Clinic.Example. , [fe80::1],192.168.1.20",
      CHAIRSIDE_ALLOWED_ORIGINS: "https://Chart.Clinic.Example/, http://10.0.0.5:8080, https://x.example:443",
    });
    expect(config.hostnames).toEqual(["chairside.clinic.example", "fe80::1", "192.168.1.20"]);
    expect(config.allowedOrigins).toEqual([
      "https://chart.clinic.example",
      "http://10.0.0.5:8080",
      "https://x.example",
    ]);
  });

  it.each([
    ["CHAIRSIDE_HOSTNAMES", "evil.example/path"],
    ["CHAIRSIDE_HOSTNAMES", "user@host"],
    ["CHAIRSIDE_HOSTNAMES", "*"],
    ["CHAIRSIDE_ALLOWED_ORIGINS", "chart.clinic.example"],
    ["CHAIRSIDE_ALLOWED_ORIGINS", "https://chart.clinic.example/app"],
    ["CHAIRSIDE_ALLOWED_ORIGINS", "ftp://chart.clinic.example"],
    ["CHAIRSIDE_ALLOWED_ORIGINS", "*"],
  ])("refuses %s=%s with a message that names the variable", (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(key);
  });
});

describe("loadConfig: the demo", () => {
  it.each([
    [{}, true, 0],
    [{ CHAIRSIDE_DEMO: "false" }, false, 0],
    [{ CHAIRSIDE_DEMO: "true", CHAIRSIDE_DEMO_LINKS: "false" }, true, 0],
    [{ CHAIRSIDE_DEMO_LINKS: "false" }, false, 1],
    [{ CHAIRSIDE_DEMO_LINKS: "1" }, true, 1],
  ])("reads CHAIRSIDE_DEMO, and the old CHAIRSIDE_DEMO_LINKS with a warning: %j", (env, demo, warnings) => {
    const config = loadConfig(env);
    expect(config.demo).toBe(demo);
    expect(config.warnings).toHaveLength(warnings);
  });

  it("refuses a demo flag that is neither true nor false", () => {
    expect(() => loadConfig({ CHAIRSIDE_DEMO: "maybe" })).toThrow("CHAIRSIDE_DEMO");
  });
});

describe("loadConfig: the clinic's time zone", () => {
  it("defaults to the server's own zone", () => {
    expect(loadConfig({}).clinicTimeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it("reads an IANA zone and spells it as the time zone data does", () => {
    expect(loadConfig({ CHAIRSIDE_CLINIC_TIME_ZONE: "Europe/Amsterdam" }).clinicTimeZone).toBe(
      "Europe/Amsterdam",
    );
    expect(loadConfig({ CHAIRSIDE_CLINIC_TIME_ZONE: " europe/amsterdam " }).clinicTimeZone).toBe(
      "Europe/Amsterdam",
    );
  });

  it("refuses a zone that does not exist, naming the setting", () => {
    expect(() => loadConfig({ CHAIRSIDE_CLINIC_TIME_ZONE: "Europe/Atlantis" })).toThrow(
      /CHAIRSIDE_CLINIC_TIME_ZONE must be an IANA time zone/,
    );
  });
});
