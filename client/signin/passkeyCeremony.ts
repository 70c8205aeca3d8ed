/**
 * The browser half of passkeys (with @simplewebauthn/browser): register one for the signed-in
 * account, or sign in with one without typing an e-mail (discoverable credential). Returns what
 * went wrong as a sentence, never throws.
 */

import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from "@simplewebauthn/browser";
import type { SessionInfo } from "../../shared/authSchemas.ts";
import { type Answer, callAsync } from "./authApi.ts";

export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string };

function failed<T>(a: Answer<T>): Outcome<never> {
  return { ok: false, message: a.ok ? "" : a.error.message };
}

/** The browser's own refusal (the person cancelled, or no authenticator) in words. */
function ceremonyError(error: unknown): Outcome<never> {
  const name = error instanceof Error ? error.name : "";
  if (name === "NotAllowedError" || name === "AbortError") {
    return { ok: false, message: "The passkey request was cancelled or timed out. Try again." };
  }
  if (name === "InvalidStateError")
    return { ok: false, message: "This device already holds a passkey for you." };
  return { ok: false, message: "This browser could not use a passkey here." };
}

export function passkeysAvailable(): boolean {
  return browserSupportsWebAuthn();
}

export async function signInWithPasskeyAsync(): Promise<Outcome<SessionInfo>> {
  const opts = await callAsync<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }>(
    "POST",
    "/api/auth/passkey/options",
    {},
  );
  if (!opts.ok) return failed(opts);
  let response: Awaited<ReturnType<typeof startAuthentication>>;
  try {
    response = await startAuthentication({ optionsJSON: opts.value.options });
  } catch (error) {
    return ceremonyError(error);
  }
  const done = await callAsync<SessionInfo>("POST", "/api/auth/passkey/verify", {
    challengeId: opts.value.challengeId,
    response,
  });
  return done.ok ? done : failed(done);
}

export async function addPasskeyAsync(label: string): Promise<Outcome<SessionInfo>> {
  const opts = await callAsync<PublicKeyCredentialCreationOptionsJSON>(
    "POST",
    "/api/account/passkeys/options",
    {},
  );
  if (!opts.ok) return failed(opts);
  let response: Awaited<ReturnType<typeof startRegistration>>;
  try {
    response = await startRegistration({ optionsJSON: opts.value });
  } catch (error) {
    return ceremonyError(error);
  }
  const done = await callAsync<SessionInfo>("POST", "/api/account/passkeys", { response, label });
  return done.ok ? done : failed(done);
}
