/**
 * Otto's rules engine: pure, offline, clock and randomness injected. Otto narrates each step
 * tell-show-do, answers the patient's menu questions, meets a stop or low comfort with empathy
 * and the breathing coach, tells the clinician plainly about alarms and blocked steps (staying
 * calm towards the patient), and allows itself gentle humour only when everything is calm.
 */
import { isLowComfort, isValidCheckinScore } from "../../shared/comfort/checkinTrigger.ts";
import { PATHWAYS } from "../../shared/comfort/mdas.ts";
import { FeelingCue } from "../../shared/feelings.ts";
import { OttoState, type OttoUtterance, PatientQuestion, UtteranceKind } from "../../shared/otto.ts";
import {
  ProcedureStatus,
  type ProcedureStep,
  type ProcedureView,
  StepKind,
} from "../../shared/procedure/types.ts";
import type { AnxietyPathway } from "../../shared/protocol.ts";
import { Role } from "../../shared/roles.ts";

/** How the room currently reads the patient's comfort (from check-ins and physiology prompts). */
export const AnxietyLevel = { calm: "calm", rising: "rising", high: "high" } as const;
export type AnxietyLevel = (typeof AnxietyLevel)[keyof typeof AnxietyLevel];

/** A named person in the room. */
export interface OttoPerson {
  memberId: string;
  name: string;
}

/** Everything Otto may take into account; the server builds it fresh for each input. */
export interface OttoContext {
  now: number;
  procedure: ProcedureView | null;
  alarmActive: boolean;
  stoppedByPatient: boolean;
  anxiety: AnxietyLevel;
  pathway: AnxietyPathway;
  patient: OttoPerson | null;
  clinician: OttoPerson | null;
}

/** Something that happened that Otto may react to. */
export type OttoInput =
  | { type: "step_started"; step: ProcedureStep; index: number; count: number }
  | { type: "patient_question"; question: PatientQuestion }
  | { type: "patient_stop" }
  | { type: "patient_ready" }
  | { type: "anxiety_rising"; reason: string }
  /** A 0-10 comfort check-in answer: 10 is very comfortable, 0 very uncomfortable. */
  | { type: "checkin"; score: number }
  | { type: "alarm_raised"; message: string }
  | { type: "interlock_blocked"; reason: string }
  | { type: "procedure_completed" }
  | { type: "member_joined"; role: Role; name: string }
  | { type: "breathing_started" }
  | { type: "idle_tick" }
  /** The patient's own words, spoken or typed, with the cues and menu question heard in them (issue 12). */
  | { type: "patient_said"; text: string; cues: readonly FeelingCue[]; question: PatientQuestion | null };

/** Otto's reaction: its avatar state, whom it turns to, what it says, and an optional nudge. */
export interface OttoReaction {
  state: OttoState;
  lookAt: string | null;
  utterance: OttoUtterance | null;
  /** The server should offer (or start) the 6-breaths-a-minute breathing coach. */
  suggestBreathing?: boolean;
  /** Words for the care team, said after the patient's reply ("Dr. Ray, Julian says it hurts"). */
  careTeam?: OttoUtterance;
}

/** Dental-appropriate lines, never about the patient's fears; `kind: "humour"` marks each use. */
export const HUMOUR_LINES = {
  idle: [
    "Fun fact: tooth enamel is the hardest thing in your body. Harder than my jokes, anyway.",
    "Sharks grow thousands of teeth in a lifetime. You only have to look after this one set.",
    "I'm the only one here who never needs a check-up. Perks of having no teeth.",
    "Snails have thousands of tiny teeth. I'm glad we only have to look after yours today.",
  ],
  completed: [
    "All done! That tooth is now the best-looking one in the neighbourhood.",
    "All done! You were a far better patient than I am a comedian.",
  ],
  /** When the patient jokes first, and the moment is calm. */
  reply: [
    "Ha! I'd laugh harder, but I'm a robot: I only have the one chuckle.",
    "Good one. I'll add it to my collection, right next to my tooth puns.",
  ],
} as const;

/** Every humour line, for tests and for checking a text is not a joke. */
export const ALL_HUMOUR_LINES: readonly string[] = [
  ...HUMOUR_LINES.idle,
  ...HUMOUR_LINES.completed,
  ...HUMOUR_LINES.reply,
];

