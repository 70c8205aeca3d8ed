/**
 * The staff page's calls to the records API: JSON in and out, the session's CSRF token on every
 * write, and every answer as a value: the data, or the API's one error shape (problems by field,
 * "sign in again", "not for your role"). The cookie travels by itself (same origin).
 */
import { type ApiError, ApiErrorCode, CSRF_HEADER } from "../../shared/apiErrors.ts";
import type { SessionInfo } from "../../shared/authSchemas.ts";
import type { StaffMe } from "../../shared/records.ts";

export type ApiResult<T> = { ok: true; value: T } | { ok: false; status: number; error: ApiError["error"] };

/** Where a signed-out person goes to sign in (and back here afterwards). */
export const SIGN_IN_PAGE = "/signin.html";

async function parse<T>(response: Response): Promise<ApiResult<T>> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (response.ok) return { ok: true, value: body as T };
  const error = (body as ApiError | null)?.error ?? {
    code: ApiErrorCode.internal,
    message: `The server answered ${response.status}. Try again in a moment.`,
  };
  return { ok: false, status: response.status, error };
}

export class StaffApi {
  private csrfToken = "";

  /**
   * Who is signed in, or the refusal (401 when nobody is): the one self-view every page reads,
   * `GET /api/session` (the sign-in page and the room's desk read it too).
   */
  async meAsync(): Promise<ApiResult<StaffMe>> {
    const session = await this.getAsync<SessionInfo>("/api/session");
    if (!session.ok) return session;
    const { staff, csrfToken } = session.value;
    if (!staff || !csrfToken) {
      const error = { code: ApiErrorCode.signedOut, message: "Sign in to open the staff area." };
      return { ok: false, status: 401, error };
    }
    this.csrfToken = csrfToken;
    return { ok: true, value: { staff, csrfToken } };
  }

  async getAsync<T>(path: string): Promise<ApiResult<T>> {
    try {
      return await parse<T>(await fetch(path, { headers: { accept: "application/json" } }));
    } catch {
      return offline();
    }
  }

  /** POST or PUT with a JSON body (an empty object when the action needs none). */
  async sendAsync<T>(method: "POST" | "PUT", path: string, body: unknown = {}): Promise<ApiResult<T>> {
    try {
      const response = await fetch(path, {
        method,
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          [CSRF_HEADER]: this.csrfToken,
        },
        body: JSON.stringify(body),
      });
      return await parse<T>(response);
    } catch {
      return offline();
    }
  }
}

function offline(): ApiResult<never> {
  return {
    ok: false,
    status: 0,
    error: {
      code: ApiErrorCode.internal,
      message: "The server cannot be reached. Check the network and try again.",
    },
  };
}
