/**
 * Passkeys (WebAuthn) for staff, with @simplewebauthn/server: a signed-in person registers one
 * (a discoverable credential, user verification required), then signs in with it without typing
 * an e-mail. The relying party is the host name the browser used (passkeys need a host name;
 * `localhost` works, a bare IP address does not) and the origin is scheme://host[:port].
 *
 * Public keys are stored as RecordKind.passkey keyed by credential id. Challenges live in memory
 * for 5 minutes and are used once.
 */
import { randomBytes } from "node:crypto";
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { z } from "zod";
import type { StaffRecord } from "../../shared/records.ts";
import { createLogger } from "../log.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";

const log = createLogger("passkeys");

const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_PENDING = 10_000;

const passkeyBodySchema = z.strictObject({
  credentialId: z.string(),
  staffId: z.string(),
  /** COSE public key, base64url. */
  publicKey: z.string(),
  counter: z.number().int().nonnegative(),
  transports: z.array(z.string()).default([]),
  label: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
});
export type PasskeyRecord = z.infer<typeof passkeyBodySchema>;

/** Where the ceremony happens: from the request's scheme and Host. */
export interface RelyingParty {
  rpID: string;
  origin: string;
}

interface Pending {
  challenge: string;
  rp: RelyingParty;
  expiresAt: number;
}

export class Passkeys {
  /** Registration challenges per account, sign-in challenges per challenge id. */
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  async forStaff(staffId: string): Promise<PasskeyRecord[]> {
    const out: PasskeyRecord[] = [];
    for (const row of await this.storage.listRecords(RecordKind.passkey)) {
      const parsed = passkeyBodySchema.safeParse(JSON.parse(row.body));
      if (parsed.success && parsed.data.staffId === staffId) out.push(parsed.data);
    }
    return out;
  }

  async registrationOptions(
    staff: StaffRecord,
    rp: RelyingParty,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.forStaff(staff.staffId);
    const options = await generateRegistrationOptions({
      rpName: "Chairside",
      rpID: rp.rpID,
      userName: staff.email,
      userDisplayName: staff.displayName,
      userID: new TextEncoder().encode(staff.staffId),
      attestationType: "none",
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
    });
    this.remember(`reg:${staff.staffId}`, options.challenge, rp);
    return options;
  }

  /** Stores the new passkey when the response answers this account's challenge; false otherwise. */
  async register(
    staff: StaffRecord,
    response: RegistrationResponseJSON,
    label: string,
    rp: RelyingParty,
  ): Promise<boolean> {
    const pending = this.take(`reg:${staff.staffId}`, rp);
    if (!pending) return false;
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: pending.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpID,
        requireUserVerification: true,
      });
    } catch (error) {
      log.info("passkey registration refused", {
        staffId: staff.staffId,
        reason: String(error).slice(0, 200),
      });
      return false;
    }
    if (!verified.verified) return false;
    const { credential } = verified.registrationInfo;
    const at = this.now();
    const body: PasskeyRecord = {
      credentialId: credential.id,
      staffId: staff.staffId,
      publicKey: Buffer.from(credential.publicKey).toString("base64url"),
      counter: credential.counter,
      transports: credential.transports ?? [],
      label: label || "Passkey",
      createdAt: at,
      lastUsedAt: null,
    };
    await this.put(body, staff.clinicId);
    return true;
  }

  /** Options for a discoverable sign-in (no account named); the page answers with the challenge id. */
  async authenticationOptions(
    rp: RelyingParty,
  ): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    const options = await generateAuthenticationOptions({ rpID: rp.rpID, userVerification: "required" });
    const challengeId = randomBytes(16).toString("base64url");
    this.remember(`auth:${challengeId}`, options.challenge, rp);
    return { challengeId, options };
  }

  /** The account whose passkey signed this challenge, or null (unknown key, bad signature, replay). */
  async authenticate(
    challengeId: string,
    response: AuthenticationResponseJSON,
    rp: RelyingParty,
  ): Promise<string | null> {
    const pending = this.take(`auth:${challengeId}`, rp);
    if (!pending) return null;
    const row = await this.storage.getRecord(RecordKind.passkey, response.id);
    const stored = row ? passkeyBodySchema.safeParse(JSON.parse(row.body)) : null;
    if (!row || !stored?.success) return null;
    const passkey = stored.data;
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: pending.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpID,
        requireUserVerification: true,
        credential: {
          id: passkey.credentialId,
          publicKey: new Uint8Array(Buffer.from(passkey.publicKey, "base64url")),
          counter: passkey.counter,
          transports: passkey.transports,
        },
      });
      if (!result.verified) return null;
      await this.put(
        { ...passkey, counter: result.authenticationInfo.newCounter, lastUsedAt: this.now() },
        row.clinicId,
      );
      return passkey.staffId;
    } catch (error) {
      log.info("passkey sign-in refused", { staffId: passkey.staffId, reason: String(error).slice(0, 200) });
      return null;
    }
  }

  /** Removes one of an account's passkeys; false when it is not that account's. */
  async remove(staffId: string, credentialId: string): Promise<boolean> {
    const row = await this.storage.getRecord(RecordKind.passkey, credentialId);
    const body = row ? passkeyBodySchema.safeParse(JSON.parse(row.body)) : null;
    if (!body?.success || body.data.staffId !== staffId) return false;
    await this.storage.deleteRecords(RecordKind.passkey, [credentialId]);
    return true;
  }

  /** Forgets every passkey of an account (the account was removed); returns how many. */
  async removeAllFor(staffId: string): Promise<number> {
    const ids = (await this.forStaff(staffId)).map((p) => p.credentialId);
    await this.storage.deleteRecords(RecordKind.passkey, ids);
    return ids.length;
  }

  private async put(body: PasskeyRecord, clinicId: string): Promise<void> {
    await this.storage.putRecords([
      {
        kind: RecordKind.passkey,
        id: body.credentialId,
        clinicId,
        body: JSON.stringify(body),
        updatedAt: this.now(),
      },
    ]);
  }

  private remember(key: string, challenge: string, rp: RelyingParty): void {
    const at = this.now();
    if (this.pending.size >= MAX_PENDING) {
      for (const [k, p] of this.pending) if (p.expiresAt <= at) this.pending.delete(k);
      if (this.pending.size >= MAX_PENDING) {
        const oldest = this.pending.keys().next().value;
        if (oldest !== undefined) this.pending.delete(oldest);
      }
    }
    this.pending.delete(key);
    this.pending.set(key, { challenge, rp, expiresAt: at + CHALLENGE_TTL_MS });
  }

  /** A challenge is used once, before its deadline, and only on the host that asked for it. */
  private take(key: string, rp: RelyingParty): Pending | null {
    const p = this.pending.get(key);
    this.pending.delete(key);
    if (!p || this.now() >= p.expiresAt || p.rp.rpID !== rp.rpID || p.rp.origin !== rp.origin) return null;
    return p;
  }
}
