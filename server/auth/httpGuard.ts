/**
 * The staff API's door: a route names the StaffAction it performs, and this pre-handler answers
 * 401 without a live session, 403 when the role's row in STAFF_ACCESS says no, and 403 when a
 * state-changing request lacks the session's CSRF token. On success `request.staff` holds who asks.
 */

import { fastifyCookie } from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type StaffAction, staffMay } from "../../shared/access.ts";
import { ApiErrorCode, CSRF_HEADER } from "../../shared/apiErrors.ts";
import { apiError } from "../apiReply.ts";
import { csrfTokenMatches, isStateChanging } from "./csrf.ts";
import { CookieName, cookieName } from "./identity.ts";
import type { LiveSession, StaffSessions } from "./staffSessions.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the staff guard: the signed-in staff member and their session. */
    staff?: LiveSession;
  }
}

export type StaffGuard = (
  action: StaffAction | null,
) => (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/**
 * The session token a request's cookies carry, if any. @fastify/cookie loads its parser when the
 * plugin registers (httpServer.ts does, before listening); a header it cannot read carries no token.
 */
export function staffSessionToken(cookieHeader: string | undefined, https: boolean): string | undefined {
  if (!cookieHeader) return undefined;
  try {
    return fastifyCookie.parse(cookieHeader)[cookieName(CookieName.staffSession, https)];
  } catch {
    return undefined;
  }
}

/**
 * `guard(action)` for a route that needs a signed-in staff member allowed to do `action`;
 * `guard(null)` for one any signed-in staff member may use (their own account, sign-out).
 */
export function staffGuard(sessions: StaffSessions, https: boolean): StaffGuard {
  return (action) => async (request, reply) => {
    const live = await sessions.lookup(staffSessionToken(request.headers.cookie, https));
    if (!live) return apiError(reply, 401, ApiErrorCode.signedOut, "Please sign in again.");
    if (
      isStateChanging(request.method) &&
      !csrfTokenMatches(live.session.csrfToken, request.headers[CSRF_HEADER])
    ) {
      return apiError(reply, 403, ApiErrorCode.csrf, "This page is out of date: reload it and try again.");
    }
    if (action !== null && !staffMay(live.staff.role, action)) {
      return apiError(
        reply,
        403,
        ApiErrorCode.forbidden,
        `A ${live.staff.role} account may not do this (${action}).`,
      );
    }
    request.staff = live;
    return undefined;
  };
}
