/**
 * This page's own id, new each time it loads: the server tells windows of the same person apart
 * with it, so a window whose seat another window took does not take it back by reconnecting
 * (server/seatClaims.ts). Random bytes, not `crypto.randomUUID`, which plain-http LAN pages lack.
 */
export function newWindowId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
