/**
 * Hears feeling cues in what a patient says, offline: `wink-nlp` with its bundled English model
 * (`wink-eng-lite-web-model`, shipped inside the npm package, nothing downloaded) gives tokens,
 * lemmas, negation and sentiment; a small lexicon a dentist can read maps them to pain, distress,
 * fear, relief and humour. "It doesn't hurt" is relief, "I don't feel good" is distress. It also
 * recognises the menu questions asked in words ("how long will it take?"), so those get the rules'
 * own answers. Otto's rules (ottoRules.ts) decide what is said; this only listens.
 */
import model from "wink-eng-lite-web-model";
import winkNLP, { type WinkMethods } from "wink-nlp";
import { CUE_PRIORITY, FeelingCue } from "../../shared/feelings.ts";
import { PatientQuestion } from "../../shared/otto.ts";

/** Single words (lemmas or normal forms) per cue. */
const WORDS: Readonly<Record<FeelingCue, readonly string[]>> = {
  pain: [
    "hurt",
    "hurts",
    "hurting",
    "pain",
    "painful",
    "ache",
    "aching",
    "sore",
    "ouch",
    "ow",
    "owww",
    "sting",
    "stinging",
    "throb",
    "throbbing",
    "tender",
    "sharp",
  ],
  distress: [
    "overwhelmed",
    "upset",
    "cry",
    "crying",
    "dizzy",
    "sick",
    "nauseous",
    "gag",
    "gagging",
    "choke",
    "choking",
    "faint",
    "horrible",
    "awful",
    "unbearable",
  ],
  fear: [
    "scared",
    "afraid",
    "frightened",
    "fear",
    "nervous",
    "anxious",
    "worried",
    "worry",
    "terrified",
    "panic",
    "panicking",
    "dread",
    "frighten",
  ],
  relief: [
    "relief",
    "relieved",
    "better",
    "fine",
    "good",
    "calm",
    "calmer",
    "relaxed",
    "okay",
    "ok",
    "alright",
    "comfortable",
    "thanks",
    "thank",
  ],
  humour: ["haha", "hahaha", "lol", "funny", "joke", "joking", "hehe", "lmao"],
};

/** Phrases matched on the normalised text (lower case, single spaces). */
const PHRASES: Readonly<Record<FeelingCue, readonly string[]>> = {
  pain: ["it hurts", "feel that", "too hot", "too cold"],
  distress: [
    "can't breathe",
    "cannot breathe",
    "can not breathe",
    "too much",
    "get me out",
    "want to go home",
    "want to leave",
    "can't do this",
    "cannot do this",
    "can not do this",
    "i need a break",
    "help me",
  ],
  fear: ["freaking out", "what if"],
  relief: ["not so bad", "not bad", "feels good", "i'm fine", "all good"],
  humour: ["that's funny", "you're funny", "good one"],
};

/** The menu questions in words; a cue word inside a question ("will it hurt?") is a question. */
const QUESTIONS: readonly [PatientQuestion, RegExp][] = [
  [PatientQuestion.willItHurt, /\b(will|does|is|going to|gonna) (it|this|that) (hurt|be painful|sting)\b/],
  [PatientQuestion.howLong, /\bhow (long|much longer|much more)\b|\bare we (nearly|almost) (done|there)\b/],
  [
    PatientQuestion.whatIsThatSound,
    /\bwhat('s| is) (that|this) (sound|noise)\b|\bwhat('s| is) that (buzzing|humming|whirring)\b/,
  ],
  [PatientQuestion.whatHappensNext, /\bwhat('s| is| happens) next\b|\bwhat (are|will) you (do|doing)\b/],
  [PatientQuestion.canIStop, /\bcan (i|we) (stop|pause|take a break)\b/],
];

/** What Otto understood from the words: cues in priority order, and a menu question if one was asked. */
export interface Understanding {
  cues: FeelingCue[];
  question: PatientQuestion | null;
}

let nlp: WinkMethods | null = null;

/** The model loads once (about a second), on the first words heard. */
function pipeline(): WinkMethods {
  nlp ??= winkNLP(model, ["sbd", "negation", "sentiment", "pos"]);
  return nlp;
}

/** Lower case, curly quotes straightened, single spaces. */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, " ")
    .trim();
}

/** The menu question these words ask, if any. Pure. */
export function questionIn(text: string): PatientQuestion | null {
  const t = normalise(text);
  for (const [question, pattern] of QUESTIONS) if (pattern.test(t)) return question;
  return null;
}

/** Hears the cues and the question in one utterance. */
export function understand(text: string): Understanding {
  const question = questionIn(text);
  const found = new Set<FeelingCue>();
  const t = normalise(text);
  const nlpRun = pipeline();
  const its = nlpRun.its;
  const doc = nlpRun.readDoc(t);
  const normals = doc.tokens().out(its.normal);
  // wink-nlp's typings give `its.lemma` an extra parameter that `out` does not accept; it is a token property like `normal`.
  const lemmas = doc.tokens().out(its.lemma as unknown as typeof its.normal);
  const negated = doc.tokens().out(its.negationFlag);
  for (let i = 0; i < normals.length; i++) {
    const forms = [normals[i]!, lemmas[i]!];
    for (const cue of CUE_PRIORITY) {
      if (!forms.some((f) => WORDS[cue].includes(f))) continue;
      const heard = negated[i] ? negatedCue(cue) : cue;
      if (heard !== null) found.add(heard);
    }
  }
  for (const cue of CUE_PRIORITY) {
    if (PHRASES[cue].some((p) => t.includes(p))) found.add(cue);
  }
  // Clearly negative words with no named feeling: treat as distress, so the care team hears of it.
  const sentiment = doc.out(its.sentiment) as unknown as number;
  if (found.size === 0 && question === null && sentiment <= -0.5) found.add(FeelingCue.distress);
  // A question that names a feeling ("will it hurt?") is a question, not a report of that feeling.
  if (question !== null) found.delete(FeelingCue.pain);
  return { cues: CUE_PRIORITY.filter((c) => found.has(c)), question };
}

/** "It doesn't hurt", "I'm not scared": relief. "Not good", "not okay": distress. "Not funny": nothing. */
function negatedCue(cue: FeelingCue): FeelingCue | null {
  switch (cue) {
    case FeelingCue.pain:
    case FeelingCue.fear:
    case FeelingCue.distress:
      return FeelingCue.relief;
    case FeelingCue.relief:
      return FeelingCue.distress;
    case FeelingCue.humour:
      return null;
  }
}
