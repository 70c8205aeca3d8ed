/**
 * The patient's world panels as data, and the one decision of which panel the patient sees now:
 * the MDAS before the start only, the 0-10 comfort check-in, the pause ("Take your time"), the
 * Otto question menu, and the STOP bar. Pure: no Babylon. The only implementation the patient's
 * page uses, so what is tested here is what the patient sees. Choices come back on
 * `onPanelChoiceObservable` as { panel: id, value }.
 */
import { CHECKIN_SCALE } from "../../shared/comfort/checkinTrigger.ts";
import { MDAS_ANSWERS, MDAS_ITEMS } from "../../shared/comfort/mdas.ts";
import { PatientQuestion } from "../../shared/otto.ts";
import { ProcedureStatus, type ProcedureView } from "../../shared/procedure/types.ts";
import type { Surroundings } from "../../shared/protocol.ts";
import type { PanelSpec } from "./worldPanel.ts";

/** Panel ids the scene uses; MDAS panels are `mdas:1` .. `mdas:5`. */
export const PanelId = {
  checkin: "checkin",
  otto: "otto",
  controls: "controls",
  paused: "paused",
  notYet: "not-yet",
} as const;

export const CONTROL_VALUES = { stop: "stop", ready: "ready" } as const;

/** Comfort choices on the Otto menu and the pause panel (besides the `PatientQuestion`s). */
export const COMFORT_VALUES = {
  breathe: "breathe",
  skipMdas: "skip",
  nature: "nature",
  clinic: "clinic",
} as const;

/**
 * What the patient reads, in the flat view and in VR alike, while a STOP cannot reach the server:
 * the clinic's fallback stop signal is a raised hand, which the care team sees without the system.
 */
export const STOP_UNREACHABLE = {
  headline: "Not connected: the STOP button cannot reach your care team right now.",
  action: "Raise your hand to stop.",
  pressed: "Your stop may not have reached your care team. Raise your hand now.",
} as const;

/** MDAS item `index` (0-based); values "1".."5". */
export function mdasPanel(index: number): PanelSpec {
  const item = MDAS_ITEMS[index];
  if (item === undefined) throw new RangeError(`MDAS has ${MDAS_ITEMS.length} items, not ${index + 1}`);
  return {
    id: `mdas:${index + 1}`,
    title: `Question ${index + 1} of ${MDAS_ITEMS.length}`,
    body: item,
    columns: MDAS_ANSWERS.length,
    buttons: [
      ...MDAS_ANSWERS.map((label, i) => ({ label: `${i + 1}\n${label}`, value: String(i + 1) })),
      { label: "Skip these questions", value: COMFORT_VALUES.skipMdas },
    ],
  };
}

/** The 0-10 comfort check-in (10 = very comfortable); values "0".."10". */
export function checkinPanel(reason: string | null = null): PanelSpec {
  return {
    id: PanelId.checkin,
    title: "How are you feeling?",
    body: `${CHECKIN_SCALE.question}\n0 = very uncomfortable · 10 = very comfortable${reason ? `\n${reason}` : ""}`,
    buttons: Array.from({ length: CHECKIN_SCALE.max - CHECKIN_SCALE.min + 1 }, (_, i) => ({
      label: String(CHECKIN_SCALE.min + i),
      value: String(CHECKIN_SCALE.min + i),
    })),
  };
}

const OTTO_QUESTIONS: readonly { label: string; value: PatientQuestion }[] = [
  { label: "Will it hurt?", value: PatientQuestion.willItHurt },
  { label: "How long?", value: PatientQuestion.howLong },
  { label: "What is that sound?", value: PatientQuestion.whatIsThatSound },
  { label: "What happens next?", value: PatientQuestion.whatHappensNext },
  { label: "Can I stop?", value: PatientQuestion.canIStop },
];

/** What the comfort buttons need to know: whether the guide is on and which view is shown. */
export interface ComfortChoices {
  breathing: boolean;
  surroundings: Surroundings;
}

function breatheButton(breathing: boolean): { label: string; value: string } {
  return { label: breathing ? "Breathing guide off" : "Breathe with me", value: COMFORT_VALUES.breathe };
}

/** Questions the patient can ask Otto, the breathing guide and the view; values are `PatientQuestion`s or `COMFORT_VALUES`. */
export function ottoMenuPanel(c: ComfortChoices = { breathing: false, surroundings: "nature" }): PanelSpec {
  return {
    id: PanelId.otto,
    title: "Ask Otto",
    body: "Point and press, or click, to ask.",
    columns: 3,
    buttons: [
      ...OTTO_QUESTIONS,
      breatheButton(c.breathing),
      c.surroundings === "nature"
        ? { label: "Clinic view", value: COMFORT_VALUES.clinic }
        : { label: "Nature view", value: COMFORT_VALUES.nature },
    ],
  };
}

