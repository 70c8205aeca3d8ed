import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DatabaseKeyError, encryptExistingDatabase } from "./encryption.ts";
import { SqliteStorage } from "./sqliteStorage.ts";
import { openWorkerStorage } from "./workerStorage.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "chairside-enc-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SECRET = "Julian Okafor, lower left first molar";
const PLAIN_HEADER = Buffer.from("SQLite format 3\0");

async function writeSecret(path: string, key?: string): Promise<void> {
  const storage = new SqliteStorage(path, key ? { key } : {});
  await storage.audit({ at: 1, who: "dr-okafor", action: "record.read", subject: SECRET, why: "" });
  await storage.close();
}

/** Every file of the folder with its bytes, to prove a failed open wrote nothing. */
function snapshot(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

// Each keyed open derives the key (PBKDF2, 256 000 rounds): about a second on this shared machine.
describe("encryption at rest", { timeout: 60_000 }, () => {
  it("with a key the file on disk is ciphertext, and the same key reads it back", async () => {
    const dir = tempDir();
    const path = join(dir, "chairside.db");
    await writeSecret(path, "correct horse");
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 16).equals(PLAIN_HEADER)).toBe(false);
    expect(bytes.includes(SECRET)).toBe(false);
    const again = new SqliteStorage(path, { key: "correct horse" });
    expect((await again.auditLog(10)).map((e) => e.subject)).toEqual([SECRET]);
    await again.close();
  });

  it("without a key the file is plain SQLite (what the start-up warning says)", async () => {
    const dir = tempDir();
    const path = join(dir, "chairside.db");
    await writeSecret(path);
    expect(readFileSync(path).subarray(0, 16).equals(PLAIN_HEADER)).toBe(true);
  });

  it("a wrong key, or none, is a typed error and leaves every byte on disk as it was", async () => {
    const dir = tempDir();
    const path = join(dir, "chairside.db");
    await writeSecret(path, "correct horse");
    const before = snapshot(dir);
    expect(() => new SqliteStorage(path, { key: "wrong horse" })).toThrow(DatabaseKeyError);
    expect(() => new SqliteStorage(path)).toThrow(/encrypted \(set CHAIRSIDE_DB_KEY\)/);
    expect(snapshot(dir)).toEqual(before);
    // Through the storage thread the server uses, the same typed error reaches the start-up.
    await expect(openWorkerStorage(path, { key: "wrong horse" })).rejects.toMatchObject({
      name: "DatabaseKeyError",
      code: "DB_KEY_REJECTED",
    });
    expect(snapshot(dir)).toEqual(before);
  });

  it("an existing plain folder is encrypted in place (rekey) and keeps its data", async () => {
    const dir = tempDir();
    const path = join(dir, "chairside.db");
    await writeSecret(path);
    encryptExistingDatabase(path, "new key");
    expect(readFileSync(path).includes(SECRET)).toBe(false);
    expect(existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`).includes(SECRET) : false).toBe(false);
    expect(() => new SqliteStorage(path)).toThrow(DatabaseKeyError);
    const opened = new SqliteStorage(path, { key: "new key" });
    expect((await opened.auditLog(10)).map((e) => e.subject)).toEqual([SECRET]);
    await opened.close();
  });
});
