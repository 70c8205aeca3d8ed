import { describe, expect, it } from "vitest";
import { Grant, PROCEDURE_GRANTS } from "../access.ts";
import { ErrorCode } from "../protocol.ts";
import { mulberry32 } from "../random.ts";
import { Role } from "../roles.ts";
import { Signal } from "../soe/signals.ts";
import { PROCEDURE_PLANS } from "./plans.ts";
import { type Actor, MAX_REASON_CHARS, ProcedureMachine } from "./procedureMachine.ts";
import {
  isTerminalStatus,
  PROCEDURE_COMMANDS,
  ProcedureCommand,
  type ProcedurePlan,
  ProcedureStatus,
  type ProcedureStep,
  StepKind,
} from "./types.ts";

const PATIENT: Actor = { memberId: "julian", role: Role.patient };
const CLINICIAN: Actor = { memberId: "dr-ray", role: Role.clinician };
const ASSISTANT: Actor = { memberId: "noah", role: Role.assistant };
const OBSERVER: Actor = { memberId: "student", role: Role.observer };
const PRESENTER: Actor = { memberId: "demo-screen", role: Role.presenter };
const OTTO: Actor = { memberId: "otto", role: Role.otto };
const ACTORS: Record<Role, Actor> = {
  patient: PATIENT,
  clinician: CLINICIAN,
  assistant: ASSISTANT,
  observer: OBSERVER,
  presenter: PRESENTER,
  otto: OTTO,
};
const REASON = "spoke with Julian, he is ready";

function s(id: string, kind: ProcedureStep["kind"], seconds = 60): ProcedureStep {
  return {
    id,
    kind,
    title: id,
    teeth: [36],
    surfaces: [],
    explanation: `${id} explained.`,
    dependsOn: kind === StepKind.automated ? [Signal.ph, Signal.temperature] : [],
    expectedSeconds: seconds,
  };
}

/** 0 narration, 1 consent, 2 manual, 3 automated, 4 checkin, 5 manual. */
const PLAN: ProcedurePlan = {
  id: "test",
  name: "Test plan",
  summary: "A plan for tests.",
  steps: [
    s("intro", StepKind.narration, 10),
    s("consent", StepKind.consent, 20),
    s("drill", StepKind.manual, 30),
    s("check", StepKind.automated, 40),
    s("checkin", StepKind.checkin, 50),
    s("polish", StepKind.manual, 60),
  ],
};
const CONSENT = 1;
const MANUAL = 2;
const AUTOMATED = 3;

type Lock = { ok: true } | { ok: false; reason: string };
const PASS: Lock = { ok: true };
const FAIL: Lock = { ok: false, reason: "pH sensor unreliable: use clinical exam" };

function setup(plan: ProcedurePlan = PLAN) {
  let t = 1_000;
  let lock: Lock = PASS;
  const checked: string[] = [];
  const m = new ProcedureMachine(plan, {
    now: () => t,
    interlock: (step) => {
      checked.push(step.id);
      return lock;
    },
  });
  return {
    m,
    checked,
    tick(ms: number) {
      t += ms;
    },
    setLock(next: Lock) {
      lock = next;
    },
  };
}

type Setup = ReturnType<typeof setup>;