/**
 * The patient stopped. `withReady`: the headset shows its "I'm ready" here (it has no page
 * button); the flat screen has the page's one, so this panel offers none and there is only one.
 */
export function pausedPanel(notYet: boolean, withReady: boolean, breathing: boolean): PanelSpec {
  return {
    id: notYet ? PanelId.notYet : PanelId.paused,
    title: notYet ? "Not yet. That's fine." : "Paused. Take your time.",
    body: notYet
      ? "Nothing starts until you say you are ready. Your care team knows."
      : "Nothing happens until you are ready. Your care team knows.",
    columns: withReady ? 2 : 1,
    buttons: [
      ...(withReady ? [{ label: "I'm ready", value: CONTROL_VALUES.ready, tone: "primary" as const }] : []),
      breatheButton(breathing),
    ],
  };
}

/** The small bar that is always there for the patient in the headset: the one STOP. */
export function controlsPanel(): PanelSpec {
  return {
    id: PanelId.controls,
    title: "",
    body: "",
    columns: 1,
    buttons: [{ label: "STOP", value: CONTROL_VALUES.stop, tone: "stop" }],
  };
}

/** Everything that decides which panel the patient sees. */
export interface PatientSituation {
  procedure: Pick<ProcedureView, "status" | "notYet"> | null;
  /** In the headset (the page's own buttons are not visible there). */
  inHeadset: boolean;
  checkinReason: string | null;
  checkinPending: boolean;
  /** 0-based index of the next MDAS item, or null when answered, skipped or already scored. */
  mdasNext: number | null;
  comfort: ComfortChoices;
}

/** Stopped by the patient: a pause after the start, a "not yet" before it. */
export function isPatientHold(p: PatientSituation["procedure"]): boolean {
  return p?.status === ProcedureStatus.pausedByPatient || p?.notYet === true;
}

/**
 * The one main panel the patient sees now. The check-in comes first (it was asked for), then the
 * patient's own stop, then the MDAS, which is asked only before the treatment starts.
 */
export function patientPanelFor(s: PatientSituation): PanelSpec | null {
  const status = s.procedure?.status ?? ProcedureStatus.notStarted;
  if (s.checkinPending) return checkinPanel(s.checkinReason);
  if (isPatientHold(s.procedure)) {
    return pausedPanel(s.procedure?.notYet === true, s.inHeadset, s.comfort.breathing);
  }
  if (status === ProcedureStatus.notStarted && s.mdasNext !== null && s.mdasNext < MDAS_ITEMS.length) {
    return mdasPanel(s.mdasNext);
  }
  return ottoMenuPanel(s.comfort);
}

/** What the calm cue may say and when: only while the team has actually held the treatment. */
export function calmCueFor(
  procedure: Pick<ProcedureView, "status"> | null,
  teamChecking: boolean,
  clinicianName: string,
): string | null {
  if (!teamChecking) return null;
  // Before the start, at the end, or while the treatment simply runs (a low pH, say), there is
  // nothing for the patient to notice, so nothing to explain: a cue would only worry.
  switch (procedure?.status ?? ProcedureStatus.notStarted) {
    case ProcedureStatus.blocked:
    case ProcedureStatus.paused:
      return `${clinicianName} is checking something. You're doing well.`;
    case ProcedureStatus.notStarted:
    case ProcedureStatus.running:
    case ProcedureStatus.pausedByPatient:
    case ProcedureStatus.aborted:
    case ProcedureStatus.completed:
      return null;
  }
}

/** The patient's step line: where the treatment is, in plain words (never "paused, step 1" before the start). */
export function stepLineFor(p: ProcedureView | null, clinicianName: string): string {
  if (p === null) return `Waiting for ${clinicianName} to begin`;
  if (p.notYet) return `Not started yet. ${clinicianName} waits until you are ready.`;
  const where = p.step
    ? `Step ${p.stepIndex + 1} of ${p.stepCount}: ${p.step.title}${p.nextStep ? `  ·  Next: ${p.nextStep.title}` : ""}`
    : null;
  switch (p.status) {
    case ProcedureStatus.notStarted:
      return `Waiting for ${clinicianName} to begin`;
    case ProcedureStatus.completed:
      return "All done. Well done!";
    case ProcedureStatus.aborted:
      return "We have stopped for today.";
    case ProcedureStatus.pausedByPatient:
      return where ? `Paused: you asked to stop. ${where}` : "Paused: you asked to stop.";
    case ProcedureStatus.running:
    case ProcedureStatus.paused:
    case ProcedureStatus.blocked:
      return where ?? `Waiting for ${clinicianName} to begin`;
  }
}
