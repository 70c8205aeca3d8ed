import { describe, expect, it } from "vitest";
import { type FeelingCue, isSpokenStop } from "../../shared/feelings.ts";
import { PatientQuestion, UtteranceKind } from "../../shared/otto.ts";
import { planById } from "../../shared/procedure/plans.ts";
import { ProcedureMachine } from "../../shared/procedure/procedureMachine.ts";
import type { ProcedurePlan } from "../../shared/procedure/types.ts";
import { AnxietyPathway } from "../../shared/protocol.ts";
import { Role } from "../../shared/roles.ts";
import { normalise, questionIn, understand } from "./feelingCues.ts";
import { AnxietyLevel, type OttoContext, OttoRules } from "./ottoRules.ts";

const JULIAN = { memberId: "m-julian", name: "Julian" };
const RAY = { memberId: "m-ray", name: "Dr. Ray" };
/** Words that label a person's state of mind; Otto never says them to the patient. */
const LABELS = /anxi|panic|nervous|scared|phobi/i;

function running(): OttoContext["procedure"] {
  const m = new ProcedureMachine(planById("filling-36") as ProcedurePlan, {
    now: () => 0,
    interlock: () => ({ ok: true }),
  });
  m.command({ memberId: RAY.memberId, role: Role.clinician }, "start");
  return m.view();
}

function ctx(over: Partial<OttoContext> = {}): OttoContext {
  return {
    now: 10_000_000,
    procedure: running(),
    alarmActive: false,
    stoppedByPatient: false,
    anxiety: AnxietyLevel.calm,
    pathway: AnxietyPathway.standard,
    patient: JULIAN,
    clinician: RAY,
    ...over,
  };
}

interface Row {
  said: string;
  cues: FeelingCue[];
  question?: PatientQuestion;
  /** What Otto's reply to the patient is, and what it must contain. */
  kind: UtteranceKind;
  reply: RegExp;
  /** The words the care team gets, or null for none. */
  team: RegExp | null;
  breathing: boolean;
}

/** Utterance → cue → response: the table issue 12 asks for. */
const TABLE: Row[] = [
  {
    said: "It hurts!",
    cues: ["pain"],
    kind: "empathy",
    reply: /told Dr\. Ray straight away/,
    team: /^Dr\. Ray, Julian says it hurts: "It hurts!"/,
    breathing: false,
  },
  {
    said: "ouch, that's sore",
    cues: ["pain"],
    kind: "empathy",
    reply: /say stop or press the button/,
    team: /Julian says it hurts/,
    breathing: false,
  },
  {
    said: "I can feel that, it aches",
    cues: ["pain"],
    kind: "empathy",
    reply: /Thank you for telling me, Julian/,
    team: /Julian says it hurts/,
    breathing: false,
  },
  {
    said: "I can't breathe, it's too much",
    cues: ["distress"],
    kind: "empathy",
    reply: /breathe slowly together/,
    team: /Julian is finding this hard/,
    breathing: true,
  },
  {
    said: "I feel sick and dizzy",
    cues: ["distress"],
    kind: "empathy",
    reply: /I've let Dr\. Ray know/,
    team: /check in with them/,
    breathing: true,
  },
  {
    said: "I don't feel good",
    cues: ["distress"],
    kind: "empathy",
    reply: /I hear you/,
    team: /finding this hard/,
    breathing: true,
  },
  {
    said: "I'm really scared",
    cues: ["fear"],
    kind: "empathy",
    reply: /you're in control/,
    team: /Julian told me: "I'm really scared"/,
    breathing: true,
  },
  {
    said: "I'm nervous about the drill",
    cues: ["fear"],
    kind: "empathy",
    reply: /breathe together/,
    team: /offered slow breathing/,
    breathing: true,
  },
  {
    said: "Phew, what a relief",
    cues: ["relief"],
    kind: "empathy",
    reply: /glad to hear that/,
    team: null,
    breathing: false,
  },
  {
    said: "It doesn't hurt at all",
    cues: ["relief"],
    kind: "empathy",
    reply: /glad to hear that/,
    team: null,
    breathing: false,
  },
  {
    said: "I'm not scared any more",
    cues: ["relief"],
    kind: "empathy",
    reply: /glad/,
    team: null,
    breathing: false,
  },
  { said: "haha that's funny", cues: ["humour"], kind: "humour", reply: /./, team: null, breathing: false },
  // Negative words with no named feeling count as distress: better a needless check than a missed one.
  {
    said: "That's not funny",
    cues: ["distress"],
    kind: "empathy",
    reply: /I hear you/,
    team: /finding this hard: "That's not funny"/,
    breathing: true,
  },
  {
    said: "My jaw is tired",
    cues: [],
    kind: "empathy",
    reply: /passed that on/,
    team: /Julian says: "My jaw is tired"/,
    breathing: false,
  },
  {
    said: "Will it hurt?",
    cues: [],
    question: "will_it_hurt",
    kind: "answer",
    reply: /we stop straight away/,
    team: null,
    breathing: false,
  },
  {
    said: "How long will this take?",
    cues: [],
    question: "how_long",
    kind: "answer",
    reply: /This step takes/,
    team: null,
    breathing: false,
  },
  {
    said: "What's that noise?",
    cues: [],
    question: "what_is_that_sound",
    kind: "answer",
    reply: /./,
    team: null,
    breathing: false,
  },
  {
    said: "Can I take a break?",
    cues: [],
    question: "can_i_stop",
    kind: "answer",
    reply: /Yes, always/,
    team: null,
    breathing: false,
  },
  {
    said: "Is my sister in the waiting room?",
    cues: [],
    kind: "empathy",
    reply: /passed that on to Dr\. Ray/,
    team: /Julian says: "Is my sister/,
    breathing: false,
  },
];

