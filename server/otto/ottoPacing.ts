/**
 * Words to Otto (`otto:tell`) are paced like menu questions (one answer per 2 s per person), so a
 * stuck key or a chatty recognizer cannot flood the room with Otto's replies; the spoken stop is
 * never paced: it must always get through.
 */
import { isSpokenStop } from "../../shared/feelings.ts";
import { Ev } from "../../shared/protocol.ts";

/** The refusal a paced person reads. */
export const OTTO_BUSY = "Otto is still answering you: say it again in a moment.";

/** Whether a parsed payload is words to Otto that the Otto rate applies to. */
export function ottoNeedsPacing(event: string, payload: unknown): boolean {
  if (event !== Ev.ottoTell) return false;
  if (typeof payload !== "object" || payload === null || !("text" in payload) || !("spoken" in payload))
    return false;
  const { text, spoken } = payload as { text: unknown; spoken: unknown };
  return typeof text === "string" && typeof spoken === "boolean" && !isSpokenStop(text);
}
