/**
 * The data folder holds patient data and the signing secret: 0700, every file in it 0600, on a first
 * start and on a folder an older version left readable to everyone.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer } from "../harness.ts";

const root = mkdtempSync(join(tmpdir(), "chairside-modes-"));
let umask = 0;
beforeEach(() => {
  // The usual umask of a login shell, under which files come out world-readable unless the server acts.
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Every entry under `dir` (itself included) with its permission bits. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { ".": (statSync(dir).mode & 0o777).toString(8) };
  const walk = (at: string, prefix: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      out[`${prefix}${entry.name}`] = (statSync(path).mode & 0o777).toString(8);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
    }
  };
  walk(dir, "");
  return out;
}

/** Starts a server on `dataDir`, writes to the database (so the WAL exists), and reads the modes while it runs. */
async function modesWhileRunning(dataDir: string): Promise<Record<string, string>> {
  const server = await startTestServer({ dataDir });
  try {
    await server.storage.audit({
      at: Date.now(),
      who: "test",
      action: "write",
      subject: "modes",
      why: "test",
    });
    return modes(dataDir);
  } finally {
    await server.stopAsync();
  }
}

describe("data folder", () => {
  it("is created 0700 with the database, its WAL files and the secret 0600", async () => {
    const dataDir = join(root, "fresh", "data");
    const seen = await modesWhileRunning(dataDir);
    expect(seen).toMatchObject({
      ".": "700",
      "chairside.db": "600",
      "chairside.db-wal": "600",
      "chairside.db-shm": "600",
      "signing-secret.key": "600",
    });
    expect(Object.entries(seen).filter(([, mode]) => mode !== "600" && mode !== "700")).toEqual([]);
  });

  it("tightens a folder and files an older version left readable to everyone", async () => {
    const dataDir = join(root, "old");
    mkdirSync(join(dataDir, "backups"), { recursive: true });
    writeFileSync(join(dataDir, "signing-secret.key"), `${"ab".repeat(32)}\n`);
    writeFileSync(join(dataDir, "chairside.db"), "");
    writeFileSync(join(dataDir, "export.csv"), "id\n");
    writeFileSync(join(dataDir, "backups", "chairside-1.db"), "");
    for (const file of ["signing-secret.key", "chairside.db", "export.csv", "backups/chairside-1.db"]) {
      chmodSync(join(dataDir, file), 0o666);
    }
    chmodSync(join(dataDir, "backups"), 0o777);
    chmodSync(dataDir, 0o755);

    const seen = await modesWhileRunning(dataDir);
    expect(seen).toMatchObject({
      ".": "700",
      backups: "700",
      "backups/chairside-1.db": "600",
      "chairside.db": "600",
      "chairside.db-wal": "600",
      "export.csv": "600",
      "signing-secret.key": "600",
    });
    expect(Object.entries(seen).filter(([, mode]) => mode !== "600" && mode !== "700")).toEqual([]);
  });
});
