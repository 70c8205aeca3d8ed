/**
 * Brings a PostgreSQL database to this server's schema from the one history (migrations.ts). Nodes
 * starting together take turns through an advisory lock; the steps a database lacks run in one
 * transaction (PostgreSQL's DDL is transactional), so a failed step leaves the version as it was.
 */
import type pg from "pg";
import { BASE_SCHEMA, MIGRATIONS, newerSchemaMessage, SCHEMA_VERSION } from "./migrations.ts";
import { LOCK_NAMESPACE, Lock } from "./pgReadings.ts";

/** Runs the missing steps; answers the version the database had before. */
export async function migratePostgres(pool: pg.Pool): Promise<number> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    await c.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, Lock.migrations]);
    await c.query("CREATE TABLE IF NOT EXISTS chairside_schema (version INTEGER NOT NULL)");
    const { rows } = await c.query<{ version: number }>("SELECT version FROM chairside_schema");
    let version = rows[0]?.version;
    const before = version ?? 0;
    if (version === undefined) {
      await c.query(BASE_SCHEMA.postgres);
      await c.query("INSERT INTO chairside_schema (version) VALUES (0)");
      version = 0;
    }
    if (version > SCHEMA_VERSION) throw new Error(newerSchemaMessage(version));
    for (let v = version; v < SCHEMA_VERSION; v++) await c.query(MIGRATIONS[v]!.postgres);
    if (version < SCHEMA_VERSION) await c.query("UPDATE chairside_schema SET version = $1", [SCHEMA_VERSION]);
    await c.query("COMMIT");
    return before;
  } catch (error) {
    await c.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    c.release();
  }
}
