/**
 * Words to Otto (`otto:tell`) are paced like menu questions (one answer per 2 s per person), so a
 * stuck key or a chatty recognizer cannot flood the room with Otto's replies; the spoken stop is
 * never paced: it must always get through.
 */
import { mayDo } from "../../shared/access.ts";
import { isSpokenStop } from "../../shared/feelings.ts";
import { Ev } from "../../shared/protocol.ts";
import type { Role } from "../../shared/roles.ts";

/** The refusal a paced person reads. */
export const OTTO_BUSY = "Otto is still answering you: say it again in a moment.";

/**
 * Whether a parsed payload is words to Otto that the Otto rate applies to. A role that may not
 * send them is not paced: it gets its "forbidden" from the session, not a rate refusal.
 */
export function ottoNeedsPacing(event: string, payload: unknown, role: Role): boolean {
  if (event !== Ev.ottoTell || !mayDo(role, Ev.ottoTell)) return false;
  if (typeof payload !== "object" || payload === null || !("text" in payload) || !("spoken" in payload))
    return false;
  const { text, spoken } = payload as { text: unknown; spoken: unknown };
  return typeof text === "string" && typeof spoken === "boolean" && !isSpokenStop(text);
}
