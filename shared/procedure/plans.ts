/**
 * Procedure plans as data: each step's kind, teeth (FDI), surfaces, tell-show-do explanation,
 * sensor dependencies and rough duration. Consent comes before anything invasive; check-ins sit
 * where a patient would want a breather. Clinical content follows usual UK/EU general practice.
 */
import { ErrorCode, fail, ok, type Result } from "../protocol.ts";
import { Signal } from "../soe/signals.ts";
import { isPermanentTooth, PERMANENT_TEETH, type Surface, toothLabel } from "../teeth.ts";
import { type ProcedurePlan, type ProcedureStep, StepKind, type TellShowDo } from "./types.ts";

interface StepSpec extends TellShowDo {
  id: string;
  kind: StepKind;
  title: string;
  teeth?: number[];
  surfaces?: Surface[];
  dependsOn?: Signal[];
  expectedSeconds: number;
  sound?: string;
}

/** Builds a step; the explanation is always the three tell-show-do parts in order. */
function step(spec: StepSpec): ProcedureStep {
  const { tell, show, do: act, sound, ...rest } = spec;
  return {
    id: rest.id,
    kind: rest.kind,
    title: rest.title,
    teeth: rest.teeth ?? [],
    surfaces: rest.surfaces ?? [],
    explanation: `${tell} ${show} ${act}`,
    dependsOn: rest.dependsOn ?? [],
    expectedSeconds: rest.expectedSeconds,
    tellShowDo: { tell, show, do: act },
    ...(sound === undefined ? {} : { sound }),
  };
}

const READY = "When you're happy to go ahead, press 'I'm ready'.";
const STOP_ANY_TIME = "You can stop at any time by raising your hand or pressing the button.";

const UPPER_TEETH = PERMANENT_TEETH.filter((t) => t < 30);
const LOWER_TEETH = PERMANENT_TEETH.filter((t) => t > 30);
/** Ramfjord index teeth, where the plaque sensors sit for the whole-mouth check. */
const INDEX_TEETH = [16, 21, 24, 36, 41, 44];

/** A comfort check-in: the patient rates 0-10, where 10 is very comfortable. */
function checkin(id: string, title: string, tell: string): ProcedureStep {
  return step({
    id,
    kind: StepKind.checkin,
    title,
    tell,
    show: "Pick a number from 0 to 10, where 10 means very comfortable.",
    do: "There is no wrong answer: if you'd like a break, just say so.",
    expectedSeconds: 30,
  });
}

