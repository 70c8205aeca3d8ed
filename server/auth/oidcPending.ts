/**
 * A single sign-on in progress, and how it ended, kept by the browser. Between sending the browser
 * to the identity provider and its return, the server must remember the state, nonce and PKCE
 * verifier it chose; afterwards the refusal page must know what to say once the address bar no
 * longer holds the provider's answer. Both travel in one short-lived cookie, sealed with AES-256-GCM
 * under a key derived from the server's secret and the value's purpose: the server keeps no table
 * an anonymous caller could fill, and a browser can neither read nor forge the values (the state
 * only binds the answer to this browser if the browser cannot choose it).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { z } from "zod";
import { SsoRefusal } from "./oidcPages.ts";

/** How long a person may take at the identity provider before the sign-in must start again. */
export const PENDING_TTL_MS = 10 * 60_000;
/** How long the refusal page can be reloaded. */
export const REFUSAL_TTL_MS = 5 * 60_000;

export const pendingSignInSchema = z.strictObject({
  state: z.string().min(20).max(200),
  nonce: z.string().min(20).max(200),
  codeVerifier: z.string().min(43).max(128),
  /** The callback URL sent to the provider; the token request must name the same one. */
  redirectUri: z.string().max(2000),
  expiresAt: z.number(),
});
export type PendingSignIn = z.infer<typeof pendingSignInSchema>;

export const ssoOutcomeSchema = z.strictObject({
  reason: z.enum(SsoRefusal),
  email: z.string().max(254).optional(),
  providerError: z.string().max(60).optional(),
  expiresAt: z.number(),
});
export type SsoOutcome = z.infer<typeof ssoOutcomeSchema>;

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals values of one schema for one purpose: a value sealed for another purpose never opens here. */
export class Seal<T extends { expiresAt: number }> {
  private readonly key: Buffer;
  private readonly aad: Buffer;

  constructor(
    serverSecret: Buffer,
    purpose: string,
    private readonly schema: z.ZodType<T>,
  ) {
    this.aad = Buffer.from(`chairside oidc ${purpose} v1`);
    this.key = Buffer.from(hkdfSync("sha256", serverSecret, Buffer.alloc(0), this.aad, 32));
  }

  /** The cookie value (base64url; no character needs quoting). */
  seal(value: T): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(this.aad);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
  }

  /** The value a cookie holds; null when absent, tampered with, sealed by another key or purpose, or expired. */
  open(value: string | undefined, now: number): T | null {
    if (typeof value !== "string" || value.length > 4000) return null;
    const raw = Buffer.from(value, "base64url");
    if (raw.length <= IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(this.aad);
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
      const parsed = this.schema.safeParse(JSON.parse(text));
      if (!parsed.success || parsed.data.expiresAt <= now) return null;
      return parsed.data;
    } catch {
      // A failed authentication tag (tampered, or sealed before the secret changed): not ours.
      return null;
    }
  }
}
