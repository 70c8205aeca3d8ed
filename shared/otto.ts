/** Otto's avatar states, shown by its animation. */
export const OttoState = {
  idle: "idle",
  talking: "talking",
  listening: "listening",
  concerned: "concerned",
} as const;
export type OttoState = (typeof OttoState)[keyof typeof OttoState];

/** What an utterance is for; `humour` marks every line that contains a joke, and nothing else does. */
export const UtteranceKind = {
  narration: "narration",
  answer: "answer",
  empathy: "empathy",
  humour: "humour",
  prompt: "prompt",
} as const;
export type UtteranceKind = (typeof UtteranceKind)[keyof typeof UtteranceKind];

/** Questions a patient can ask Otto from a menu (the rules engine answers these offline). */
export const PatientQuestion = {
  willItHurt: "will_it_hurt",
  howLong: "how_long",
  whatIsThatSound: "what_is_that_sound",
  whatHappensNext: "what_happens_next",
  canIStop: "can_i_stop",
} as const;
export type PatientQuestion = (typeof PatientQuestion)[keyof typeof PatientQuestion];

export interface OttoUtterance {
  kind: UtteranceKind;
  text: string;
  /** Member Otto turns to, if any. */
  addressee?: string;
  /** Speech-rate multiplier for text-to-speech: 1 is normal, below 1 slower (high-anxiety pathway). */
  rate?: number;
}
