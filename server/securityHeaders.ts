/**
 * The security headers every response carries: pages, assets, the API, errors, 404s and Socket.IO's
 * polling answers alike.
 *
 * The policy is the smallest one the room works under with no CSP violation (checked in the e2e
 * suite, which fails on any console error): everything comes from this origin, scripts only from
 * files (no inline script, no eval, no wasm), style sheets only from files. The room needs no more:
 * Babylon draws its textures on canvases, the XR controllers' online models and Babylon's own UI
 * (which would load from its CDN) are turned off, the ambient sound is synthesised with Web Audio,
 * and there are no fonts, media or workers to load.
 */
import type { ServerResponse } from "node:http";

/** Content-Security-Policy directives, one source list each. */
export const CONTENT_SECURITY_POLICY = {
  "default-src": ["'none'"],
  "script-src": ["'self'"],
  // Style sheets and <style> elements only from files. The care-team panel colours its legend
  // swatches with style attributes (client/panel: h(..., { style })), which CSP counts as inline
  // style: allow attributes, never elements. A browser without CSP level 3 falls back to style-src
  // and merely loses the swatch colours.
  "style-src": ["'self'"],
  "style-src-elem": ["'self'"],
  "style-src-attr": ["'unsafe-inline'"],
  "img-src": ["'self'"],
  // 'self' covers ws: and wss: on the same host and port (CSP level 3): Socket.IO needs no more.
  "connect-src": ["'self'"],
  "base-uri": ["'none'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
} as const satisfies Record<string, readonly string[]>;

function policyText(policy: Record<string, readonly string[]>): string {
  return Object.entries(policy)
    .map(([directive, sources]) => `${directive} ${sources.join(" ")}`)
    .join("; ");
}

/**
 * Header name to value. No Strict-Transport-Security: a clinic may run on a self-signed certificate,
 * and HSTS would turn its certificate warning into a page nobody can open.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": policyText(CONTENT_SECURITY_POLICY),
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // Older browsers ignore frame-ancestors; this says the same to them.
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-permitted-cross-domain-policies": "none",
};

const ENTRIES = Object.entries(SECURITY_HEADERS);

/** Sets the security headers on a raw response before anything else writes to it. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of ENTRIES) res.setHeader(name, value);
}