const CLEANING: ProcedurePlan = {
  id: "cleaning",
  name: "Scale and polish",
  summary: "We clean the hard tartar off your teeth and polish them smooth.",
  steps: [
    step({
      id: "intro",
      kind: StepKind.narration,
      title: "What we'll do today",
      tell: "Today is a scale and polish: we clean the hard tartar off your teeth and make them smooth.",
      show: "You'll feel vibration, cool water and some scraping, but it shouldn't hurt.",
      do: `It takes about half an hour. ${STOP_ANY_TIME}`,
      expectedSeconds: 45,
    }),
    step({
      id: "consent",
      kind: StepKind.consent,
      title: "Your go-ahead",
      tell: "Before we start, the dentist checks you're happy with a scale and polish.",
      show: "Your gums may bleed a little and feel tender for a day; that's normal and settles quickly.",
      do: READY,
      expectedSeconds: 60,
    }),
    step({
      id: "exam",
      kind: StepKind.manual,
      title: "A quick look around",
      teeth: [...PERMANENT_TEETH],
      tell: "First we look at every tooth and gently measure the gums with a thin, blunt ruler.",
      show: "You'll feel light pokes along the gum line.",
      do: "We'll call out numbers: they're measurements, not a score for you.",
      expectedSeconds: 300,
    }),
    step({
      id: "scaling-upper",
      kind: StepKind.manual,
      title: "Cleaning the top teeth",
      teeth: UPPER_TEETH,
      tell: "We use a small tool that vibrates to shake the tartar loose.",
      show: "It buzzes and sprays cool water. Near the gums it can feel a little sensitive.",
      do: "We'll start at the back on the right and work our way across.",
      expectedSeconds: 420,
      sound:
        "That buzz is the ultrasonic scaler: it vibrates very fast to shake tartar off, and the water keeps it cool.",
    }),
    checkin("checkin-halfway", "Halfway check-in", "We're halfway. Let's check how you're doing."),
    step({
      id: "scaling-lower",
      kind: StepKind.manual,
      title: "Cleaning the bottom teeth",
      teeth: LOWER_TEETH,
      tell: "Now the bottom teeth, where tartar likes to build up behind the front teeth.",
      show: "Same buzz and water as before. The suction tube takes the water away.",
      do: "We'll take it slowly around the front.",
      expectedSeconds: 420,
      sound:
        "That buzz is the ultrasonic scaler, and the slurping is the suction: a tiny vacuum cleaner for water.",
    }),
    step({
      id: "polish",
      kind: StepKind.manual,
      title: "Polishing",
      teeth: [...PERMANENT_TEETH],
      tell: "We polish each tooth with a soft rubber cup and a gritty paste.",
      show: "It hums and feels a bit like an electric toothbrush, with a minty taste.",
      do: "This is the easy part.",
      expectedSeconds: 300,
      sound: "That hum is the slow polisher: it spins a soft rubber cup to make your teeth smooth.",
    }),
    step({
      id: "plaque-check",
      kind: StepKind.automated,
      title: "Automated plaque check after polishing",
      teeth: INDEX_TEETH,
      dependsOn: [Signal.plaque],
      tell: "The small sensors on a few of your teeth check that the plaque is gone.",
      show: "You won't feel anything; it takes a few seconds.",
      do: "If a sensor isn't sure, the dentist checks with a special dye instead.",
      expectedSeconds: 20,
    }),
    step({
      id: "aftercare",
      kind: StepKind.narration,
      title: "Keeping it clean",
      tell: "All done: your teeth are clean and smooth.",
      show: "Your gums may feel tender today; a warm salt-water rinse helps.",
      do: "Brush twice a day and clean between your teeth once a day.",
      expectedSeconds: 45,
    }),
  ],
};

const SURFACE_WORDS: Readonly<Record<Surface, string>> = {
  M: "the side towards the front",
  O: "the chewing surface",
  I: "the biting edge",
  D: "the side towards the back",
  B: "the outer side",
  V: "the outer side",
  L: "the inner side",
};
/** Conventional order for writing surfaces (MODBL). */
const SURFACE_ORDER: readonly Surface[] = ["M", "O", "I", "D", "B", "V", "L"];

/** "lower left first molar" for 36. */
function toothName(fdi: number): string {
  return toothLabel(fdi).split(" · ")[1] ?? String(fdi);
}

function isPosterior(fdi: number): boolean {
  return fdi % 10 >= 4;
}

/** Checks a tooth and its surfaces; returns them in conventional order. */
function validateFilling(tooth: number, surfaces: readonly string[]): Result<Surface[]> {
  if (!isPermanentTooth(tooth)) {
    return fail(ErrorCode.badPayload, `${tooth} is not a permanent tooth in FDI notation (11-48).`);
  }
  if (surfaces.length === 0) return fail(ErrorCode.badPayload, "A filling needs at least one surface.");
  const known = new Set<string>(SURFACE_ORDER);
  for (const s of surfaces) {
    if (!known.has(s)) return fail(ErrorCode.badPayload, `Unknown surface '${s}'.`);
  }
  if (new Set(surfaces).size !== surfaces.length) return fail(ErrorCode.badPayload, "A surface is repeated.");
  const edge = isPosterior(tooth) ? "I" : "O";
  if (surfaces.includes(edge)) {
    const kind = isPosterior(tooth) ? "a back tooth has O (occlusal)" : "a front tooth has I (incisal)";
    return fail(ErrorCode.badPayload, `Surface ${edge} does not fit tooth ${tooth}: ${kind}.`);
  }
  if (surfaces.includes("B") && surfaces.includes("V")) {
    return fail(ErrorCode.badPayload, "B and V name the same outer surface: use one.");
  }
  return ok(SURFACE_ORDER.filter((s) => surfaces.includes(s)));
}