function must(r: ReturnType<ProcedureMachine["command"]>) {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Walks the test plan to a step, running (giving consent on the way). */
function toStep(x: Setup, index: number) {
  must(x.m.command(CLINICIAN, "start"));
  while (x.m.view().stepIndex < index) {
    if (x.m.view().step?.kind === StepKind.consent) must(x.m.command(PATIENT, "ready"));
    must(x.m.command(CLINICIAN, "next"));
  }
}

type Situation =
  | "not_started"
  | "running"
  | "running_consent"
  | "running_automated"
  | "running_checkin"
  | "paused"
  | "blocked"
  | "paused_by_patient"
  | "aborted"
  | "completed";

/** A fresh machine in a named situation. */
function reach(situation: Situation): Setup {
  const x = setup();
  switch (situation) {
    case "not_started":
      break;
    case "running":
      toStep(x, MANUAL);
      break;
    case "running_consent":
      toStep(x, CONSENT);
      break;
    case "running_automated":
      toStep(x, AUTOMATED);
      break;
    case "running_checkin":
      toStep(x, AUTOMATED + 1);
      break;
    case "paused":
      toStep(x, MANUAL);
      must(x.m.command(CLINICIAN, "pause"));
      break;
    case "blocked":
      x.setLock(FAIL);
      toStep(x, AUTOMATED);
      break;
    case "paused_by_patient":
      toStep(x, MANUAL);
      must(x.m.command(PATIENT, "stop"));
      break;
    case "aborted":
      toStep(x, MANUAL);
      must(x.m.command(CLINICIAN, "abort"));
      break;
    case "completed":
      toStep(x, PLAN.steps.length - 1);
      must(x.m.command(CLINICIAN, "next"));
      break;
  }
  return x;
}

describe("role table", () => {
  // Written out by hand (not read from PROCEDURE_GRANTS) so a change to the table must change this too.
  const ALLOWED: Record<Role, string[]> = {
    patient: ["stop", "ready"],
    clinician: ["start", "pause", "resume", "next", "repeat", "abort", "override"],
    assistant: ["pause", "resume", "next", "repeat"],
    observer: [],
    presenter: [],
    otto: [],
  };
  // A situation where each command is legal for a role that holds it, on a non-automated step.
  const WHERE: Record<ProcedureCommand, Situation> = {
    start: "not_started",
    pause: "running",
    resume: "paused",
    next: "running_checkin",
    repeat: "running",
    abort: "running",
    stop: "running",
    ready: "running_consent",
    override: "blocked",
  };
  const cases = Object.values(Role).flatMap((role) =>
    PROCEDURE_COMMANDS.map((command) => ({ role, command, allowed: ALLOWED[role].includes(command) })),
  );

  it.each(cases)("$role $command -> allowed: $allowed", ({ role, command, allowed }) => {
    const x = reach(WHERE[command]);
    const before = x.m.view();
    const r = x.m.command(ACTORS[role], command, REASON);
    if (allowed) {
      expect(r.ok, JSON.stringify(r)).toBe(true);
    } else {
      expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.forbidden } });
      expect(x.m.view()).toEqual(before);
    }
  });

  it("matches the written table", () => {
    for (const role of Object.values(Role)) {
      const granted = PROCEDURE_COMMANDS.filter((c) => PROCEDURE_GRANTS[role][c] !== Grant.no);
      expect(granted.sort(), role).toEqual([...ALLOWED[role]].sort());
    }
  });
});

