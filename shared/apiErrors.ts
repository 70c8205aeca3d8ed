/**
 * The one shape of every error the HTTP API answers (issue 8), so each page shows what went wrong
 * the same way: 400 lists the problems by field, 401 says sign in, 403 says not for your role,
 * 409 says it clashes, 429 says when to try again.
 */
import type { FieldProblem } from "./records.ts";

export const ApiErrorCode = {
  invalid: "invalid",
  signedOut: "signed_out",
  forbidden: "forbidden",
  csrf: "csrf",
  notFound: "not_found",
  conflict: "conflict",
  rateLimited: "rate_limited",
  /** A pairing code or invite that expired; ask for a new one. */
  expired: "expired",
  internal: "internal_error",
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

export interface ApiError {
  error: {
    code: ApiErrorCode;
    /** A sentence a person can act on. */
    message: string;
    problems?: FieldProblem[];
    retryAfterMs?: number;
  };
}

/** The header every state-changing request of a signed-in page carries (see server/auth/csrf.ts). */
export const CSRF_HEADER = "x-csrf-token";
