/**
 * The sign-in pages' link to the server: JSON in, JSON out, the CSRF token on every write, and
 * errors in the one shape of `shared/apiErrors.ts` turned into a value the form can show.
 */
import { type ApiError, CSRF_HEADER } from "../../shared/apiErrors.ts";
import type { SessionInfo } from "../../shared/authSchemas.ts";
import type { FieldProblem } from "../../shared/records.ts";

export type Answer<T> = { ok: true; value: T } | { ok: false; status: number; error: ApiError["error"] };

let csrfToken: string | null = null;

export async function callAsync<T>(
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (method === "POST") headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers[CSRF_HEADER] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: method === "POST" ? JSON.stringify(body ?? {}) : undefined,
    });
  } catch {
    return {
      ok: false,
      status: 0,
      error: { code: "internal_error", message: "The server cannot be reached. Check the network." },
    };
  }
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const error = (json as ApiError | null)?.error ?? {
      code: "internal_error" as const,
      message: `The server answered ${res.status}.`,
    };
    return { ok: false, status: res.status, error };
  }
  if (json && typeof json === "object" && "csrfToken" in json) csrfToken = (json as SessionInfo).csrfToken;
  return { ok: true, value: json as T };
}

export function sessionAsync(): Promise<Answer<SessionInfo>> {
  return callAsync<SessionInfo>("GET", "/api/session");
}

/**
 * Shows problems next to their fields (`[data-field="email"]` holds the message for the input
 * named "email"); a problem with no such field, or a message without problems, goes to the form's
 * general line. Clears earlier messages first.
 */
export function showProblems(form: HTMLElement, problems: FieldProblem[], general = ""): void {
  for (const el of form.querySelectorAll<HTMLElement>("[data-field]")) {
    el.textContent = "";
    const input = form.querySelector<HTMLInputElement>(`[name="${el.dataset.field}"]`);
    input?.removeAttribute("aria-invalid");
  }
  const rest: string[] = [];
  for (const p of problems) {
    const el = form.querySelector<HTMLElement>(`[data-field="${p.path}"]`);
    if (el && !el.textContent) {
      el.textContent = p.message;
      form.querySelector(`[name="${p.path}"]`)?.setAttribute("aria-invalid", "true");
    } else if (!el) rest.push(p.message);
  }
  const line = form.querySelector<HTMLElement>("[data-form-error]");
  if (line) line.textContent = general || rest.join(" ");
}

export function showAnswerError(form: HTMLElement, error: ApiError["error"]): void {
  const problems = error.problems ?? [];
  showProblems(form, problems, problems.length > 0 ? "" : error.message);
}
