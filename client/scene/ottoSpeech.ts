/**
 * When does an OttoView carry something new to say? The page passes Otto's state on every room
 * event and again on a resync, and the view only holds the *last* utterance, so the same line can
 * arrive many times. Pure: no Babylon.
 */
import type { OttoView } from "../../shared/protocol.ts";

function keyOf(view: OttoView): string | null {
  const u = view.lastUtterance;
  return u ? `${u.kind}|${u.addressee ?? ""}|${u.text}` : null;
}

export class UtteranceGate {
  private lastKey: string | null | undefined = undefined;
  private lastState: OttoView["state"] | null = null;

  /**
   * Returns the text to show in a new bubble, or null. A line is new when it differs from the
   * last one seen; the very first view (a late join or a reload) shows its line only while Otto is
   * still talking; the same line again counts only when Otto starts talking anew and the previous
   * bubble has already gone.
   */
  accept(view: OttoView, bubbleVisible: boolean): string | null {
    const first = this.lastKey === undefined;
    const key = keyOf(view);
    const startedTalking = view.state === "talking" && this.lastState !== "talking";
    const previous = this.lastKey;
    this.lastKey = key;
    this.lastState = view.state;
    const text = view.lastUtterance?.text;
    if (!text || key === null) return null;
    if (first) return view.state === "talking" ? text : null;
    if (key !== previous) return text;
    return startedTalking && !bubbleVisible ? text : null;
  }
}

/** Reading pace for Otto's words: at least this long per character (issue 10). */
export const OTTO_MS_PER_CHAR = 60;

/**
 * How long Otto's words stay up: at least 60 ms a character plus a moment to look over, never
 * capped (a 280-character reassurance stays about 19 s), or until the patient dismisses them.
 * Pure. The speech bubble (speechBubble.ts, the scene's) should hold for this long.
 */
export function ottoReadingMs(text: string): number {
  return Math.max(4_000, 2_000 + text.length * OTTO_MS_PER_CHAR);
}
