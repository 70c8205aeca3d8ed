/**
 * Who may press what on the panel, per role and procedure status. Pure. The server enforces the
 * same rules; the panel only avoids offering buttons that would be refused, and says why.
 */
import type { ProcedureStatus, ProcedureView } from "../../shared/procedure/types.ts";

/** Roles that open the desktop panel. */
export type PanelRole = "clinician" | "assistant" | "observer";

export const CONTROL_ACTIONS = ["start", "pause", "resume", "next", "repeat", "abort", "override"] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export interface ControlState {
  enabled: boolean;
  /** Why it is disabled, for the tooltip; null when enabled. */
  why: string | null;
  /** Resuming after the patient's stop needs a written note from the clinician. */
  needsNote: boolean;
}

const ON: ControlState = { enabled: true, why: null, needsNote: false };

function off(why: string): ControlState {
  return { enabled: false, why, needsNote: false };
}

const ACTIVE: readonly ProcedureStatus[] = ["running", "paused", "paused_by_patient", "blocked"];

export function isCareRole(role: PanelRole): boolean {
  return role === "clinician" || role === "assistant";
}

/** Enabled state of each procedure control. */
export function controlStates(
  role: PanelRole,
  procedure: ProcedureView | null,
): Record<ControlAction, ControlState> {
  const status = procedure?.status ?? null;
  const care = isCareRole(role);
  const clinician = role === "clinician";
  const viewOnly = off("View only: observers cannot control the procedure");
  const gate = (allowedStatus: boolean, statusWhy: string, clinicianOnly: boolean): ControlState => {
    if (!care) return viewOnly;
    if (clinicianOnly && !clinician) return off("Only the clinician can do this");
    if (procedure === null) return off("Choose a procedure plan first");
    return allowedStatus ? ON : off(statusWhy);
  };

  let resume: ControlState;
  if (status === "paused_by_patient") {
    resume = clinician
      ? { enabled: true, why: null, needsNote: true }
      : care
        ? off("After the patient's stop, only the clinician can resume")
        : viewOnly;
  } else if (status === "blocked") {
    resume = care ? off("Held by the safety interlock: use Override… or wait for valid data") : viewOnly;
  } else {
    resume = gate(status === "paused", "Nothing to resume", false);
  }

  return {
    start: gate(status === "not_started", "Only a procedure that has not started can be started", true),
    pause: gate(
      status === "running" || status === "blocked",
      "Only a running procedure can be paused",
      false,
    ),
    resume,
    next: gate(status === "running", "Next step is available while running", false),
    repeat: gate(
      status === "running" || status === "paused",
      "Repeat is available while running or paused",
      false,
    ),
    abort: gate(status !== null && ACTIVE.includes(status), "No procedure in progress", true),
    override: gate(
      status === "blocked" || (procedure?.blockedReason ?? null) !== null,
      "Nothing is held by the interlock",
      true,
    ),
  };
}

/** Plans can be chosen by the clinician before a procedure starts or after one ends. */
export function canChoosePlan(role: PanelRole, procedure: ProcedureView | null): boolean {
  if (role !== "clinician") return false;
  return procedure === null || ["not_started", "completed", "aborted"].includes(procedure.status);
}

/** IEC 60601-1-8 practice here: a clinician acknowledges alarms; the care team may silence sound. */
export function canAcknowledgeAlarm(role: PanelRole): boolean {
  return role === "clinician";
}

export function canSilenceAlarm(role: PanelRole): boolean {
  return isCareRole(role);
}

/** Comfort controls (check-in, breathing coach, surroundings) are for the whole care team. */
export function canUseComfort(role: PanelRole): boolean {
  return isCareRole(role);
}

/** Quarantining firmware retracts readings, so only the clinician may do it. */
export function canQuarantine(role: PanelRole): boolean {
  return role === "clinician";
}
