import { describe, expect, it } from "vitest";
import { pairCodeFromQr } from "./pairingScan.ts";

describe("reading the pairing code from the headset's QR code", () => {
  it.each([
    ["https://chairside.clinic.example/staff.html?pair=K7M3QX", "K7M3QX"],
    ["http://192.168.1.20:8080/staff.html?pair=k7m-3qx", "K7M3QX"],
    ["K7M3QX", "K7M3QX"],
    ["https://chairside.clinic.example/staff.html", null],
    ["https://evil.example/?pair=K7M3Q0", null],
    ["javascript:alert(1)", null],
    ["", null],
  ])("%s → %s", (text, code) => {
    expect(pairCodeFromQr(text)).toBe(code);
  });
});