/** Defaults: at most one joke per 5 minutes, and a 1 in 4 chance on an idle tick. */
export const OTTO_DEFAULTS = { humourCooldownMs: 300_000, idleHumourChance: 0.25 } as const;

const CAN_STOP =
  "Yes, always. Raise your hand or press the stop button, and everything pauses straight away. We only carry on when you say you're ready.";
const STOP_REMINDER = "Remember: raise your hand or press the button any time, and we stop.";
const BREATHE = "In through your nose for four, and slowly out for six.";

/**
 * Whether humour fits the moment: never during an alarm, a patient stop, a blocked step, rising
 * or high anxiety, or on the high-anxiety pathway. The cooldown is checked separately.
 */
export function humourFits(ctx: OttoContext): boolean {
  const status = ctx.procedure?.status;
  return (
    !ctx.alarmActive &&
    !ctx.stoppedByPatient &&
    ctx.anxiety === AnxietyLevel.calm &&
    PATHWAYS[ctx.pathway].humourAllowed &&
    ctx.patient !== null &&
    status !== ProcedureStatus.pausedByPatient &&
    status !== ProcedureStatus.blocked
  );
}

/** "about 7 minutes", "about a minute", "less than a minute". */
export function spokenDuration(seconds: number): string {
  if (seconds < 60) return "less than a minute";
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? "about a minute" : `about ${minutes} minutes`;
}

/** Otto's rules' own state as plain data: when it last joked (null: never). */
export interface OttoRulesState {
  lastHumourAt: number | null;
}

/** Otto's rules. Keeps only its humour cooldown as state. */
export class OttoRules {
  private readonly rand: () => number;
  private readonly humourCooldownMs: number;
  private lastHumourAt = Number.NEGATIVE_INFINITY;

  constructor(opts: { rand: () => number; humourCooldownMs?: number }) {
    this.rand = opts.rand;
    this.humourCooldownMs = opts.humourCooldownMs ?? OTTO_DEFAULTS.humourCooldownMs;
  }

  /** The humour cooldown as plain data, so a restart does not let Otto joke again at once. */
  toState(): OttoRulesState {
    return { lastHumourAt: Number.isFinite(this.lastHumourAt) ? this.lastHumourAt : null };
  }

  /** Continues the cooldown from `toState()`. */
  restoreState(state: OttoRulesState): void {
    this.lastHumourAt = state.lastHumourAt ?? Number.NEGATIVE_INFINITY;
  }

