import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateSecret, publishSecret } from "./tokens.ts";

describe("the signing secret", () => {
  it("is created once, readable by its owner only, and the same on every later start", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "chairside-secret-")), "data");
    const first = loadOrCreateSecret(dir);
    expect(first).toHaveLength(32);
    expect(statSync(join(dir, "signing-secret.key")).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecret(dir).equals(first)).toBe(true);
    expect(readdirSync(dir)).toEqual(["signing-secret.key"]);
  });

  it("leaves a secret another process wrote first in place and uses it", () => {
    const dir = mkdtempSync(join(tmpdir(), "chairside-secret-"));
    const path = join(dir, "signing-secret.key");
    const theirs = Buffer.alloc(32, 7);
    writeFileSync(path, `${theirs.toString("hex")}\n`, { mode: 0o600 });
    expect(publishSecret(path, Buffer.alloc(32, 9)).equals(theirs)).toBe(true);
    expect(readFileSync(path, "utf8").trim()).toBe(theirs.toString("hex"));
    expect(readdirSync(dir)).toEqual(["signing-secret.key"]);
  });
});