function buildFilling(id: string, tooth: number, surfaces: Surface[]): ProcedurePlan {
  const name = toothName(tooth);
  const code = surfaces.join("");
  const where = surfaces.map((s) => SURFACE_WORDS[s]).join(" and ");
  const lowerBack = tooth > 30 && isPosterior(tooth);
  const numbArea = lowerBack
    ? "Your lip, chin and half your tongue on that side will feel numb and puffy for a few hours."
    : "Your lip and cheek near the tooth will feel numb for a couple of hours.";
  const teeth = [tooth];
  return {
    id,
    name: `Filling ${tooth} ${code}`,
    summary: `A tooth-coloured filling on your ${name} (${where}).`,
    steps: [
      step({
        id: "intro",
        kind: StepKind.narration,
        title: "What we'll do today",
        teeth,
        tell: `Today we're fixing a small hole in your ${name}.`,
        show: "First we numb it, then we clean out the soft part and fill it with a tooth-coloured material.",
        do: `It takes about 35 minutes. ${STOP_ANY_TIME}`,
        expectedSeconds: 45,
      }),
      step({
        id: "consent",
        kind: StepKind.consent,
        title: "Your go-ahead",
        teeth,
        surfaces,
        tell: `Before we begin, the dentist checks you're happy with a white filling on ${where} of this tooth.`,
        show: "Ask anything first. Afterwards the tooth can be a little sensitive to cold for a few days.",
        do: READY,
        expectedSeconds: 90,
      }),
      step({
        id: "anaesthetic",
        kind: StepKind.manual,
        title: "Numbing the tooth",
        teeth,
        tell: "First a numbing gel on the gum, then a small injection so the tooth goes to sleep.",
        show: `You may feel a pinch and some pressure for a few seconds. ${numbArea}`,
        do: "We'll wait a few minutes for it to work before we do anything else.",
        expectedSeconds: 300,
      }),
      checkin("checkin-numb", "Check-in before we start", "Let's check in before we start on the tooth."),
      step({
        id: "isolation",
        kind: StepKind.manual,
        title: "Keeping the tooth dry",
        teeth,
        tell: "We put a thin rubber sheet, like a little raincoat, around the tooth to keep it dry.",
        show: "A small clip hugs the tooth. You can still breathe and swallow normally.",
        do: "Now we'll fit it.",
        expectedSeconds: 180,
      }),
      step({
        id: "caries-removal",
        kind: StepKind.manual,
        title: "Cleaning out the soft part",
        teeth,
        surfaces,
        tell: "Now we gently remove the soft, decayed part of the tooth.",
        show: "You'll hear a high whistle and feel vibration and water, but no pain, because it's numb.",
        do: "We'll work in short bursts. Raise your hand any time for a break.",
        expectedSeconds: 420,
        sound:
          "That whistle is the dental drill: a tiny turbine spinning very fast. The water keeps your tooth cool and the suction takes it away.",
      }),
      step({
        id: "cavity-check",
        kind: StepKind.automated,
        title: "Automated cavity pH/temperature check before bonding",
        teeth,
        surfaces,
        dependsOn: [Signal.ph, Signal.temperature],
        tell: "The little sensor on your tooth checks that the cavity is clean and not too warm for the filling.",
        show: "You won't feel anything; it takes a few seconds.",
        do: "If the sensor isn't sure, the dentist checks by eye instead.",
        expectedSeconds: 20,
      }),
      step({
        id: "placement",
        kind: StepKind.manual,
        title: "Placing the filling",
        teeth,
        surfaces,
        tell: "We paint on a gel and a bonding glue, then add the tooth-coloured filling in thin layers.",
        show: "You might notice a sour taste and a puff of air. It doesn't hurt.",
        do: "We shape each layer so it fits your bite.",
        expectedSeconds: 480,
        sound: "That hiss is the air and water syringe: it rinses and gently dries the tooth between layers.",
      }),
      step({
        id: "curing",
        kind: StepKind.manual,
        title: "Hardening with a blue light",
        teeth,
        surfaces,
        tell: "A blue light hardens each layer of the filling.",
        show: "You won't feel it. The light is bright, so we shield it from your eyes.",
        do: "We'll shine it for about 20 seconds on each layer.",
        expectedSeconds: 120,
        sound:
          "That beep is the curing light's timer: it beeps every ten seconds while it hardens the filling.",
      }),
      checkin("checkin-after", "Check-in", "The filling is in. Let's check how you're doing."),
      step({
        id: "bite-polish",
        kind: StepKind.manual,
        title: "Checking your bite and polishing",
        teeth,
        surfaces,
        tell: "We check your bite with a thin coloured paper and smooth any high spots.",
        show: "Tap your teeth together gently when we ask. The polisher hums and tickles.",
        do: "Then we polish the filling smooth.",
        expectedSeconds: 240,
        sound: "That hum is the slow polisher: it smooths the filling so it feels like your own tooth.",
      }),
      step({
        id: "aftercare",
        kind: StepKind.narration,
        title: "Looking after your filling",
        teeth,
        tell: "You're all done: the filling is hard straight away.",
        show: "The numbness wears off in two to four hours; until then avoid hot drinks and chewing on that side.",
        do: "Brush it just like your other teeth.",
        expectedSeconds: 60,
      }),
    ],
  };
}