  /** Otto's reaction to one input, or null when Otto stays as it is. */
  react(input: OttoInput, ctx: OttoContext): OttoReaction | null {
    // Shorter sentences on the slower pathway, and whenever comfort is not calm.
    const gentle = PATHWAYS[ctx.pathway].ottoRate < 1 || ctx.anxiety !== AnxietyLevel.calm;
    const you = ctx.patient === null ? "" : `, ${ctx.patient.name}`;
    switch (input.type) {
      case "step_started":
        return this.narrate(input.step, input.index, input.count, ctx);
      case "patient_question":
        return toPatient(ctx, OttoState.talking, UtteranceKind.answer, answer(input.question, ctx));
      case "patient_stop": {
        // A stop before the start is a "not yet" (issue 10): nothing is paused, nothing will start.
        const notYet = ctx.procedure?.notYet === true || ctx.procedure?.status === ProcedureStatus.notStarted;
        const who = ctx.clinician?.name ?? "The team";
        return {
          ...toPatient(
            ctx,
            OttoState.concerned,
            UtteranceKind.empathy,
            notYet
              ? `That's fine${you}. ${who} knows you're not ready yet, and nothing will start until you are. Shall we breathe slowly together meanwhile?`
              : gentle
                ? `We've stopped${you}. You're in control. Breathe slowly with me. Press 'I'm ready' when you are.`
                : `We've stopped${you}. You're in control, so take all the time you need. Would you like to breathe slowly with me? When you're ready, press 'I'm ready'.`,
          ),
          suggestBreathing: true,
        };
      }
      case "patient_ready":
        return toPatient(
          ctx,
          OttoState.talking,
          UtteranceKind.empathy,
          `Thank you${you}. We'll carry on gently. Raise your hand again any time.`,
        );
      case "anxiety_rising":
        // The reason is physiology for the care team; Otto never repeats or labels it to the patient.
        return {
          ...toPatient(
            ctx,
            OttoState.concerned,
            UtteranceKind.empathy,
            gentle
              ? `You're doing well${you}. Let's breathe together. ${BREATHE}`
              : `You're doing really well${you}. Shall we slow down and breathe together for a moment? ${BREATHE}`,
          ),
          suggestBreathing: true,
        };
      case "checkin":
        return this.checkin(input.score, ctx, you);
      case "alarm_raised":
        // Once per alarm group (the session calls this for a new alarm id only), and briefly: the
        // first cause, at most ~80 characters; the panel has the rest.
        return toClinician(ctx, `new alarm: ${briefAlarm(input.message)}. Details are on your panel.`);
      case "interlock_blocked": {
        const title = ctx.procedure?.step?.title;
        const what = title === undefined ? "the automated step" : `"${title}"`;
        return toClinician(
          ctx,
          `${what} is on hold: ${input.reason}. Please use your clinical judgement: check, then resume, skip it, or override with a reason.`,
        );
      }
      case "procedure_completed": {
        const joke = this.joke(HUMOUR_LINES.completed, ctx);
        if (joke !== null) return toPatient(ctx, OttoState.talking, UtteranceKind.humour, joke);
        return toPatient(
          ctx,
          OttoState.talking,
          UtteranceKind.narration,
          `All done${you}! You did really well. Thank you.`,
        );
      }
      case "member_joined":
        return this.greet(input.role, input.name, ctx);
      case "breathing_started":
        return {
          state: OttoState.talking,
          lookAt: ctx.patient?.memberId ?? null,
          utterance: {
            kind: UtteranceKind.prompt,
            text: `Let's breathe together${you}. ${BREATHE} Just follow the circle, about six slow breaths a minute.`,
            rate: Math.min(PATHWAYS[ctx.pathway].ottoRate, 0.85),
            ...(ctx.patient === null ? {} : { addressee: ctx.patient.memberId }),
          },
        };
      case "patient_said":
        return this.heard(input.text, input.cues, input.question, ctx, you);
      case "idle_tick": {
        if (!this.mayJoke(ctx) || this.rand() >= OTTO_DEFAULTS.idleHumourChance) return null;
        const joke = this.joke(HUMOUR_LINES.idle, ctx);
        return joke === null ? null : toPatient(ctx, OttoState.talking, UtteranceKind.humour, joke);
      }
    }
  }

  private narrate(step: ProcedureStep, index: number, count: number, ctx: OttoContext): OttoReaction {
    const tsd = step.tellShowDo;
    let body = tsd === undefined ? step.explanation : `${tsd.tell} ${tsd.show} ${tsd.do}`;
    if (index === 0 && !/rais(e|ing) your hand/i.test(body)) body = `${body} ${STOP_REMINDER}`;
    const slow = PATHWAYS[ctx.pathway].ottoRate < 1;
    switch (step.kind) {
      case StepKind.checkin:
        return toPatient(ctx, OttoState.listening, UtteranceKind.prompt, body);
      case StepKind.consent:
        return toPatient(ctx, OttoState.listening, UtteranceKind.prompt, body);
      case StepKind.narration:
        return toPatient(ctx, OttoState.talking, UtteranceKind.narration, body);
      case StepKind.manual:
      case StepKind.automated: {
        // On the slower pathway the header goes: fewer words, the same tell-show-do.
        const text = slow ? body : `Step ${index + 1} of ${count}: ${step.title}. ${body}`;
        return toPatient(ctx, OttoState.talking, UtteranceKind.narration, text);
      }
    }
  }

  private checkin(score: number, ctx: OttoContext, you: string): OttoReaction | null {
    if (!isValidCheckinScore(score)) return null;
    if (isLowComfort(score)) {
      const who = ctx.clinician?.name ?? "the dentist";
      return {
        ...toPatient(
          ctx,
          OttoState.concerned,
          UtteranceKind.empathy,
          `Thank you for telling me${you}. Let's take it slowly. Would you like to breathe with me while ${who} sees what would help?`,
        ),
        suggestBreathing: true,
      };
    }
    const text =
      score >= 8
        ? `Great to hear${you}. We'll keep going gently.`
        : `Thanks${you}. Tell us any time if that changes, and raise your hand if you'd like a break.`;
    return toPatient(ctx, OttoState.talking, UtteranceKind.empathy, text);
  }