describe("Otto hears feelings: utterance → cue → response", () => {
  it.each(TABLE)("$said", (row) => {
    const heard = understand(row.said);
    expect(heard.cues).toEqual(row.cues);
    expect(heard.question).toBe(row.question ?? null);
    const r = new OttoRules({ rand: () => 0 }).react(
      { type: "patient_said", text: row.said, ...heard },
      ctx(),
    );
    const u = r!.utterance!;
    expect(u.kind).toBe(row.kind);
    expect(u.text).toMatch(row.reply);
    expect(u.addressee).toBe(JULIAN.memberId);
    expect(u.text).not.toMatch(LABELS);
    expect(r!.suggestBreathing ?? false).toBe(row.breathing);
    if (row.team === null) expect(r!.careTeam).toBeUndefined();
    else {
      expect(r!.careTeam!.text).toMatch(row.team);
      expect(r!.careTeam!.addressee).toBe(RAY.memberId);
    }
  });

  it("jokes back only when humour fits the moment", () => {
    const heard = understand("lol, good one");
    for (const over of [{ alarmActive: true }, { stoppedByPatient: true }, { anxiety: AnxietyLevel.high }]) {
      const r = new OttoRules({ rand: () => 0 }).react(
        { type: "patient_said", text: "lol", ...heard },
        ctx(over),
      );
      expect(r!.utterance!.kind).not.toBe(UtteranceKind.humour);
    }
  });

  it("names the care team generically when no clinician is in the room", () => {
    const heard = understand("it hurts");
    const r = new OttoRules({ rand: () => 0 }).react(
      { type: "patient_said", text: "it hurts", ...heard },
      ctx({ clinician: null }),
    );
    expect(r!.careTeam!.text).toMatch(/^Care team, Julian says it hurts/);
    expect(r!.careTeam!.addressee).toBeUndefined();
  });

  it("recognises menu questions in words, and nothing else", () => {
    expect(questionIn("what happens next?")).toBe(PatientQuestion.whatHappensNext);
    expect(questionIn("Are we nearly done?")).toBe(PatientQuestion.howLong);
    expect(questionIn("my jaw is tired")).toBeNull();
    expect(normalise("  I\u2019m   FINE ")).toBe("i'm fine");
  });
});

describe("the spoken stop", () => {
  it.each(["stop", "Stop!", "stop please", "Please stop.", "STOP STOP", "stop now"])("%s is a stop", (t) => {
    expect(isSpokenStop(t)).toBe(true);
  });
  it.each(["don't stop", "when do we stop?", "stopping", "it hurts", "", "s t o p"])("%s is not", (t) => {
    expect(isSpokenStop(t)).toBe(false);
  });
});