const EXTRACTION_48: ProcedurePlan = {
  id: "extraction-48",
  name: "Extraction 48",
  summary: "We take out your lower right wisdom tooth.",
  steps: [
    step({
      id: "intro",
      kind: StepKind.narration,
      title: "What we'll do today",
      teeth: [48],
      tell: "Today we're taking out your lower right wisdom tooth.",
      show: "You'll be numb, so you'll feel pushing and pressure, but not pain.",
      do: `It usually takes 20 to 40 minutes. ${STOP_ANY_TIME}`,
      expectedSeconds: 45,
    }),
    step({
      id: "consent",
      kind: StepKind.consent,
      title: "Your go-ahead",
      teeth: [48],
      tell: "Before we start, the dentist goes through the plan and the risks with you.",
      show: "It will be sore and may swell for a few days. Rarely, the lip or tongue stays numb for longer.",
      do: READY,
      expectedSeconds: 180,
    }),
    step({
      id: "anaesthetic",
      kind: StepKind.manual,
      title: "Numbing the area",
      teeth: [48],
      tell: "A numbing gel on the gum, then an injection near the back of your jaw.",
      show: "A pinch and some pressure for a few seconds. Your lip, chin and half your tongue will go numb.",
      do: "We'll give it a few minutes to work fully.",
      expectedSeconds: 360,
    }),
    checkin(
      "checkin-numb",
      "Check-in before we start",
      "Let's make sure everything is numb and you're okay.",
    ),
    step({
      id: "loosening",
      kind: StepKind.manual,
      title: "Loosening the tooth",
      teeth: [48],
      tell: "We gently rock the tooth with a small lever to loosen it.",
      show: "You'll feel strong pressure, like a firm handshake, but nothing sharp.",
      do: "If anything feels sharp, raise your hand and we'll add more numbing.",
      expectedSeconds: 300,
      sound:
        "That creak is the tooth loosening in its socket. It's a normal sound and means it's going well.",
    }),
    checkin("checkin-mid", "Check-in", "You're doing well. Let's take a moment to check in."),
    step({
      id: "removal",
      kind: StepKind.manual,
      title: "Taking the tooth out",
      teeth: [48],
      tell: "Now we lift the loosened tooth out.",
      show: "More pushing and a moment of pressure, then it's out.",
      do: "Keep your mouth open wide for us; we'll be quick.",
      expectedSeconds: 180,
    }),
    step({
      id: "bleeding-control",
      kind: StepKind.manual,
      title: "Stopping the bleeding",
      teeth: [48],
      tell: "We place a folded gauze over the space, and sometimes a stitch or two.",
      show: "You bite firmly on the gauze; it may taste of blood, which is normal.",
      do: "Keep biting for about 20 minutes.",
      expectedSeconds: 300,
    }),
    step({
      id: "aftercare",
      kind: StepKind.narration,
      title: "Looking after the space",
      teeth: [48],
      tell: "The tooth is out, and the space will heal over the next two weeks.",
      show: "For 24 hours, don't rinse, spit hard, smoke or use a straw: the clot needs to settle.",
      do: "Eat soft food on the other side, and take the painkillers the dentist recommends.",
      expectedSeconds: 90,
    }),
  ],
};

