/**
 * `npm run audit:verify -- postgres://…` (issue 11): walks the audit hash chain of a PostgreSQL
 * database the way server/audit/auditVerify.ts walks a data folder's SQLite file, with the same
 * report and exit codes (0 intact, 1 a broken link, 2 unreadable). It only reads: it never runs
 * schema steps, so it may run against a live cluster's database.
 */
import pg from "pg";
import {
  type AuditRow,
  describeChainReport,
  fromAuditRow,
  verifyAuditChainAsync,
} from "../audit/auditChain.ts";

/** Whether a command-line argument names a PostgreSQL database rather than a data folder. */
export function isPostgresUrl(text: string): boolean {
  return text.startsWith("postgres://") || text.startsWith("postgresql://");
}

/** Verifies the trail in a PostgreSQL database; answers the exit code and prints the report. */
export async function verifyPostgresAsync(
  url: string,
  print: (line: string) => void = console.log,
): Promise<number> {
  // Audit ids and times are BIGINT: read as numbers, as the storage does.
  const client = new pg.Client({
    connectionString: url,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === 20
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"],
    },
  });
  try {
    await client.connect();
  } catch (error) {
    print(`Could not read the audit trail: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  try {
    const report = await verifyAuditChainAsync(async (afterId, limit) =>
      (
        await client.query<AuditRow>("SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2", [
          afterId,
          limit,
        ])
      ).rows.map(fromAuditRow),
    );
    print(describeChainReport(report));
    if (report.broken) {
      const { id, field, expected, found } = report.broken;
      print(`first broken link: row id ${id}, ${field}: expected ${expected}, found ${found || "(none)"}`);
      return 1;
    }
    print(`last hash: ${report.lastHash}`);
    return 0;
  } catch (error) {
    print(`Could not read the audit trail: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    await client.end();
  }
}
