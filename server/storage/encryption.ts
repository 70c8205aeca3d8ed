/**
 * Encryption at rest (issue 9): the SQLite file holds patients' readings and records, so with
 * `CHAIRSIDE_DB_KEY` set it is encrypted with the SQLCipher-compatible cipher of
 * better-sqlite3-multiple-ciphers (SQLCipher 4 defaults: AES-256-CBC, HMAC-SHA512, PBKDF2 256 000
 * rounds), so `sqlcipher` itself can open a copy. The key goes in by pragma before anything reads
 * the file; a wrong key is found by one read of the schema, before any write, so the file on disk
 * stays byte for byte as it was and the server stops with a `DatabaseKeyError`.
 *
 * Encrypting an existing (plain) data folder, with the server stopped:
 *   1. back up the folder;
 *   2. `CHAIRSIDE_DB_KEY=… npx tsx -e 'import("./server/storage/encryption.ts").then((m) => m.encryptExistingDatabase("data/chairside.db", process.env.CHAIRSIDE_DB_KEY))'`
 *      (it checkpoints the WAL, leaves WAL mode — SQLite3MC cannot rekey in WAL mode —, runs
 *      `PRAGMA rekey`, and goes back to WAL);
 *   3. start the server with the same `CHAIRSIDE_DB_KEY`.
 * Changing the key is the same function on an encrypted file with `currentKey` given; passing an
 * empty new key decrypts.
 */
import Database from "better-sqlite3-multiple-ciphers";

/** The file could not be opened with the key given (or without one): nothing was changed. */
export class DatabaseKeyError extends Error {
  readonly code = "DB_KEY_REJECTED";
  constructor(
    readonly path: string,
    readonly encrypted: boolean,
  ) {
    super(
      encrypted
        ? `The database ${path} could not be read with CHAIRSIDE_DB_KEY: the key is wrong, or the file is not a Chairside database. Nothing on disk was changed.`
        : `The database ${path} could not be read without a key: it is encrypted (set CHAIRSIDE_DB_KEY) or not a Chairside database. Nothing on disk was changed.`,
    );
    this.name = "DatabaseKeyError";
  }
}

/** SQLCipher 4 compatibility: the cipher must be chosen before the key, on every open. */
function applyKey(db: Database.Database, key: string): void {
  db.pragma("cipher = 'sqlcipher'");
  db.pragma("legacy = 4");
  db.pragma(`key = ${quote(key)}`);
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Opens the SQLite file, with the key when one is given, and proves the key by reading the schema
 * before returning. Throws `DatabaseKeyError` (and closes the handle) when that read fails.
 */
export function openDatabase(path: string, key?: string): Database.Database {
  const db = new Database(path);
  try {
    if (key) applyKey(db, key);
    db.prepare("SELECT count(*) FROM sqlite_master").get();
  } catch (error) {
    db.close();
    const code = (error as { code?: unknown }).code;
    if (code === "SQLITE_NOTADB") throw new DatabaseKeyError(path, Boolean(key));
    throw error;
  }
  return db;
}

/**
 * Encrypts a plain database file in place (or changes the key of an encrypted one with
 * `currentKey`; an empty `newKey` decrypts). Run it with the server stopped; see the top of file.
 */
export function encryptExistingDatabase(path: string, newKey: string | undefined, currentKey?: string): void {
  if (newKey === undefined) throw new Error("Give the new key (CHAIRSIDE_DB_KEY).");
  const db = openDatabase(path, currentKey);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.pragma("journal_mode = DELETE");
    if (!currentKey) {
      db.pragma("cipher = 'sqlcipher'");
      db.pragma("legacy = 4");
    }
    db.pragma(`rekey = ${quote(newKey)}`);
    db.pragma("journal_mode = WAL");
  } finally {
    db.close();
  }
}
