/** The staff API's answers: JSON, never cached, errors in the one shape of `shared/apiErrors.ts`. */
import type { FastifyReply } from "fastify";
import type { z } from "zod";
import { type ApiError, ApiErrorCode } from "../shared/apiErrors.ts";
import { fieldProblems } from "../shared/records.ts";

export function apiOk(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  return reply
    .code(status)
    .header("cache-control", "no-store")
    .type("application/json")
    .send(JSON.stringify(body));
}

export function apiError(
  reply: FastifyReply,
  status: number,
  code: ApiErrorCode,
  message: string,
  extra: Omit<ApiError["error"], "code" | "message"> = {},
): FastifyReply {
  if (extra.retryAfterMs !== undefined)
    reply.header("retry-after", String(Math.ceil(extra.retryAfterMs / 1000)));
  const body: ApiError = { error: { code, message, ...extra } };
  return reply
    .code(status)
    .header("cache-control", "no-store")
    .type("application/json")
    .send(JSON.stringify(body));
}

/** Parses a body, params or query with a schema from `shared/`; on failure answers 400 listing each problem. */
export function parseOr400<T extends z.ZodType>(
  schema: T,
  input: unknown,
  reply: FastifyReply,
): z.infer<T> | null {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = fieldProblems(parsed.error);
  apiError(reply, 400, ApiErrorCode.invalid, problems[0]?.message ?? "The request is not valid.", {
    problems,
  });
  return null;
}
