/**
 * The Modified Dental Anxiety Scale (Humphris et al., 1995): five questions, each answered 1-5,
 * total 5-25; 19 or more means high dental anxiety. The total picks a comfort pathway, and the
 * PATHWAYS table says what each pathway changes in the room.
 */
import { AnxietyPathway, ErrorCode, fail, ok, type Result, Surroundings } from "../protocol.ts";

/** The five MDAS items, in the standard order and wording. */
export const MDAS_ITEMS: readonly string[] = [
  "If you went to your dentist for TREATMENT TOMORROW, how would you feel?",
  "If you were sitting in the WAITING ROOM (waiting for treatment), how would you feel?",
  "If you were about to have a tooth DRILLED, how would you feel?",
  "If you were about to have your teeth SCALED AND POLISHED, how would you feel?",
  "If you were about to have a LOCAL ANAESTHETIC INJECTION in your gum, above an upper back tooth, how would you feel?",
];

/** Answer labels for scores 1..5 (index 0 is score 1). */
export const MDAS_ANSWERS: readonly string[] = [
  "Not anxious",
  "Slightly anxious",
  "Fairly anxious",
  "Very anxious",
  "Extremely anxious",
];

/** Lowest and highest answer to one item. */
export const MDAS_ANSWER_MIN = 1;
export const MDAS_ANSWER_MAX = 5;
/** A total at or above this is high dental anxiety. */
export const MDAS_HIGH_THRESHOLD = 19;

/** An MDAS result: the total 5..25 and the pathway it selects. */
export interface MdasScore {
  total: number;
  pathway: AnxietyPathway;
}

/** Scores exactly five integer answers 1..5; anything else is a bad payload. */
export function scoreMdas(answers: readonly number[]): Result<MdasScore> {
  if (!Array.isArray(answers) || answers.length !== MDAS_ITEMS.length) {
    return fail(ErrorCode.badPayload, `The questionnaire needs exactly ${MDAS_ITEMS.length} answers.`);
  }
  for (const [i, a] of answers.entries()) {
    if (!Number.isInteger(a) || a < MDAS_ANSWER_MIN || a > MDAS_ANSWER_MAX) {
      return fail(
        ErrorCode.badPayload,
        `Answer ${i + 1} must be a whole number from ${MDAS_ANSWER_MIN} to ${MDAS_ANSWER_MAX}.`,
      );
    }
  }
  const total = answers.reduce((sum, a) => sum + a, 0);
  return ok({ total, pathway: pathwayForTotal(total) });
}

/** The pathway an MDAS total selects. */
export function pathwayForTotal(total: number): AnxietyPathway {
  return total >= MDAS_HIGH_THRESHOLD ? AnxietyPathway.highAnxiety : AnxietyPathway.standard;
}

/** What a comfort pathway changes in the room. */
export interface PathwaySettings {
  /**
   * Periodic check-ins on top of the plan's check-in steps and physiology prompts, in ms;
   * null when only those two prompt a check-in.
   */
  checkinIntervalMs: number | null;
  /** Surroundings the patient's VR scene starts in. */
  surroundings: Surroundings;
  /** Otto's speech-rate multiplier (1 = normal). */
  ottoRate: number;
  /** Whether Otto may use gentle humour at all. */
  humourAllowed: boolean;
  /** Whether Otto offers the breathing coach before the procedure starts. */
  offerBreathingAtStart: boolean;
}

/** The pathway table. High anxiety: calmer scene, slower Otto, no jokes, check-ins every 3 min. */
export const PATHWAYS: Readonly<Record<AnxietyPathway, PathwaySettings>> = {
  [AnxietyPathway.standard]: {
    checkinIntervalMs: null,
    surroundings: Surroundings.clinic,
    ottoRate: 1,
    humourAllowed: true,
    offerBreathingAtStart: false,
  },
  [AnxietyPathway.highAnxiety]: {
    checkinIntervalMs: 180_000,
    surroundings: Surroundings.nature,
    ottoRate: 0.85,
    humourAllowed: false,
    offerBreathingAtStart: true,
  },
};

/** Whether a periodic check-in is due now on this pathway (never on the standard one). */
export function periodicCheckinDue(
  pathway: AnxietyPathway,
  lastCheckinAt: number | null,
  startedAt: number,
  now: number,
): boolean {
  const interval = PATHWAYS[pathway].checkinIntervalMs;
  if (interval === null) return false;
  return now - (lastCheckinAt ?? startedAt) >= interval;
}
