/**
 * The patient's world panels as data: MDAS questions, the 0-10 comfort check-in, the Otto
 * question menu and the always-there STOP / "I'm ready" controls. Pure: no Babylon.
 * Choices come back on `onPanelChoiceObservable` as { panel: id, value }.
 */
import { CHECKIN_SCALE } from "../../shared/comfort/checkinTrigger.ts";
import { MDAS_ANSWERS, MDAS_ITEMS } from "../../shared/comfort/mdas.ts";
import { PatientQuestion } from "../../shared/otto.ts";
import type { PanelSpec } from "./worldPanel.ts";

/** Panel ids the scene uses; MDAS panels are `mdas:1` .. `mdas:5`. */
export const PanelId = {
  checkin: "checkin",
  otto: "otto",
  controls: "controls",
} as const;

export const CONTROL_VALUES = { stop: "stop", ready: "ready" } as const;

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
    buttons: MDAS_ANSWERS.map((label, i) => ({ label: `${i + 1}\n${label}`, value: String(i + 1) })),
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

const OTTO_QUESTIONS: readonly { label: string; value: PatientQuestion | "close" }[] = [
  { label: "Will it hurt?", value: PatientQuestion.willItHurt },
  { label: "How long?", value: PatientQuestion.howLong },
  { label: "What is that sound?", value: PatientQuestion.whatIsThatSound },
  { label: "What happens next?", value: PatientQuestion.whatHappensNext },
  { label: "Can I stop?", value: PatientQuestion.canIStop },
  { label: "Close", value: "close" },
];

/** Questions the patient can ask Otto; values are `PatientQuestion`s, or "close". */
export function ottoMenuPanel(): PanelSpec {
  return {
    id: PanelId.otto,
    title: "Ask Otto",
    body: "Point and press, or click, to ask.",
    columns: 3,
    buttons: OTTO_QUESTIONS,
  };
}

/** The small bar that is always there for the patient. "stop" also fires the stop signal. */
export function controlsPanel(): PanelSpec {
  return {
    id: PanelId.controls,
    title: "",
    body: "",
    columns: 2,
    buttons: [
      { label: "STOP", value: CONTROL_VALUES.stop, tone: "stop" },
      { label: "I'm ready", value: CONTROL_VALUES.ready, tone: "primary" },
    ],
  };
}