/** Builds a composite filling plan for one permanent tooth and its surfaces (e.g. 36, ["M", "O"]). */
export function fillingPlan(tooth: number, surfaces: readonly string[]): Result<ProcedurePlan> {
  const valid = validateFilling(tooth, surfaces);
  if (!valid.ok) return valid;
  return ok(buildFilling(`filling-${tooth}-${valid.value.join("")}`, tooth, valid.value));
}

/**
 * The smallest plan that exercises the SOE safety interlock: one manual step, then one automated
 * step that depends on pH and temperature on 36. Used for device checks and the fault tests.
 */
export const SENSOR_CHECK_36: ProcedurePlan = {
  id: "sensor-check-36",
  name: "SOE sensor check on 36",
  summary: "A short check that the sensor on your lower left molar reads correctly.",
  steps: [
    step({
      id: "isolation",
      kind: StepKind.manual,
      title: "Drying the tooth",
      teeth: [36],
      tell: "We'll dry the back tooth on your lower left so the sensor reads cleanly.",
      show: "You'll feel a little air and a cotton roll, nothing sharp.",
      do: STOP_ANY_TIME,
      expectedSeconds: 30,
    }),
    step({
      id: "automated-reading",
      kind: StepKind.automated,
      title: "Automated pH and temperature reading on 36",
      teeth: [36],
      tell: "The sensor on that tooth takes a reading by itself.",
      show: "Nothing touches you: it just measures for a few seconds.",
      do: "If the sensor data is not trustworthy, the dentist checks by hand instead.",
      dependsOn: [Signal.ph, Signal.temperature],
      expectedSeconds: 20,
    }),
  ],
};

/** The treatments the clinic offers out of the box. */
export const PROCEDURE_PLANS: readonly ProcedurePlan[] = [
  CLEANING,
  buildFilling("filling-36", 36, ["M", "O"]),
  EXTRACTION_48,
];

/** Everything a clinician can pick: the treatments and the SOE sensor check. */
export const SELECTABLE_PLANS: readonly ProcedurePlan[] = [...PROCEDURE_PLANS, SENSOR_CHECK_36];

const FILLING_ID = /^filling-(\d{2})-([A-Z]{1,5})$/;

/** A plan by id: one of PROCEDURE_PLANS, or a filling id like "filling-26-DO"; null if unknown. */
export function planById(id: string): ProcedurePlan | null {
  const known = SELECTABLE_PLANS.find((p) => p.id === id);
  if (known !== undefined) return structuredClone(known);
  const match = FILLING_ID.exec(id);
  if (match === null) return null;
  const built = fillingPlan(Number(match[1]), [...match[2]!]);
  // Only the canonical spelling is a valid id, so each plan has exactly one.
  return built.ok && built.value.id === id ? built.value : null;
}
