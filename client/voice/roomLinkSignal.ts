/**
 * The room link tells voice how it stands (issue 12, "Use it here"): voice rides the same
 * connection as the room but its own namespace, and a window's voice must follow its seat: on the
 * line when the room link is live, off it when another window took the seat or the link ended.
 * A window event keeps the room connection free of any voice import beyond this one call.
 */
import type { LinkKind } from "../linkState.ts";

const EVENT = "chairside:room-link";

/** Called by the room connection on every change of its link (client/connection.ts). */
export function tellRoomLink(kind: LinkKind): void {
  dispatchEvent(new CustomEvent<LinkKind>(EVENT, { detail: kind }));
}

/** Listens for the room link's changes; returns the way to stop listening. */
export function onRoomLink(listener: (kind: LinkKind) => void): () => void {
  const handle = (e: Event) => listener((e as CustomEvent<LinkKind>).detail);
  addEventListener(EVENT, handle);
  return () => removeEventListener(EVENT, handle);
}
