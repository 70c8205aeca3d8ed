/**
 * The data folder holds patient data and the signing secret: only the server's own user may read
 * it. The folder is 0700 and every file in it 0600, whoever creates the file (SQLite's -wal and
 * -shm, the secret, any table another module adds) and whatever modes an older version left.
 */
import { chmodSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";

export const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;
/** The umask that makes new files 0600 and new folders 0700. */
const PRIVATE_UMASK = 0o077;

/**
 * Creates the data folder (0700) or tightens an existing one: the folder, its sub-folders and every
 * file in them. From then on the process creates files for its own user only, so files that appear
 * later (SQLite's -wal and -shm, which it also creates with the database's mode) are private too.
 * Symbolic links are left alone: following one could change a file outside the folder.
 */
export function prepareDataFolder(dir: string): void {
  // process.umask cannot be set from a worker thread; the main thread's umask is the process's.
  if (isMainThread) process.umask(PRIVATE_UMASK);
  mkdirSync(dir, { recursive: true, mode: FOLDER_MODE });
  tighten(dir);
}

function tighten(dir: string): void {
  chmodSync(dir, FOLDER_MODE);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tighten(path);
    else if (entry.isFile()) chmodSync(path, FILE_MODE);
  }
}
