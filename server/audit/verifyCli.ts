/** `npm run audit:verify -- <data folder>`: exit 0 when the audit chain holds, 1 at a broken link, 2 when unreadable. */
import { verifyDataFolderAsync } from "./auditVerify.ts";

const folder = process.argv[2];
if (!folder) {
  console.error("Usage: npm run audit:verify -- <data folder>");
  process.exit(2);
}
process.exit(await verifyDataFolderAsync(folder));
