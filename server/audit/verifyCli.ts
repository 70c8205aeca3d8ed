/** `npm run audit:verify -- <data folder>`: exit 0 when the audit chain holds, 1 at a broken link, 2 when unreadable. */
import { isPostgresUrl, verifyPostgresAsync } from "../storage/pgAuditVerify.ts";
import { verifyDataFolderAsync } from "./auditVerify.ts";

// `npm run audit:verify -- postgres://…`, or no argument with CHAIRSIDE_DATABASE_URL set
const target = process.argv[2] ?? process.env.CHAIRSIDE_DATABASE_URL;
if (target && isPostgresUrl(target)) process.exit(await verifyPostgresAsync(target));
const folder = process.argv[2];
if (!folder) {
  console.error("Usage: npm run audit:verify -- <data folder | postgres://…>");
  process.exit(2);
}
process.exit(await verifyDataFolderAsync(folder));
