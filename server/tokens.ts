/**
 * Signed tokens (HMAC-SHA256): the demo clinic's passes (server/auth/demoPass.ts) and the keys of
 * the demo's SOE devices. The signing secret is generated on first start and kept in the data folder.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, fail, type InviteClaims, ok, type Result } from "../shared/protocol.ts";
import { AUDIENCE_ROLES } from "../shared/roles.ts";

const SECRET_FILE = "signing-secret.key";

/**
 * Loads the signing secret from the data folder, creating it (mode 600, in a folder of mode 700) on
 * first start. The server tightens an existing folder first (dataFolder.ts).
 */
export function loadOrCreateSecret(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, SECRET_FILE);
  if (existsSync(path)) return readSecret(path);
  return publishSecret(path, randomBytes(32));
}

function readSecret(path: string): Buffer {
  const hex = readFileSync(path, "utf8").trim();
  if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, "hex");
  throw new Error(`${path} is not a 32-byte hex secret; remove it to generate a new one`);
}

/**
 * Writes `secret` to `path` unless another process got there first, and returns the one that
 * stands. Several processes may start on one data folder at once (cluster nodes on one machine, a
 * benchmark's clients): the file is written whole under a name of this process's own and then
 * linked into place, which fails if the file exists, so no process reads a half-written secret or
 * loses the race with an error.
 */
export function publishSecret(path: string, secret: Buffer): Buffer {
  const mine = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(mine, `${secret.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(mine, path);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return readSecret(path);
  } finally {
    unlinkSync(mine);
  }
}

function b64(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

function sign(secret: Buffer, purpose: string, body: string): Buffer {
  return createHmac("sha256", secret).update(`${purpose}.${body}`).digest();
}

export function signInvite(secret: Buffer, claims: InviteClaims): string {
  const body = b64(JSON.stringify(claims));
  return `${body}.${b64(sign(secret, "invite", body))}`;
}

/** Verifies signature, shape and expiry. Never trusts anything the client adds besides the token. */
export function verifyInvite(secret: Buffer, token: unknown, nowMs: number): Result<InviteClaims> {
  if (typeof token !== "string" || token.length === 0) {
    return fail(ErrorCode.tokenMissing, "No demo pass: open the room from the start page.");
  }
  if (token.length > 2048) return fail(ErrorCode.tokenInvalid, "This demo pass is not valid.");
  const [body, mac, extra] = token.split(".");
  if (!body || !mac || extra !== undefined)
    return fail(ErrorCode.tokenInvalid, "This demo pass is not valid.");
  const expected = sign(secret, "invite", body);
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail(ErrorCode.tokenInvalid, "This demo pass is not valid (its signature does not match).");
  }
  let claims: InviteClaims;
  try {
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as InviteClaims;
  } catch {
    return fail(ErrorCode.tokenInvalid, "This demo pass is not valid.");
  }
  if (
    typeof claims.appointmentId !== "string" ||
    typeof claims.roomId !== "string" ||
    typeof claims.personId !== "string" ||
    typeof claims.exp !== "number" ||
    !(AUDIENCE_ROLES as readonly string[]).includes(claims.role)
  ) {
    return fail(ErrorCode.tokenInvalid, "This demo pass is not valid.");
  }
  if (claims.exp * 1000 <= nowMs) {
    return fail(
      ErrorCode.tokenExpired,
      "This demo pass has expired: open the room again from the start page.",
    );
  }
  return ok(claims);
}

/** A device's key is derived from the server secret, so pairing needs no extra storage. */
export function deviceKey(secret: Buffer, deviceId: string): string {
  return b64(sign(secret, "device", deviceId));
}

export function verifyDeviceKey(secret: Buffer, deviceId: string, key: unknown): boolean {
  if (typeof key !== "string") return false;
  const expected = Buffer.from(deviceKey(secret, deviceId));
  const given = Buffer.from(key);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