describe("transitions", () => {
  const cases: {
    name: string;
    from: Situation;
    actor: Actor;
    command: ProcedureCommand;
    reason?: string;
    code: ErrorCode | null;
    to?: ProcedureStatus;
  }[] = [
    { name: "start", from: "not_started", actor: CLINICIAN, command: "start", code: null, to: "running" },
    { name: "start twice", from: "running", actor: CLINICIAN, command: "start", code: "illegal_transition" },
    { name: "pause", from: "running", actor: ASSISTANT, command: "pause", code: null, to: "paused" },
    { name: "pause a block", from: "blocked", actor: CLINICIAN, command: "pause", code: null, to: "paused" },
    { name: "pause twice", from: "paused", actor: CLINICIAN, command: "pause", code: "illegal_transition" },
    {
      name: "pause unstarted",
      from: "not_started",
      actor: CLINICIAN,
      command: "pause",
      code: "illegal_transition",
    },
    {
      name: "pause after stop",
      from: "paused_by_patient",
      actor: CLINICIAN,
      command: "pause",
      code: "illegal_transition",
    },
    { name: "resume", from: "paused", actor: CLINICIAN, command: "resume", code: null, to: "running" },
    {
      name: "resume running",
      from: "running",
      actor: CLINICIAN,
      command: "resume",
      code: "illegal_transition",
    },
    {
      name: "assistant resume",
      from: "paused",
      actor: ASSISTANT,
      command: "resume",
      code: null,
      to: "running",
    },
    {
      name: "next after stop",
      from: "paused_by_patient",
      actor: CLINICIAN,
      command: "next",
      code: "illegal_transition",
    },
    {
      name: "next while paused",
      from: "paused",
      actor: CLINICIAN,
      command: "next",
      code: "illegal_transition",
    },
    {
      name: "next unstarted",
      from: "not_started",
      actor: CLINICIAN,
      command: "next",
      code: "illegal_transition",
    },
    {
      name: "next without consent",
      from: "running_consent",
      actor: CLINICIAN,
      command: "next",
      code: "illegal_transition",
    },
    { name: "patient next", from: "running", actor: PATIENT, command: "next", code: "forbidden" },
    { name: "patient resume", from: "paused", actor: PATIENT, command: "resume", code: "forbidden" },
    { name: "clinician stop", from: "running", actor: CLINICIAN, command: "stop", code: "forbidden" },
    {
      name: "clinician ready",
      from: "running_consent",
      actor: CLINICIAN,
      command: "ready",
      code: "forbidden",
    },
    {
      name: "override when not blocked",
      from: "running_automated",
      actor: CLINICIAN,
      command: "override",
      reason: "checked by eye",
      code: "illegal_transition",
    },
    {
      name: "override without reason",
      from: "blocked",
      actor: CLINICIAN,
      command: "override",
      code: "illegal_transition",
    },
    {
      name: "override with blank reason",
      from: "blocked",
      actor: CLINICIAN,
      command: "override",
      reason: "   ",
      code: "illegal_transition",
    },
    {
      name: "override",
      from: "blocked",
      actor: CLINICIAN,
      command: "override",
      reason: "cavity checked by eye",
      code: null,
      to: "running",
    },
    {
      name: "assistant override",
      from: "blocked",
      actor: ASSISTANT,
      command: "override",
      reason: "x",
      code: "forbidden",
    },
    {
      name: "skip a blocked step",
      from: "blocked",
      actor: CLINICIAN,
      command: "next",
      code: null,
      to: "running",
    },
    {
      name: "resume after stop without reason",
      from: "paused_by_patient",
      actor: CLINICIAN,
      command: "resume",
      code: "illegal_transition",
    },
    {
      name: "resume after stop with blank reason",
      from: "paused_by_patient",
      actor: CLINICIAN,
      command: "resume",
      reason: " ",
      code: "illegal_transition",
    },
    {
      name: "resume after stop with reason",
      from: "paused_by_patient",
      actor: CLINICIAN,
      command: "resume",
      reason: REASON,
      code: null,
      to: "running",
    },
    {
      name: "assistant resume after stop",
      from: "paused_by_patient",
      actor: ASSISTANT,
      command: "resume",
      reason: REASON,
      code: "forbidden",
    },
    {
      name: "assistant next onto automated",
      from: "running",
      actor: ASSISTANT,
      command: "next",
      code: "forbidden",
    },
    {
      name: "assistant resume a block",
      from: "blocked",
      actor: ASSISTANT,
      command: "resume",
      code: "forbidden",
    },
    {
      name: "assistant repeat automated",
      from: "blocked",
      actor: ASSISTANT,
      command: "repeat",
      code: "forbidden",
    },
    { name: "assistant start", from: "not_started", actor: ASSISTANT, command: "start", code: "forbidden" },
    { name: "assistant abort", from: "running", actor: ASSISTANT, command: "abort", code: "forbidden" },
    {
      name: "assistant pause automated",
      from: "running_automated",
      actor: ASSISTANT,
      command: "pause",
      code: null,
      to: "paused",
    },
    { name: "observer pause", from: "running", actor: OBSERVER, command: "pause", code: "forbidden" },
    { name: "otto next", from: "running", actor: OTTO, command: "next", code: "forbidden" },
    {
      name: "ready with nothing waiting",
      from: "running",
      actor: PATIENT,
      command: "ready",
      code: "illegal_transition",
    },
    {
      name: "ready unstarted",
      from: "not_started",
      actor: PATIENT,
      command: "ready",
      code: "illegal_transition",
    },
    { name: "repeat", from: "running", actor: ASSISTANT, command: "repeat", code: null, to: "running" },
    { name: "repeat paused", from: "paused", actor: CLINICIAN, command: "repeat", code: null, to: "running" },
    {
      name: "repeat after stop",
      from: "paused_by_patient",
      actor: CLINICIAN,
      command: "repeat",
      code: "illegal_transition",
    },
    {
      name: "abort after stop",
      from: "paused_by_patient",
      actor: CLINICIAN,
      command: "abort",
      code: null,
      to: "aborted",
    },
    {
      name: "abort unstarted",
      from: "not_started",
      actor: CLINICIAN,
      command: "abort",
      code: null,
      to: "aborted",
    },
    { name: "abort twice", from: "aborted", actor: CLINICIAN, command: "abort", code: "illegal_transition" },
    {
      name: "next after completion",
      from: "completed",
      actor: CLINICIAN,
      command: "next",
      code: "illegal_transition",
    },
    {
      name: "stop after completion",
      from: "completed",
      actor: PATIENT,
      command: "stop",
      code: "illegal_transition",
    },
    {
      name: "stop after abort",
      from: "aborted",
      actor: PATIENT,
      command: "stop",
      code: "illegal_transition",
    },
    {
      name: "over-long reason",
      from: "running",
      actor: CLINICIAN,
      command: "pause",
      reason: "x".repeat(MAX_REASON_CHARS + 1),
      code: "bad_payload",
    },
    {
      name: "stop with over-long reason",
      from: "running",
      actor: PATIENT,
      command: "stop",
      reason: "x".repeat(MAX_REASON_CHARS + 1),
      code: null,
      to: "paused_by_patient",
    },
  ];

  it.each(cases)("$name", ({ from, actor, command, reason, code, to }) => {
    const x = reach(from);
    const before = x.m.view();
    const historyBefore = x.m.history().length;
    const r = x.m.command(actor, command, reason);
    if (code === null) {
      expect(r.ok, JSON.stringify(r)).toBe(true);
      expect(x.m.view().status).toBe(to);
      expect(x.m.history().at(-1)).toEqual(r.ok ? r.value : null);
    } else {
      expect(r).toMatchObject({ ok: false, error: { code } });
      if (!r.ok) expect(r.error.message.length).toBeGreaterThan(10);
      expect(x.m.view()).toEqual(before);
      expect(x.m.history()).toHaveLength(historyBefore);
    }
  });

  it("completes after next on the last step", () => {
    const x = reach("completed");
    const v = x.m.view();
    expect(v.status).toBe("completed");
    expect(v.stepIndex).toBe(PLAN.steps.length);
    expect(v.step).toBeNull();
    expect(v.nextStep).toBeNull();
    expect(v.remainingSeconds).toBe(0);
  });

  it("completes an empty plan on start", () => {
    const x = setup({ ...PLAN, steps: [] });
    expect(must(x.m.command(CLINICIAN, "start")).to).toBe("completed");
  });

  it("records every transition with who, when, which step and why", () => {
    const x = setup();
    must(x.m.command(CLINICIAN, "start"));
    x.tick(500);
    must(x.m.command(CLINICIAN, "pause", "  suction blocked  "));
    expect(x.m.history()).toEqual([
      {
        at: 1_000,
        command: "start",
        by: { memberId: "dr-ray", role: "clinician" },
        from: "not_started",
        to: "running",
        stepIndex: 0,
      },
      {
        at: 1_500,
        command: "pause",
        by: { memberId: "dr-ray", role: "clinician" },
        from: "running",
        to: "paused",
        stepIndex: 0,
        reason: "suction blocked",
      },
    ]);
  });
});

