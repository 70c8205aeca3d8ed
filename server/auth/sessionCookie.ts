/**
 * The staff session cookie, set and cleared in one place so every way of signing in (password,
 * passkey, setup link, single sign-on) gives it the same flags: HttpOnly, SameSite=Strict, Path=/,
 * and Secure with the `__Host-` prefix under HTTPS. It lives no longer than the session's
 * absolute timeout.
 */
import type { FastifyReply } from "fastify";
import { CookieName, cookieName } from "./identity.ts";
import type { SessionPolicy } from "./staffSessions.ts";

export function setStaffSessionCookie(
  reply: FastifyReply,
  token: string,
  https: boolean,
  policy: SessionPolicy,
): FastifyReply {
  return reply.setCookie(cookieName(CookieName.staffSession, https), token, {
    path: "/",
    httpOnly: true,
    sameSite: "strict",
    secure: https,
    maxAge: Math.floor(policy.absoluteMs / 1000),
  });
}

export function clearStaffSessionCookie(reply: FastifyReply, https: boolean): FastifyReply {
  return reply.clearCookie(cookieName(CookieName.staffSession, https), {
    path: "/",
    httpOnly: true,
    sameSite: "strict",
    secure: https,
  });
}