  /**
   * The patient's own words (issue 12). Pain and distress reach the care team at once, in the
   * patient's words; fear and distress bring the breathing coach; a question from the menu gets the
   * menu's answer; anything else is passed on, so no question goes unheard. Otto never labels the
   * patient's feeling back to them, and jokes back only when humour fits the moment.
   */
  private heard(
    text: string,
    cues: readonly FeelingCue[],
    question: PatientQuestion | null,
    ctx: OttoContext,
    you: string,
  ): OttoReaction {
    const name = ctx.patient?.name ?? "The patient";
    const who = ctx.clinician?.name ?? "the team";
    const quoted = `"${text.length > 120 ? `${text.slice(0, 117)}…` : text}"`;
    const cue = cues[0] ?? null;
    if (question !== null && cue !== FeelingCue.distress) {
      return toPatient(ctx, OttoState.talking, UtteranceKind.answer, answer(question, ctx));
    }
    switch (cue) {
      case FeelingCue.pain:
        return {
          ...toPatient(
            ctx,
            OttoState.concerned,
            UtteranceKind.empathy,
            `Thank you for telling me${you}. I've told ${who} straight away. If you'd like everything to pause, say stop or press the button.`,
          ),
          careTeam: toClinician(ctx, `${name} says it hurts: ${quoted}.`).utterance!,
        };
      case FeelingCue.distress:
        return {
          ...toPatient(
            ctx,
            OttoState.concerned,
            UtteranceKind.empathy,
            `I hear you${you}. I've let ${who} know. You're in control: say stop or press the button any time. Let's breathe slowly together. ${BREATHE}`,
          ),
          suggestBreathing: true,
          careTeam: toClinician(ctx, `${name} is finding this hard: ${quoted}. Please check in with them.`)
            .utterance!,
        };
      case FeelingCue.fear:
        return {
          ...toPatient(
            ctx,
            OttoState.concerned,
            UtteranceKind.empathy,
            `Thank you for telling me${you}. That's a very normal way to feel here, and you're in control. Shall we breathe together? ${BREATHE}`,
          ),
          suggestBreathing: true,
          careTeam: toClinician(ctx, `${name} told me: ${quoted}. I've offered slow breathing.`).utterance!,
        };
      case FeelingCue.relief:
        return toPatient(
          ctx,
          OttoState.talking,
          UtteranceKind.empathy,
          `I'm glad to hear that${you}. Tell me any time if that changes.`,
        );
      case FeelingCue.humour: {
        const joke = this.joke(HUMOUR_LINES.reply, ctx);
        if (joke !== null) return toPatient(ctx, OttoState.talking, UtteranceKind.humour, joke);
        return toPatient(
          ctx,
          OttoState.talking,
          UtteranceKind.empathy,
          `Thank you${you}. I'm right here with you.`,
        );
      }
      case null:
        return {
          ...toPatient(
            ctx,
            OttoState.listening,
            UtteranceKind.empathy,
            `Thank you${you}. I've passed that on to ${who}, who will answer you.`,
          ),
          careTeam: toClinician(ctx, `${name} says: ${quoted}.`).utterance!,
        };
    }
  }

  private greet(role: Role, name: string, ctx: OttoContext): OttoReaction | null {
    switch (role) {
      case Role.patient: {
        const offer = PATHWAYS[ctx.pathway].offerBreathingAtStart;
        const text = `Hi ${name}, I'm Otto. I'll tell you what's happening at each step. You're in control: raise your hand or press the button any time, and we stop.${offer ? " If you like, we can start with some slow breathing together." : ""}`;
        const reaction = toPatient(ctx, OttoState.talking, UtteranceKind.prompt, text);
        return offer ? { ...reaction, suggestBreathing: true } : reaction;
      }
      case Role.clinician:
      case Role.assistant: {
        const patient = ctx.patient === null ? "the patient" : ctx.patient.name;
        return {
          state: OttoState.talking,
          lookAt: null,
          utterance: {
            kind: UtteranceKind.prompt,
            text: `Hello ${name}. I'm narrating for ${patient} and answering questions; I'll flag alarms to you.`,
            rate: 1,
          },
        };
      }
      case Role.observer:
      case Role.presenter:
      case Role.otto:
        return null;
    }
  }

  private mayJoke(ctx: OttoContext): boolean {
    return humourFits(ctx) && ctx.now - this.lastHumourAt >= this.humourCooldownMs;
  }

