/**
 * Cross-site request forgery protection for the staff API: every signed-in session has its own
 * random token, which the page reads from `GET /api/session` and sends back in the `x-csrf-token`
 * header on every state-changing request. A forged cross-site form or fetch cannot read the token
 * (same-origin policy), and the session cookie is SameSite=Strict besides; the Origin check in
 * `hostAndOrigin.ts` is the third layer.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";

export function newCsrfToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Methods that change state: these need the token. GET, HEAD and OPTIONS must never change anything. */
export function isStateChanging(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}

/** Compares in constant time; a missing, repeated or differently sized header never matches. */
export function csrfTokenMatches(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== "string" || given.length === 0) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