describe("the patient's stop", () => {
  const cases: { from: Situation; back: ProcedureStatus }[] = [
    { from: "running", back: "running" },
    { from: "running_consent", back: "running" },
    { from: "running_automated", back: "running" },
    { from: "paused", back: "paused" },
    { from: "blocked", back: "blocked" },
    { from: "paused_by_patient", back: "running" },
  ];

  it.each(cases)("wins from $from, and 'ready' returns to $back", ({ from, back }) => {
    const x = reach(from);
    const stop = must(x.m.command(PATIENT, "stop", "hand raised"));
    expect(stop.to).toBe("paused_by_patient");
    expect(stop.by).toEqual({ memberId: "julian", role: "patient" });
    expect(x.m.view().status).toBe("paused_by_patient");
    for (const role of [Role.clinician, Role.assistant] as const) {
      expect(x.m.command(ACTORS[role], "next").ok).toBe(false);
    }
    must(x.m.command(PATIENT, "ready"));
    expect(x.m.view().status).toBe(back);
  });

  it("is accepted again and again, without rate limits", () => {
    const x = reach("running");
    for (let i = 0; i < 100; i++) expect(x.m.command(PATIENT, "stop").ok).toBe(true);
    expect(x.m.view().status).toBe("paused_by_patient");
    must(x.m.command(PATIENT, "ready"));
    expect(x.m.view().status).toBe("running");
  });

  it("is accepted with a reason that is not text (never refused for its payload)", () => {
    const x = reach("running");
    const r = x.m.command(PATIENT, "stop", 42 as unknown as string);
    expect(r.ok).toBe(true);
    expect(x.m.view().status).toBe("paused_by_patient");
  });

  it("is lifted by a clinician's resume with a reason, which is recorded", () => {
    const x = reach("paused_by_patient");
    const t = must(x.m.command(CLINICIAN, "resume", REASON));
    expect(t).toMatchObject({ from: "paused_by_patient", to: "running", reason: REASON, command: "resume" });
  });

  it("does not let the patient's ready lift a block: the interlock still decides", () => {
    const x = reach("blocked");
    x.setLock(PASS);
    must(x.m.command(PATIENT, "stop"));
    must(x.m.command(PATIENT, "ready"));
    expect(x.m.view().status).toBe("blocked");
    expect(x.m.view().blockedReason).toBe("pH sensor unreliable: use clinical exam");
  });

  it("re-checks the interlock when the patient's ready returns to an automated step", () => {
    const x = reach("running_automated");
    must(x.m.command(PATIENT, "stop"));
    x.setLock(FAIL);
    const t = must(x.m.command(PATIENT, "ready"));
    expect(t).toMatchObject({ command: "interlock_block", to: "blocked", by: { system: "interlock" } });
    expect(x.m.view().status).toBe("blocked");
  });

  it.each([
    { lock: PASS, to: "running" },
    { lock: FAIL, to: "blocked" },
  ])("a clinician's resume after a stop over a block re-checks the interlock -> $to", ({ lock, to }) => {
    const x = reach("blocked");
    must(x.m.command(PATIENT, "stop"));
    x.setLock(lock);
    must(x.m.command(CLINICIAN, "resume", REASON));
    expect(x.m.view().status).toBe(to);
  });

  it("a clinician's resume after a stop in a clinician's pause continues", () => {
    const x = reach("paused");
    must(x.m.command(PATIENT, "stop"));
    must(x.m.command(CLINICIAN, "resume", REASON));
    expect(x.m.view().status).toBe("running");
  });

  it("a clinician cannot 'resume' a 'not yet': nothing is paused", () => {
    const x = reach("not_started");
    must(x.m.command(PATIENT, "stop"));
    expect(x.m.command(CLINICIAN, "resume", REASON).ok).toBe(false);
    expect(x.m.view().status).toBe("not_started");
  });
});

