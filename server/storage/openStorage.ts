/**
 * Which storage a server runs on (issue 11): the SQLite file in the data folder on its own thread,
 * as always, or the PostgreSQL database CHAIRSIDE_DATABASE_URL names, which several nodes share.
 * Either way the schema is brought up to date from the one history before anything reads it.
 */
import { join } from "node:path";
import type { ServerConfig } from "../config.ts";
import { openPgStorage } from "./pgStorage.ts";
import type { Storage } from "./storage.ts";
import { openWorkerStorage } from "./workerStorage.ts";

/** Opens the configured storage. `dbKey` (CHAIRSIDE_DB_KEY) encrypts the SQLite file; PostgreSQL encrypts its own. */
export async function openStorage(
  config: Pick<ServerConfig, "dataDir" | "databaseUrl">,
  dbKey: string | undefined,
): Promise<Storage> {
  if (config.databaseUrl) return openPgStorage(config.databaseUrl);
  return openWorkerStorage(join(config.dataDir, "chairside.db"), { key: dbKey });
}
