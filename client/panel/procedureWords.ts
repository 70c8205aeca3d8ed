/** Words and small pieces of the procedure card: button labels, the reason forms, step chips. */
import type { ProcedureStep } from "../../shared/procedure/types.ts";
import { h } from "./dom.ts";
import { SIGNAL_SHORT } from "./format.ts";
import type { ControlAction } from "./permissions.ts";

export type FormMode = "start" | "resume" | "override" | "abort";

export const BUTTON_LABEL: Readonly<Record<ControlAction, string>> = {
  start: "Start",
  pause: "Pause",
  resume: "Resume",
  next: "Next",
  repeat: "Repeat",
  abort: "Abort…",
  override: "Override…",
};

export const FORM: Readonly<
  Record<FormMode, { prompt: string; placeholder: string; confirm: string; minChars: number; hint: string }>
> = {
  start: {
    prompt: "Start anyway? Reason (required)",
    placeholder: "e.g. Spoke with the patient; they want to go ahead",
    confirm: "Start anyway",
    minChars: 5,
    hint: "Talk with the patient first. The reason is kept in the record with your name.",
  },
  resume: {
    prompt: "Note before resuming (required)",
    placeholder: "e.g. Spoke with the patient; comfortable to continue",
    confirm: "Resume procedure",
    minChars: 5,
    hint: "The patient stopped the procedure. Talk with them first; the note is kept in the record.",
  },
  override: {
    prompt: "Reason for overriding the safety interlock (required)",
    placeholder: "e.g. Clinical exam done: enamel sound, sensor reading disregarded",
    confirm: "Override and continue",
    minChars: 10,
    hint: "The override is recorded with your name and reason for this step only.",
  },
  abort: {
    prompt: "Reason for aborting (optional)",
    placeholder: "e.g. Patient unwell; reschedule",
    confirm: "Abort procedure",
    minChars: 0,
    hint: "Aborting ends the procedure for everyone in the room.",
  },
};

/** "Julian said not yet at 09:02" (the time when the panel saw it). */
export function notYetWords(patientName: string, at: string | null): string {
  return `${patientName} said “not yet”${at === null ? "" : ` at ${at}`}`;
}

/** The step's kind, teeth (in the reader's notation: `toothName`) and what it needs, as chips. */
export function stepChips(step: ProcedureStep, toothName: (fdi: number) => string = String): HTMLElement[] {
  const chips: HTMLElement[] = [h("span", { class: `cp-chip cp-chip-${step.kind}` }, kindWord(step.kind))];
  if (step.teeth.length > 0) {
    chips.push(
      h(
        "span",
        { class: "cp-chip" },
        `Tooth ${step.teeth.map(toothName).join(", ")}${step.surfaces.length > 0 ? ` ${step.surfaces.join("")}` : ""}`,
      ),
    );
  }
  if (step.dependsOn.length > 0) {
    chips.push(
      h(
        "span",
        { class: "cp-chip cp-chip-needs" },
        `Needs valid ${step.dependsOn.map((s) => SIGNAL_SHORT[s]).join(", ")}`,
      ),
    );
  }
  return chips;
}

function kindWord(kind: ProcedureStep["kind"]): string {
  switch (kind) {
    case "manual":
      return "Manual";
    case "automated":
      return "Automated";
    case "narration":
      return "Narration";
    case "checkin":
      return "Check-in";
    case "consent":
      return "Consent";
  }
}