describe("a stop before the start is a 'not yet'", () => {
  it("stays not started, enters no step, and is recorded for the team", () => {
    const x = reach("not_started");
    const t = must(x.m.command(PATIENT, "stop", "hand raised"));
    expect(t).toMatchObject({ command: "stop", from: "not_started", to: "not_started", stepIndex: 0 });
    const v = x.m.view();
    expect(v).toMatchObject({ status: "not_started", step: null, notYet: true });
    expect(x.m.toState().returnTo).toBeNull();
  });

  it("holds the start until the patient is ready, or a clinician gives a reason", () => {
    const x = reach("not_started");
    must(x.m.command(PATIENT, "stop"));
    const refused = x.m.command(CLINICIAN, "start");
    expect(refused).toMatchObject({ ok: false, error: { code: ErrorCode.illegalTransition } });
    expect(refused.ok || refused.error.message).toContain("not yet");
    must(x.m.command(PATIENT, "ready"));
    expect(x.m.view()).toMatchObject({ status: "not_started", notYet: false });
    expect(must(x.m.command(CLINICIAN, "start")).to).toBe("running");

    const y = reach("not_started");
    must(y.m.command(PATIENT, "stop"));
    must(y.m.command(PATIENT, "stop"));
    expect(must(y.m.command(CLINICIAN, "start", REASON))).toMatchObject({ to: "running", reason: REASON });
  });

  it("survives a restart (it is read from the history)", () => {
    const x = reach("not_started");
    must(x.m.command(PATIENT, "stop"));
    const restored = ProcedureMachine.fromState(structuredClone(x.m.toState()), {
      now: () => 0,
      interlock: () => PASS,
    });
    if (!restored.ok) throw new Error(restored.error.message);
    const back = restored.value;
    expect(back.view().notYet).toBe(true);
    expect(back.command(CLINICIAN, "start").ok).toBe(false);
  });

  it("without a stop, nothing waits: notYet is false", () => {
    expect(reach("not_started").m.view().notYet).toBe(false);
    expect(reach("running").m.view().notYet).toBe(false);
  });
});

describe("consent", () => {
  it("needs the patient's ready before the clinician moves on", () => {
    const x = reach("running_consent");
    expect(x.m.view().consentGiven).toBe(false);
    expect(x.m.command(CLINICIAN, "next").ok).toBe(false);
    const t = must(x.m.command(PATIENT, "ready"));
    expect(t).toMatchObject({ command: "ready", from: "running", to: "running", stepIndex: CONSENT });
    expect(x.m.view().consentGiven).toBe(true);
    expect(must(x.m.command(CLINICIAN, "next")).stepIndex).toBe(MANUAL);
    expect(x.m.view().consentGiven).toBe(false);
  });

  it("is withdrawn by a stop, and the ready that lifts the stop is not consent", () => {
    const x = reach("running_consent");
    must(x.m.command(PATIENT, "ready"));
    must(x.m.command(PATIENT, "stop"));
    must(x.m.command(PATIENT, "ready"));
    expect(x.m.view()).toMatchObject({ status: "running", consentGiven: false });
    expect(x.m.command(CLINICIAN, "next").ok).toBe(false);
    must(x.m.command(PATIENT, "ready"));
    expect(x.m.command(CLINICIAN, "next").ok).toBe(true);
  });

  it("is asked again when the step is repeated", () => {
    const x = reach("running_consent");
    must(x.m.command(PATIENT, "ready"));
    must(x.m.command(CLINICIAN, "repeat"));
    expect(x.m.command(CLINICIAN, "next").ok).toBe(false);
  });
});

