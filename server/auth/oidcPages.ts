/**
 * What a person sees when single sign-on cannot sign them in. The callback is a page the browser
 * navigates to, not an API call, so the answer is a small calm HTML page that says what happened in
 * words a receptionist can act on and leads back to the sign-in page, never a JSON error or a stack.
 * Styles are attributes only: the Content-Security-Policy allows no <style> element.
 */
import type { FastifyReply } from "fastify";

export const SsoRefusal = {
  /** No pending sign-in cookie, or it expired, or it was tampered with, or the state does not match. */
  expired: "expired",
  /** The provider answered with an error (the person cancelled, or the provider refused). */
  refused: "refused",
  /** The provider could not be reached for its discovery document. */
  unreachable: "unreachable",
  /** The code exchange or the ID token's checks failed. */
  unverified: "unverified",
  /** Neither the ID token nor the userinfo answer carried an e-mail address. */
  noEmail: "no_email",
  /** The provider says it has not verified the address. */
  emailUnverified: "email_unverified",
  noAccount: "no_account",
  disabled: "disabled",
  ambiguous: "ambiguous",
  /** Too many requests from this address (the coarse per-address limit). */
  rateLimited: "rate_limited",
} as const;
export type SsoRefusal = (typeof SsoRefusal)[keyof typeof SsoRefusal];

export interface RefusalContext {
  /** The provider's name as the button shows it. */
  provider: string;
  email?: string;
  /** The provider's own error code, for the admin (e.g. access_denied). */
  providerError?: string;
}

/** The HTTP status and the sentences for each refusal. */
export function refusalText(
  reason: SsoRefusal,
  ctx: RefusalContext,
): { status: number; title: string; message: string } {
  const email = ctx.email ?? "this e-mail address";
  switch (reason) {
    case SsoRefusal.expired:
      return {
        status: 400,
        title: "Please start signing in again",
        message:
          "This sign-in took too long, or it was started in another browser or tab. Nothing was signed in.",
      };
    case SsoRefusal.refused:
      return {
        status: 400,
        title: "Sign-in was not completed",
        message: `Signing in with ${ctx.provider} was cancelled or refused${
          ctx.providerError ? ` (${ctx.providerError})` : ""
        }. Nothing was signed in.`,
      };
    case SsoRefusal.unreachable:
      return {
        status: 503,
        title: "Single sign-on is not reachable",
        message: `Chairside cannot reach ${ctx.provider} right now. Sign in with your passkey or password, or try again in a minute.`,
      };
    case SsoRefusal.unverified:
      return {
        status: 502,
        title: "Sign-in could not be checked",
        message: `Chairside could not verify the answer from ${ctx.provider}, so nobody was signed in. Please try again; if it keeps happening, tell your clinic's admin.`,
      };
    case SsoRefusal.noEmail:
      return {
        status: 403,
        title: "No e-mail address",
        message: `${ctx.provider} did not tell Chairside your e-mail address, which is how Chairside finds your account. Ask your clinic's admin to let Chairside read it.`,
      };
    case SsoRefusal.emailUnverified:
      return {
        status: 403,
        title: "E-mail address not verified",
        message: `${ctx.provider} has not verified ${email}, so Chairside cannot sign you in with it. Verify it there, or sign in with your passkey or password.`,
      };
    case SsoRefusal.noAccount:
      return {
        status: 403,
        title: "No Chairside account",
        message: `There is no Chairside account for ${email}. Ask your clinic's admin to create one with this address.`,
      };
    case SsoRefusal.disabled:
      return {
        status: 403,
        title: "Account disabled",
        message: `The Chairside account for ${email} is disabled. Ask your clinic's admin if you need it again.`,
      };
    case SsoRefusal.ambiguous:
      return {
        status: 409,
        title: "More than one account",
        message: `More than one Chairside account uses ${email}, so Chairside cannot tell which one is yours. Ask your clinic's admin to fix it.`,
      };
    case SsoRefusal.rateLimited:
      return {
        status: 429,
        title: "Too many sign-in attempts",
        message: "Too many sign-in attempts came from this network. Please wait a minute and try again.",
      };
  }
}

/** Sends the refusal page (never cached; the reason also in a header, so tests and logs need not parse HTML). */
export function sendRefusal(reply: FastifyReply, reason: SsoRefusal, ctx: RefusalContext): FastifyReply {
  const { status, title, message } = refusalText(reason, ctx);
  return reply
    .code(status)
    .header("cache-control", "no-store")
    .header("x-chairside-sso", reason)
    .type("text/html; charset=utf-8")
    .send(page(title, message));
}

function page(title: string, message: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Chairside</title>
</head>
<body style="margin:0;background:#f4f7f8;color:#1d2b33;font:16px/1.5 system-ui,sans-serif">
<main style="max-width:32rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08)">
<h1 style="font-size:1.4rem;margin:0 0 1rem">${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p style="margin-top:1.5rem"><a href="/signin.html" style="color:#0b6e79">Back to sign in</a></p>
</main>
</body>
</html>
`;
}

/** The e-mail address comes from the provider: it is text, never markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