  /** A joke from the pool if humour fits and the cooldown has passed; records the time. */
  private joke(pool: readonly string[], ctx: OttoContext): string | null {
    if (!this.mayJoke(ctx)) return null;
    const i = Math.min(pool.length - 1, Math.floor(this.rand() * pool.length));
    this.lastHumourAt = ctx.now;
    return pool[i] ?? null;
  }
}

function toPatient(ctx: OttoContext, state: OttoState, kind: UtteranceKind, text: string): OttoReaction {
  return {
    state,
    lookAt: ctx.patient?.memberId ?? null,
    utterance: {
      kind,
      text,
      rate: PATHWAYS[ctx.pathway].ottoRate,
      ...(ctx.patient === null ? {} : { addressee: ctx.patient.memberId }),
    },
  };
}

/** The first cause of an alarm message, cut at a word near 80 characters. */
export function briefAlarm(message: string): string {
  const first = message.split("; ")[0]!.replace(/[.:]\s*$/, "");
  if (first.length <= 80) return first;
  const cut = first.slice(0, 80);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), 40))}…`;
}

/** Plain words to the clinician; Otto's state stays calm ("talking"), since the patient sees it. */
function toClinician(ctx: OttoContext, message: string): OttoReaction {
  const who = ctx.clinician?.name ?? "Care team";
  return {
    state: OttoState.talking,
    lookAt: ctx.clinician?.memberId ?? null,
    utterance: {
      kind: UtteranceKind.prompt,
      text: `${who}, ${message}`,
      rate: 1,
      ...(ctx.clinician === null ? {} : { addressee: ctx.clinician.memberId }),
    },
  };
}

function answer(question: PatientQuestion, ctx: OttoContext): string {
  const p = ctx.procedure;
  const step = p?.step ?? null;
  switch (question) {
    case PatientQuestion.willItHurt: {
      const feel =
        step?.tellShowDo?.show ??
        "It shouldn't hurt: we numb anything that would. You may feel pressure or vibration.";
      return `${feel} If anything hurts, raise your hand or press the button and we stop straight away.`;
    }
    case PatientQuestion.howLong:
      return howLong(p);
    case PatientQuestion.whatIsThatSound:
      return (
        step?.sound ??
        "Most sounds here are the suction, a tiny vacuum cleaner for water, and the hum of the instruments. If a sound bothers you, just tell us."
      );
    case PatientQuestion.whatHappensNext:
      return whatNext(p, ctx);
    case PatientQuestion.canIStop:
      return CAN_STOP;
  }
}

function howLong(p: ProcedureView | null): string {
  if (p === null)
    return "We haven't picked today's treatment yet. The dentist will tell you before anything starts.";
  switch (p.status) {
    case ProcedureStatus.completed:
      return "We're all done!";
    case ProcedureStatus.aborted:
      return "We've finished for today.";
    case ProcedureStatus.notStarted:
    case ProcedureStatus.running:
    case ProcedureStatus.paused:
    case ProcedureStatus.pausedByPatient:
    case ProcedureStatus.blocked: {
      const total = p.remainingSeconds ?? (p.step?.expectedSeconds ?? 0) + (p.nextStep?.expectedSeconds ?? 0);
      if (p.step === null) return `The whole treatment takes ${spokenDuration(total)}.`;
      return `This step takes ${spokenDuration(p.step.expectedSeconds)}, and we have ${spokenDuration(total)} to go in all.`;
    }
  }
}

function whatNext(p: ProcedureView | null, ctx: OttoContext): string {
  const who = ctx.clinician?.name ?? null;
  if (p === null) return `${who ?? "The dentist"} will explain the plan before anything starts.`;
  const next = p.nextStep;
  const then = next === null ? "" : ` Then: ${next.title}. ${next.tellShowDo?.tell ?? ""}`.trimEnd();
  switch (p.status) {
    case ProcedureStatus.completed:
    case ProcedureStatus.aborted:
      return "Nothing else today: we're done.";
    case ProcedureStatus.pausedByPatient:
      return `Nothing happens until you say you're ready.${then}`;
    case ProcedureStatus.blocked:
    case ProcedureStatus.paused:
      return `We're pausing for a moment while ${who ?? "the dentist"} checks something.${then}`;
    case ProcedureStatus.notStarted:
    case ProcedureStatus.running:
      if (next === null) return "This is the last step. After it, we're done.";
      return `${p.status === ProcedureStatus.notStarted ? "First" : "Next"}: ${next.title}. ${next.tellShowDo?.tell ?? next.explanation}`;
  }
}
