/** The real server with CHAIRSIDE_DB_KEY: encrypted file, restart with the key, wrong key refused with nothing changed. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer } from "../harness.ts";

const dirs: string[] = [];
afterEach(() => {
  delete process.env.CHAIRSIDE_DB_KEY;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(
    readdirSync(dir)
      .filter((f) => f.startsWith("chairside.db"))
      .map((f) => [f, readFileSync(join(dir, f))]),
  );
}

describe("encryption at rest, through the server's start", { timeout: 120_000 }, () => {
  it("stores ciphertext, restarts with the key, and a wrong key stops the start with nothing changed", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chairside-enc-it-"));
    dirs.push(dataDir);
    process.env.CHAIRSIDE_DB_KEY = "clinic key one";
    const first = await startTestServer({ dataDir });
    await first.storage.audit({
      at: 1,
      who: "dr-okafor",
      action: "record.read",
      subject: "Julian's record",
      why: "",
    });
    const written = (await first.storage.auditLog(1000)).length;
    await first.stopAsync();
    const db = readFileSync(join(dataDir, "chairside.db"));
    expect(db.subarray(0, 15).toString("latin1")).not.toBe("SQLite format 3");
    expect(db.includes("Julian's record")).toBe(false);

    const before = snapshot(dataDir);
    process.env.CHAIRSIDE_DB_KEY = "not the clinic key";
    await expect(startTestServer({ dataDir })).rejects.toMatchObject({ name: "DatabaseKeyError" });
    expect(snapshot(dataDir)).toEqual(before);

    process.env.CHAIRSIDE_DB_KEY = "clinic key one";
    const again = await startTestServer({ dataDir });
    const log = await again.storage.auditLog(1000);
    expect(log.length).toBeGreaterThanOrEqual(written);
    expect(log.some((e) => e.subject === "Julian's record")).toBe(true);
    await again.stopAsync();
  });
});
