/**
 * Keys of the real clinic's SOE devices: random, shown once when a device is paired or re-keyed,
 * stored only as their SHA-256, so a copy of the database lets no one pose as a device.
 * (The demo clinic's devices keep keys derived from the server secret, `tokens.ts`, so the
 * simulator needs no setup.)
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh device key (256 random bits, URL-safe). */
export function newDeviceKey(): string {
  return randomBytes(32).toString("base64url");
}

/** What is stored of a key. */
export function deviceKeyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Whether a presented key is the one whose hash is stored; an empty hash matches nothing. */
export function deviceKeyMatches(storedHash: string, presented: unknown): boolean {
  if (storedHash.length === 0 || typeof presented !== "string" || presented.length > 200) return false;
  const expected = Buffer.from(storedHash, "hex");
  const given = Buffer.from(deviceKeyHash(presented), "hex");
  return expected.length === given.length && timingSafeEqual(expected, given);
}
