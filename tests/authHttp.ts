/** A small JSON client for the sign-in API in tests: keeps a browser's cookie and CSRF token. */
import type { ApiError } from "../shared/apiErrors.ts";
import { CSRF_HEADER } from "../shared/apiErrors.ts";

export interface Answer<T = unknown> {
  status: number;
  body: T & Partial<ApiError>;
  setCookies: string[];
  headers: Headers;
}

/** One browser: sends its cookie on every request, takes the cookie the server sets. */
export class ApiBrowser {
  cookie = "";
  csrfToken: string | null = null;

  constructor(private readonly origin: string) {}

  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...extra };
    if (body !== undefined) headers["content-type"] ??= "application/json";
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrfToken && method !== "GET") headers[CSRF_HEADER] ??= this.csrfToken;
    const res = await fetch(`${this.origin}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const [pair] = c.split(";");
      const [name, value] = pair!.split("=");
      this.cookie = value ? `${name}=${value}` : "";
    }
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === "object" && "csrfToken" in parsed) this.csrfToken = parsed.csrfToken;
    return { status: res.status, body: parsed, setCookies, headers: res.headers };
  }
}
