/**
 * The secret parts of pairing credentials: random tokens, stored only as SHA-256, compared in
 * constant time, read from the request's cookies. A copy of the database lets nobody in.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { type CookieName, cookieName } from "../auth/identity.ts";

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export function newPublicId(): string {
  return randomBytes(12).toString("base64url");
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Whether `token` hashes to `hash`, in constant time. */
export function tokenMatches(token: string, hash: string): boolean {
  const a = Buffer.from(sha256(token), "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A token in the shape `<id>.<secret>`: the id finds the record, the secret proves it. */
export function splitToken(token: string | undefined): { id: string; secret: string } | null {
  if (typeof token !== "string" || token.length > 120) return null;
  const m = /^([A-Za-z0-9_-]{8,40})\.([A-Za-z0-9_-]{40,60})$/.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

/**
 * The value of one of our cookies in a Cookie header. Our values are base64url and never encoded,
 * so a plain split does (@fastify/cookie's parser only works once a server has loaded it).
 */
export function cookieValue(
  cookieHeader: string | undefined,
  name: (typeof CookieName)[keyof typeof CookieName],
  https: boolean,
): string | undefined {
  if (!cookieHeader || cookieHeader.length > 8_000) return undefined;
  const wanted = cookieName(name, https);
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === wanted) return part.slice(eq + 1).trim();
  }
  return undefined;
}
