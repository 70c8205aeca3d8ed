import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config.ts";
import { openStorage } from "./openStorage.ts";

describe("CHAIRSIDE_DATABASE_URL", () => {
  it("is off by default: storage stays the SQLite file in the data folder", async () => {
    expect(loadConfig({}).databaseUrl).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), "chairside-open-"));
    try {
      const storage = await openStorage({ dataDir: dir, databaseUrl: null }, undefined);
      expect(await storage.countReadings()).toBe(0);
      await storage.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes postgres:// and postgresql:// URLs", () => {
    for (const url of [
      "postgres://chairside@db.clinic.example/chairside",
      "postgresql://u:p@10.0.0.5:5433/c",
    ])
      expect(loadConfig({ CHAIRSIDE_DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it("refuses anything else by name, without echoing a password it may hold", () => {
    for (const bad of ["mysql://root:hunter2@db/chairside", "postgres://", "not a url hunter2"]) {
      let error: unknown;
      try {
        loadConfig({ CHAIRSIDE_DATABASE_URL: bad });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error)).toMatch(/CHAIRSIDE_DATABASE_URL must be a PostgreSQL URL/);
      expect(String(error)).not.toMatch(/hunter2/);
    }
  });
});
