/**
 * Verifies a data folder's audit trail for `npm run audit:verify` (verifyCli.ts): walks the audit trail's hash chain in a data folder's
 * database, read-only (it may run beside a live server: WAL readers do not block it), prints how
 * many entries hold and the first broken link (row id and what differs), and exits 1 when the chain
 * is broken, 2 when the folder cannot be read. With CHAIRSIDE_DB_KEY set, the key opens the file
 * as the server does.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../storage/encryption.ts";
import { type AuditRow, describeChainReport, fromAuditRow, verifyAuditChainAsync } from "./auditChain.ts";

/** Verifies the trail in a data folder; answers the exit code and prints the report. */
export async function verifyDataFolderAsync(
  folder: string,
  print: (line: string) => void = console.log,
): Promise<number> {
  const file = join(folder, "chairside.db");
  if (!existsSync(file)) {
    print(`No Chairside database in ${folder} (looked for chairside.db).`);
    return 2;
  }
  // Opened as the server opens it (the same key handling); `query_only` keeps it from writing.
  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(file, process.env.CHAIRSIDE_DB_KEY || undefined);
    db.pragma("query_only = 1");
  } catch (error) {
    print(`Could not read the audit trail: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  try {
    const columns = (db.prepare("PRAGMA table_info(audit_log)").all() as { name: string }[]).map(
      (c) => c.name,
    );
    if (!columns.includes("hash")) {
      print(
        "This database's audit trail is not chained yet: start this version of the server once to chain it.",
      );
      return 2;
    }
    const page = db.prepare("SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?");
    const report = await verifyAuditChainAsync(async (afterId, limit) =>
      (page.all(afterId, limit) as AuditRow[]).map(fromAuditRow),
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
    db.close();
  }
}
