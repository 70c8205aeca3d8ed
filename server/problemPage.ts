/**
 * Bad paths as real pages: an unknown appointment, a refused or used-up link, a page that does not
 * exist. A person who opened a link gets a full page that says what happened in plain words and
 * offers a way back; a program calling the API gets the one JSON error shape (shared/apiErrors.ts).
 * The security policy allows no inline style element, only style attributes, so the page carries
 * its look in attributes and loads nothing from anywhere.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ApiErrorCode } from "../shared/apiErrors.ts";
import { apiError } from "./apiReply.ts";

export interface Problem {
  status: number;
  code: ApiErrorCode;
  /** What happened, as a heading: "There is no such appointment". */
  title: string;
  /** What it means and what to do next, one or two sentences. */
  detail: string;
  /** The way back; the start page when left out. */
  back?: { href: string; label: string };
}

const START_PAGE = { href: "/", label: "Back to the start page" } as const;

/** A person's browser asks for HTML; an API call, a script or a health check does not. */
export function wantsPage(req: FastifyRequest): boolean {
  if (req.url.startsWith("/api/")) return false;
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  return (req.headers.accept ?? "").includes("text/html");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page itself: calm colours, large type, one clear link back. */
export function problemHtml(p: Problem): string {
  const back = p.back ?? START_PAGE;
  const title = escapeHtml(p.title);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Chairside · ${title}</title></head>
<body style="margin:0;min-height:100vh;background:#eef4f6;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#17323d;display:flex;align-items:center;justify-content:center">
<main data-testid="problem-page" data-code="${escapeHtml(p.code)}" style="max-width:560px;margin:24px;background:#fff;border:1px solid #d8e4ea;border-radius:16px;padding:32px 36px;box-shadow:0 6px 24px rgba(23,50,61,0.08)">
<p style="margin:0 0 8px;color:#0b6e70;font-weight:700;letter-spacing:0.02em">Chairside</p>
<h1 style="margin:0 0 12px;font-size:1.6rem;line-height:1.3">${title}</h1>
<p data-testid="problem-detail" style="margin:0 0 24px;font-size:1.1rem;line-height:1.5">${escapeHtml(p.detail)}</p>
<a data-testid="problem-back" href="${escapeHtml(back.href)}" style="display:inline-block;background:#0f8b8d;color:#fff;text-decoration:none;font-weight:700;padding:12px 20px;border-radius:12px">${escapeHtml(back.label)}</a>
</main>
</body>
</html>`;
}

/** Answers a bad path: the page for a person, the JSON error for a program. */
export function replyProblem(req: FastifyRequest, reply: FastifyReply, p: Problem): FastifyReply {
  if (!wantsPage(req)) return apiError(reply, p.status, p.code, `${p.title}. ${p.detail}`);
  return reply
    .code(p.status)
    .header("cache-control", "no-store")
    .type("text/html; charset=utf-8")
    .send(problemHtml(p));
}

/** The words for each bad path, in one place. */
export const PROBLEMS = {
  unknownAppointment: {
    status: 404,
    code: "not_found",
    title: "There is no such appointment",
    detail:
      "This link names an appointment the clinic does not have: it may have been moved, or the link was cut short. Open today's appointments from the start page, or ask at the front desk.",
  },
  missingPage: {
    status: 404,
    code: "not_found",
    title: "This page does not exist",
    detail: "The link may be old or incomplete. Everything starts from the start page.",
  },
} as const satisfies Record<string, Problem>;
