/**
 * An optional seam for a language model that rephrases Otto's rule-based lines. The default is
 * `rulesOnly` (identity, offline); a real model must be plugged in explicitly by the server, and
 * nothing may ever depend on one: if it fails or is slow, Otto speaks the rules' own words.
 */
import type { OttoUtterance } from "../../shared/otto.ts";

/** Rephrases an utterance; must keep its kind, addressee and rate, and never add facts. */
export interface OttoLanguageModel {
  name: string;
  rephraseAsync(utterance: OttoUtterance, ctx: { planName: string | null }): Promise<OttoUtterance>;
}

/** The default: returns the rules' utterance unchanged, with no network and no model. */
export const rulesOnly: OttoLanguageModel = {
  name: "rules-only",
  rephraseAsync: (utterance) => Promise.resolve({ ...utterance }),
};