describe("interlock", () => {
  it("checks an automated step when it would start, and passes it", () => {
    const x = reach("running_automated");
    expect(x.checked).toEqual(["check"]);
    expect(x.m.view()).toMatchObject({ status: "running", blockedReason: null });
  });

  it("blocks with a plain reason, recorded as the interlock", () => {
    const x = reach("blocked");
    const h = x.m.history();
    // The command lands straight on blocked: the history never shows the automated step running.
    expect(h.at(-2)).toMatchObject({ command: "next", from: "running", to: "blocked", stepIndex: AUTOMATED });
    expect(h.at(-1)).toMatchObject({
      command: "interlock_block",
      by: { system: "interlock" },
      from: "blocked",
      to: "blocked",
      stepIndex: AUTOMATED,
      reason: "pH sensor unreliable: use clinical exam",
    });
    expect(x.m.view().blockedReason).toBe("pH sensor unreliable: use clinical exam");
  });

  it.each(["start", "repeat", "resume"] as const)("runs when %s lands on an automated step", (command) => {
    const plan = { ...PLAN, steps: [s("auto", StepKind.automated)] };
    const x = setup(plan);
    x.setLock(FAIL);
    if (command !== "start") {
      x.setLock(PASS);
      must(x.m.command(CLINICIAN, "start"));
      if (command === "resume") must(x.m.command(CLINICIAN, "pause"));
      x.setLock(FAIL);
    }
    must(x.m.command(CLINICIAN, command));
    expect(x.m.view().status).toBe("blocked");
  });

  it("blocks a running automated step when the data goes bad, once", () => {
    const x = reach("running_automated");
    x.setLock(FAIL);
    const t = x.m.reevaluateInterlock();
    expect(t).toMatchObject({ command: "interlock_block", from: "running", to: "blocked" });
    expect(x.m.reevaluateInterlock()).toBeNull();
    expect(x.m.view().status).toBe("blocked");
  });

  it("ignores manual steps and paused procedures", () => {
    const x = reach("running");
    x.setLock(FAIL);
    expect(x.m.reevaluateInterlock()).toBeNull();
    expect(x.checked).toEqual([]);
    const y = reach("running_automated");
    must(y.m.command(CLINICIAN, "pause"));
    y.setLock(FAIL);
    expect(y.m.reevaluateInterlock()).toBeNull();
    expect(y.m.view().status).toBe("paused");
  });

  it("stays blocked when the data recovers (fail safe) until a clinician resumes", () => {
    const x = reach("blocked");
    x.setLock(PASS);
    expect(x.m.reevaluateInterlock()).toBeNull();
    expect(x.m.view().status).toBe("blocked");
    const t = must(x.m.command(CLINICIAN, "resume"));
    expect(t).toMatchObject({ from: "blocked", to: "running" });
    expect(x.m.view().blockedReason).toBeNull();
  });

  it("refuses a resume while the check still fails, saying why", () => {
    const x = reach("blocked");
    const r = x.m.command(CLINICIAN, "resume");
    expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.illegalTransition } });
    if (!r.ok) expect(r.error.message).toContain("pH sensor unreliable");
    expect(x.m.view().status).toBe("blocked");
  });

  it("re-checks on resume after a pause from a block", () => {
    const x = reach("blocked");
    must(x.m.command(CLINICIAN, "pause"));
    must(x.m.command(CLINICIAN, "resume"));
    expect(x.m.view().status).toBe("blocked");
  });

  it("runs the step on a clinician's override with a reason, until the step changes", () => {
    const x = reach("blocked");
    x.tick(2_000);
    const t = must(x.m.command(CLINICIAN, "override", "cavity checked by eye"));
    expect(t).toMatchObject({
      command: "override",
      from: "blocked",
      to: "running",
      reason: "cavity checked by eye",
    });
    expect(x.m.view().override).toEqual({ by: "dr-ray", reason: "cavity checked by eye", at: t.at });
    expect(x.m.reevaluateInterlock()).toBeNull();
    expect(x.m.view().status).toBe("running");
    must(x.m.command(PATIENT, "stop"));
    must(x.m.command(PATIENT, "ready"));
    expect(x.m.view()).toMatchObject({ status: "running", override: { by: "dr-ray" } });
    must(x.m.command(CLINICIAN, "next"));
    expect(x.m.view().override).toBeNull();
  });

  it("clears the override on repeat, so the repeat is checked again", () => {
    const x = reach("blocked");
    must(x.m.command(CLINICIAN, "override", "checked by eye"));
    must(x.m.command(CLINICIAN, "repeat"));
    expect(x.m.view()).toMatchObject({ status: "blocked", override: null });
  });

  it("blocks when the interlock itself throws", () => {
    const m = new ProcedureMachine(
      { ...PLAN, steps: [s("auto", StepKind.automated)] },
      {
        now: () => 0,
        interlock: () => {
          throw new Error("sensor table missing");
        },
      },
    );
    must(m.command(CLINICIAN, "start"));
    expect(m.view().status).toBe("blocked");
    expect(m.view().blockedReason).toMatch(/could not run/);
  });

  it("is passed the step that would run", () => {
    const seen: ProcedureStep[] = [];
    const m = new ProcedureMachine(PLAN, {
      now: () => 0,
      interlock: (step) => {
        seen.push(step);
        return PASS;
      },
    });
    must(m.command(CLINICIAN, "start"));
    must(m.command(CLINICIAN, "next"));
    must(m.command(PATIENT, "ready"));
    must(m.command(CLINICIAN, "next"));
    must(m.command(CLINICIAN, "next"));
    expect(seen.map((x) => [x.id, x.dependsOn])).toEqual([["check", ["ph", "temperature"]]]);
  });
});

