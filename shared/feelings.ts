/**
 * What the patient tells Otto in their own words, spoken or typed (issue 12), and the feeling cues
 * Otto listens for. Shared: the patient page sends the words, the server detects the cues
 * (server/otto/feelingCues.ts, offline NLP) and keeps both in the session history. The spoken stop
 * ("stop", "stop please") is decided here, by one pure function, so page and server agree.
 */
import { z } from "zod";

/** The feelings Otto listens for; the rules (server/otto/ottoRules.ts) decide what it says. */
export const FeelingCue = {
  pain: "pain",
  distress: "distress",
  fear: "fear",
  relief: "relief",
  humour: "humour",
} as const;
export type FeelingCue = (typeof FeelingCue)[keyof typeof FeelingCue];

/** Most important first: Otto answers the first cue it finds in this order. */
export const CUE_PRIORITY: readonly FeelingCue[] = [
  FeelingCue.pain,
  FeelingCue.distress,
  FeelingCue.fear,
  FeelingCue.relief,
  FeelingCue.humour,
];

/** Longest thing a patient may say to Otto in one go (a speech result or a typed line). */
export const MAX_SAID_CHARS = 280;

/** `otto:tell`: the patient's own words, and whether they came from speech recognition. */
export const ottoTellSchema = z.strictObject({
  text: z.string().trim().min(1).max(MAX_SAID_CHARS),
  spoken: z.boolean(),
});
export type OttoTell = z.infer<typeof ottoTellSchema>;

/** What Otto heard, as the session history keeps it (a room event for the care team and the patient). */
export interface HeardWords {
  /** The member who said it (the patient). */
  by: string;
  text: string;
  spoken: boolean;
  cues: FeelingCue[];
  /** The words were the spoken stop signal and paused the procedure (or held it before the start). */
  stop: boolean;
}

const STOP_WORDS = new Set(["stop", "stop please", "please stop", "stop stop", "stop it", "stop now"]);

/**
 * Whether a speech result is the stop signal: "stop", "stop please" and close variants, alone.
 * A sentence that merely contains the word ("don't stop the music") is not: the key, the
 * controller and the button stay the sure ways, this is an extra path.
 */
export function isSpokenStop(text: string): boolean {
  const words = text
    .toLowerCase()
    .replace(/[^a-z\s]/g, " ")
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  return STOP_WORDS.has(words.join(" "));
}
