import { describe, expect, it } from "vitest";
import { checkPacketText, nestsDeeperThan, readEventName, readPacketHeader } from "./packetBounds.ts";

const limits = { maxBytes: 16 * 1024, maxDepth: 8 };

describe("readPacketHeader", () => {
  it.each([
    ['2["a"]', { type: 2, attachments: 0, nsp: "/", id: undefined, dataStart: 1 }],
    ['212["a"]', { type: 2, attachments: 0, nsp: "/", id: 12, dataStart: 3 }],
    ['2/devices,7["soe:batch",{}]', { type: 2, attachments: 0, nsp: "/devices", id: 7, dataStart: 11 }],
    [
      '51-/devices,["x",{"_placeholder":true,"num":0}]',
      { type: 5, attachments: 1, nsp: "/devices", id: undefined, dataStart: 12 },
    ],
    ['0{"token":"t"}', { type: 0, attachments: 0, nsp: "/", id: undefined, dataStart: 1 }],
  ])("reads %s", (text, header) => {
    expect(readPacketHeader(text)).toEqual(header);
  });

  it.each([
    "",
    "9[]",
    "x",
    "5-[]",
    "5x-[]",
    "51234-[]",
    `2/${"n".repeat(300)},[]`,
    `2${"9".repeat(20)}[]`,
  ])("refuses %s", (text) => {
    expect(readPacketHeader(text)).toBeNull();
  });
});

describe("nestsDeeperThan", () => {
  it("counts brackets outside strings only, and stops early", () => {
    expect(nestsDeeperThan('[{"a":[1]}]', 0, 3)).toBe(false);
    expect(nestsDeeperThan('[{"a":[[1]]}]', 0, 3)).toBe(true);
    expect(nestsDeeperThan('["[[[[[[[[[[", "\\"[[[[[["]', 0, 1)).toBe(false);
  });

  it("scans 100,000 levels without recursion", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(nestsDeeperThan(deep, 0, 8)).toBe(true);
    expect(nestsDeeperThan(deep, 0, 200_000)).toBe(false);
  });
});

describe("checkPacketText", () => {
  const check = (text: string) => checkPacketText(text, readPacketHeader(text)!, limits);

  it("passes a normal command, refuses large and deep ones", () => {
    expect(check('21["otto:ask",{"question":"how_long"}]')).toBeNull();
    expect(check(`21["otto:ask",{"question":"${"x".repeat(17_000)}"}]`)).toBe("too_large");
    expect(check(`21["otto:ask",{"question":${"[".repeat(6_000)}${"]".repeat(6_000)}}]`)).toBe("too_deep");
  });

  it("counts bytes, not characters", () => {
    expect(check(`2["a","${"é".repeat(9_000)}"]`)).toBe("too_large");
    expect(check(`2["a","${"e".repeat(9_000)}"]`)).toBeNull();
  });
});

describe("readEventName", () => {
  it.each([
    ['["otto:ask",{}]', "otto:ask"],
    ['[ "a\\"b" ]', 'a"b'],
    ["[42,{}]", 42],
    ["{}", null],
    [`["${"x".repeat(300)}"]`, null],
    ['["unterminated', null],
  ])("reads %s", (text, name) => {
    expect(readEventName(text, 0)).toEqual(name);
  });
});
