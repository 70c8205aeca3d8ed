/**
 * Password hashing for staff accounts: Argon2id with OWASP's minimum parameters (19 MiB, 2 passes,
 * 1 lane), via the maintained @node-rs/argon2 (native, runs off the event loop). A stored hash
 * made with weaker parameters is upgraded at the next successful sign-in (`needsRehash`).
 */
import { hash, parseOptions, verify } from "@node-rs/argon2";

/** OWASP Password Storage Cheat Sheet, Argon2id: m=19456 KiB, t=2, p=1. */
export const ARGON2_POLICY = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
type Argon2Policy = { memoryCost: number; timeCost: number; parallelism: number };

/** The package's default algorithm is Argon2id (its `Algorithm` is a const enum, absent at runtime). */
export async function hashPassword(password: string, policy: Argon2Policy = ARGON2_POLICY): Promise<string> {
  return hash(password, { ...policy, outputLen: 32 });
}

/** True when `password` matches the stored PHC string; a malformed hash never matches. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** True when a stored hash is not Argon2id or is weaker than the policy (rehash it at sign-in). */
export function needsRehash(stored: string, policy: Argon2Policy = ARGON2_POLICY): boolean {
  if (!stored.startsWith("$argon2id$")) return true;
  try {
    const o = parseOptions(stored);
    return (
      o.memoryCost < policy.memoryCost || o.timeCost < policy.timeCost || o.parallelism < policy.parallelism
    );
  } catch {
    return true;
  }
}

let dummy: Promise<string> | null = null;

/**
 * Spends the time of one verification when there is no account or no password to check, so the
 * answer's timing does not tell whether an e-mail address has an account.
 */
export async function verifyNothing(password: string): Promise<false> {
  dummy ??= hashPassword("chairside-no-such-account");
  await verifyPassword(await dummy, password);
  return false;
}
