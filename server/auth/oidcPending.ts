/**
 * A single sign-on in progress: between sending the browser to the identity provider and its
 * return, the server must remember the state, nonce and PKCE verifier it chose. They travel in one
 * short-lived cookie, sealed with AES-256-GCM under a key derived from the server's secret, so the
 * server keeps no table an anonymous caller could fill, and a browser can neither read nor forge
 * the values (the state only binds the answer to this browser if the browser cannot choose it).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { z } from "zod";

/** How long a person may take at the identity provider before the sign-in must start again. */
export const PENDING_TTL_MS = 10 * 60_000;

const pendingSchema = z.strictObject({
  state: z.string().min(20).max(200),
  nonce: z.string().min(20).max(200),
  codeVerifier: z.string().min(43).max(128),
  /** The callback URL sent to the provider; the token request must name the same one. */
  redirectUri: z.string().max(2000),
  expiresAt: z.number(),
});
export type PendingSignIn = z.infer<typeof pendingSchema>;

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Binds a sealed value to its purpose: a value sealed for something else never opens here. */
const PURPOSE = Buffer.from("chairside oidc pending sign-in v1");

export class PendingSeal {
  private readonly key: Buffer;

  constructor(serverSecret: Buffer) {
    this.key = Buffer.from(hkdfSync("sha256", serverSecret, Buffer.alloc(0), PURPOSE, 32));
  }

  /** The cookie value for a pending sign-in (base64url; no character needs quoting). */
  seal(pending: PendingSignIn): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(PURPOSE);
    const body = Buffer.concat([cipher.update(JSON.stringify(pending), "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
  }

  /** The pending sign-in a cookie holds; null when absent, tampered with, sealed by another key, or expired. */
  open(value: string | undefined, now: number): PendingSignIn | null {
    if (typeof value !== "string" || value.length > 4000) return null;
    const raw = Buffer.from(value, "base64url");
    if (raw.length <= IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(PURPOSE);
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
      const parsed = pendingSchema.safeParse(JSON.parse(text));
      if (!parsed.success || parsed.data.expiresAt <= now) return null;
      return parsed.data;
    } catch {
      // A failed authentication tag (tampered, or sealed before the secret changed): not ours.
      return null;
    }
  }
}
