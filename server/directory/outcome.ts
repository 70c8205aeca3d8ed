/**
 * How the directory answers and orders changes: an expected refusal is a value (not found,
 * conflict, invalid with its problems by field) that the route turns into the API's error shape;
 * changes run one after another, so two requests never both pass a check only one may pass.
 */
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import type { FieldProblem } from "../../shared/records.ts";

export interface Refusal {
  ok: false;
  code: typeof ApiErrorCode.notFound | typeof ApiErrorCode.conflict | typeof ApiErrorCode.invalid;
  message: string;
  problems?: FieldProblem[];
}
export type Outcome<T> = { ok: true; value: T } | Refusal;

export const done = <T>(value: T): Outcome<T> => ({ ok: true, value });

export const notFound = (message: string): Refusal => ({ ok: false, code: ApiErrorCode.notFound, message });

/** A clash with what is stored; `path` names the field it is about, when there is one. */
export const conflict = (message: string, path?: string): Refusal => ({
  ok: false,
  code: ApiErrorCode.conflict,
  message,
  ...(path ? { problems: [{ path, message }] } : {}),
});

export const invalid = (problems: FieldProblem[]): Refusal => ({
  ok: false,
  code: ApiErrorCode.invalid,
  message: problems[0]?.message ?? "The request is not valid.",
  problems,
});

/** Runs changes one after another: each sees the records as the one before left them. */
export class ChangeQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(change: () => Promise<T>): Promise<T> {
    const next = this.tail.then(change, change);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** A stored body's JSON, or null when it is not JSON (its schema then refuses it). */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
