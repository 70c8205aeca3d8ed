import type { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { HostNames, hostnameOf, originAllowed } from "./hostAndOrigin.ts";

type Interfaces = ReturnType<typeof networkInterfaces>;

function lan(...addresses: string[]): () => Interfaces {
  return () => ({
    eth0: addresses.map((address) => ({
      address,
      netmask: "255.255.255.0",
      family: address.includes(":") ? ("IPv6" as const) : ("IPv4" as const),
      mac: "00:00:00:00:00:00",
      internal: false,
      cidr: null,
      ...(address.includes(":") ? { scopeid: 0 } : {}),
    })) as Interfaces[string],
  });
}

describe("hostnameOf", () => {
  it.each([
    ["localhost:8080", "localhost"],
    ["LOCALHOST", "localhost"],
    ["[::1]:8080", "::1"],
    ["192.168.1.20:8443", "192.168.1.20"],
    ["chairside.clinic.example.", "chairside.clinic.example"],
    [undefined, null],
    ["", null],
    ["user@localhost", null],
    ["localhost/path", null],
    ["a b", null],
    ["localhost:99999999", null],
    [`${"a".repeat(400)}.example`, null],
  ])("%s -> %s", (header, name) => {
    expect(hostnameOf(header)).toBe(name);
  });
});

describe("HostNames", () => {
  it("answers loopback, the LAN addresses, configured names and a specific listen address", () => {
    const hosts = new HostNames(
      ["chairside.clinic.example"],
      "10.0.0.9",
      lan("192.168.1.20", "fe80::1%eth0"),
    );
    for (const host of [
      "localhost:8080",
      "127.0.0.1",
      "[::1]:8080",
      "192.168.1.20:8080",
      "[fe80::1]:8080",
      "chairside.clinic.example",
      "10.0.0.9",
    ]) {
      expect(hosts.allows(host), host).toBe(true);
    }
    for (const host of ["evil.example", "192.168.1.21", "localhost.evil.example", "0.0.0.0", undefined]) {
      expect(hosts.allows(host), String(host)).toBe(false);
    }
  });

  it("picks up a new LAN address, reading the interfaces at most every 10 s", () => {
    let addresses = ["192.168.1.20"];
    let reads = 0;
    let now = 0;
    const interfaces = () => {
      reads++;
      return lan(...addresses)();
    };
    const hosts = new HostNames([], "0.0.0.0", interfaces, () => now);
    addresses = ["192.168.1.77"];
    now = 5_000;
    expect(hosts.allows("192.168.1.77")).toBe(false);
    expect(hosts.allows("evil.example")).toBe(false);
    expect(reads).toBe(1);
    now = 10_000;
    expect(hosts.allows("192.168.1.77")).toBe(true);
    expect(hosts.allows("192.168.1.20")).toBe(false);
    expect(reads).toBe(2);
  });
});

describe("originAllowed", () => {
  const own = "http://localhost:8080";
  const extra = new Set(["https://chart.clinic.example"]);
  it.each([
    [undefined, true],
    ["http://localhost:8080", true],
    ["HTTP://LOCALHOST:8080", true],
    ["https://chart.clinic.example", true],
    ["https://chart.clinic.example:443", true],
    ["http://localhost:8081", false],
    ["https://localhost:8080", false],
    ["http://chart.clinic.example", false],
    ["https://evil.example", false],
    ["null", false],
    ["file://", false],
    ["", false],
  ])("%s -> %s", (origin, allowed) => {
    expect(originAllowed(origin, own, extra)).toBe(allowed);
  });
});