describe("view", () => {
  it("shows the first step as next before the start, with the whole duration", () => {
    const v = setup().m.view();
    expect(v).toMatchObject({ planId: "test", planName: "Test plan", status: "not_started", stepIndex: 0 });
    expect(v.stepCount).toBe(6);
    expect(v.step).toBeNull();
    expect(v.nextStep?.id).toBe("intro");
    expect(v.remainingSeconds).toBe(210);
  });

  it("shows the current and next step while running", () => {
    const v = reach("running").m.view();
    expect(v.step?.id).toBe("drill");
    expect(v.nextStep?.id).toBe("check");
    expect(v.remainingSeconds).toBe(180);
  });

  it("hands out copies: editing a view or the plan changes nothing inside", () => {
    const plan = structuredClone(PLAN);
    const x = setup(plan);
    must(x.m.command(CLINICIAN, "start"));
    const v = x.m.view();
    v.step!.title = "changed";
    plan.steps[0]!.title = "changed too";
    expect(x.m.view().step?.title).toBe("intro");
  });

  it("keeps history times non-decreasing even if the clock steps back", () => {
    const x = setup();
    must(x.m.command(CLINICIAN, "start"));
    x.tick(-10_000);
    must(x.m.command(CLINICIAN, "pause"));
    const [a, b] = x.m.history();
    expect(b!.at).toBeGreaterThanOrEqual(a!.at);
  });
});

