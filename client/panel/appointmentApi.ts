/**
 * The panel's door to the staff API for one appointment (headset pairing, observer invites): JSON
 * requests with the signed-in page's CSRF token from `GET /api/session`, answers as values in the
 * one error shape of shared/apiErrors.ts. The staff cookie travels by itself (same origin).
 */
import { type ApiError, CSRF_HEADER } from "../../shared/apiErrors.ts";

export type ApiAnswer<T> = { ok: true; value: T } | { ok: false; status: number; error: ApiError["error"] };

export class AppointmentApi {
  private csrfToken: string | null = null;

  constructor(readonly appointmentId: string) {}

  /** `path` is below `/api/appointments/<id>/`. */
  async request<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const first = await this.send<T>(method, path, body);
    // The session's token may have been refreshed (a sign-in in another tab): fetch it once more.
    if (!first.ok && first.error.code === "csrf") {
      this.csrfToken = null;
      return this.send<T>(method, path, body);
    }
    return first;
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = {};
    if (method !== "GET") {
      const token = await this.csrf();
      if (token) headers[CSRF_HEADER] = token;
    }
    if (body !== undefined) headers["content-type"] = "application/json";
    const url = `/api/appointments/${encodeURIComponent(this.appointmentId)}/${path}`;
    try {
      const res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
      const json = (await res.json().catch(() => null)) as unknown;
      if (res.ok) return { ok: true, value: json as T };
      const error = (json as ApiError | null)?.error ?? {
        code: "internal_error",
        message: `The server answered ${res.status}.`,
      };
      return { ok: false, status: res.status, error };
    } catch {
      return {
        ok: false,
        status: 0,
        error: { code: "internal_error", message: "Cannot reach the server. Try again in a moment." },
      };
    }
  }

  private async csrf(): Promise<string | null> {
    if (this.csrfToken) return this.csrfToken;
    try {
      const res = await fetch("/api/session", { credentials: "same-origin" });
      if (!res.ok) return null;
      this.csrfToken = ((await res.json()) as { csrfToken?: string | null }).csrfToken ?? null;
    } catch {
      this.csrfToken = null;
    }
    return this.csrfToken;
  }
}