describe("property: random command sequences from every role", () => {
  const ROLES = Object.values(Role);
  const REASONS = [undefined, "", "   ", REASON, "checked by eye", "x".repeat(MAX_REASON_CHARS + 5)];
  const PLANS = [PLAN, ...PROCEDURE_PLANS];
  const SEEDS = Array.from({ length: 60 }, (_, i) => 0x5eed + i * 7919);

  function pick<T>(rand: () => number, items: readonly T[]): T {
    return items[Math.min(items.length - 1, Math.floor(rand() * items.length))]!;
  }

  // Weighted so runs reach deep into the plans: abort is rare, moving on is common.
  const WEIGHTS: Record<ProcedureCommand, number> = {
    start: 3,
    pause: 2,
    resume: 3,
    next: 8,
    repeat: 1,
    abort: 0.1,
    stop: 3,
    ready: 5,
    override: 2,
  };
  const TOTAL_WEIGHT = PROCEDURE_COMMANDS.reduce((sum, c) => sum + WEIGHTS[c], 0);
  function pickCommand(rand: () => number): ProcedureCommand {
    let r = rand() * TOTAL_WEIGHT;
    for (const c of PROCEDURE_COMMANDS) {
      r -= WEIGHTS[c];
      if (r < 0) return c;
    }
    return ProcedureCommand.next;
  }

  /** Each from equals the previous to, times never go back, and only the allowed lift a stop. */
  function checkHistory(m: ProcedureMachine, label: string) {
    let previous: ProcedureStatus = "not_started";
    let previousAt = Number.NEGATIVE_INFINITY;
    for (const [i, h] of m.history().entries()) {
      const at = `${label} transition ${i}`;
      expect(h.from, at).toBe(previous);
      expect(h.at, at).toBeGreaterThanOrEqual(previousAt);
      if (h.from === "paused_by_patient" && h.to !== "paused_by_patient") {
        const by = "role" in h.by ? h.by.role : "system";
        const lifted =
          (h.command === "ready" && by === "patient") ||
          (h.command === "resume" && by === "clinician" && (h.reason ?? "").trim() !== "") ||
          (h.command === "abort" && by === "clinician");
        expect(lifted, `${at}: ${by} ${h.command} left the patient's stop`).toBe(true);
      }
      previous = h.to;
      previousAt = h.at;
    }
    expect(m.view().status, label).toBe(previous);
  }

  it.each(SEEDS)("holds the safety invariants (seed %i)", (seed) => {
    const rand = mulberry32(seed);
    let t = 0;
    let lockOk = true;
    const fresh = () =>
      new ProcedureMachine(pick(rand, PLANS), { now: () => t, interlock: () => (lockOk ? PASS : FAIL) });
    let m = fresh();
    let runs = 1;
    let accepted = 0;
    for (let i = 0; i < 600; i++) {
      const at = `seed ${seed} op ${i}`;
      if (isTerminalStatus(m.view().status)) {
        // A finished run: check it whole, then carry on with a fresh procedure.
        checkHistory(m, `seed ${seed} run ${runs}`);
        m = fresh();
        runs++;
      }
      // The clock mostly moves forward, sometimes jumps back (the history must not).
      t += rand() < 0.05 ? -1_000 : Math.floor(rand() * 5_000);
      if (rand() < 0.15) {
        lockOk = rand() < 0.6;
        // The server re-evaluates whenever reading quality changes.
        const block = m.reevaluateInterlock();
        if (block !== null) expect(block.command, at).toBe("interlock_block");
      } else {
        const actor = ACTORS[pick(rand, ROLES)];
        const command = pickCommand(rand);
        const reason = pick(rand, REASONS);
        const before = m.view();
        const historyBefore = m.history();
        const r = m.command(actor, command, reason);
        const after = m.view();
        const patientStop = actor.role === Role.patient && command === ProcedureCommand.stop;
        if (r.ok) {
          accepted++;
          expect(PROCEDURE_GRANTS[actor.role][command], `${at}: ${actor.role} ${command} accepted`).not.toBe(
            Grant.no,
          );
          expect(m.history().at(-1), at).toEqual(r.value);
          expect(m.history().length, at).toBeGreaterThan(historyBefore.length);
          if (patientStop) {
            // Before the start a stop is a "not yet"; after it, a pause by the patient.
            const expected = before.status === "not_started" ? "not_started" : "paused_by_patient";
            expect(after.status, at).toBe(expected);
            expect(r.value.to, at).toBe(expected);
            if (expected === "not_started") expect(after.notYet, at).toBe(true);
          }
          if (PROCEDURE_GRANTS[actor.role][command] === Grant.manualStepsOnly) {
            expect(before.status, `${at}: assistant after stop`).not.toBe("paused_by_patient");
            expect(before.step?.kind, `${at}: assistant from automated`).not.toBe(StepKind.automated);
            expect(after.step?.kind, `${at}: assistant onto automated`).not.toBe(StepKind.automated);
          }
        } else {
          expect(after, `${at}: refused ${command} changed the view`).toEqual(before);
          expect(m.history(), at).toEqual(historyBefore);
          if (patientStop) expect(isTerminalStatus(before.status), `${at}: stop refused`).toBe(true);
        }
      }
      const v = m.view();
      if (v.status === "running" && v.step?.kind === StepKind.automated && !lockOk) {
        expect(v.override, `${at}: automated step running on bad data without override`).not.toBeNull();
      }
      if (v.status === "blocked") expect(v.blockedReason, at).not.toBeNull();
    }
    checkHistory(m, `seed ${seed} run ${runs}`);
    expect(accepted, `seed ${seed}: the run should do something`).toBeGreaterThan(15);
  });

  it("reaches every status across the seeds", () => {
    const seen = new Set<ProcedureStatus>();
    for (const seed of SEEDS) {
      const rand = mulberry32(seed);
      let lockOk = true;
      const m = new ProcedureMachine(pick(rand, PLANS), {
        now: () => 0,
        interlock: () => (lockOk ? PASS : FAIL),
      });
      for (let i = 0; i < 400; i++) {
        if (rand() < 0.15) lockOk = rand() < 0.6;
        m.command(ACTORS[pick(rand, ROLES)], pickCommand(rand), pick(rand, REASONS));
        seen.add(m.view().status);
      }
    }
    expect([...seen].sort()).toEqual(Object.values(ProcedureStatus).sort());
  });
});
