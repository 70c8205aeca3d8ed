/**
 * Who may press what on the panel, per role and procedure status. Pure. The rules themselves are
 * the one table in shared/access.ts, which the server enforces; the panel only avoids offering
 * buttons that would be refused, and says why.
 */
import {
  type ClientCommand,
  fieldSight,
  Grant,
  grantFor,
  mayDo,
  mayReceive,
  Sight,
} from "../../shared/access.ts";
import type { ProcedureStatus, ProcedureView } from "../../shared/procedure/types.ts";
import { Ev } from "../../shared/protocol.ts";

/** Roles that open the desktop panel (the presenter is the self-running demo screen). */
export type PanelRole = "clinician" | "assistant" | "observer" | "presenter";

export const CONTROL_ACTIONS = ["start", "pause", "resume", "next", "repeat", "abort", "override"] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export interface ControlState {
  enabled: boolean;
  /** Why it is disabled, for the tooltip; null when enabled. */
  why: string | null;
  /** Resuming after the patient's stop needs a written note from the clinician. */
  needsNote: boolean;
  /**
   * Disabled for who you are or for a hold, not for the plain state of the procedure (Resume while
   * running): these reasons are printed under the buttons; the others stay tooltips.
   */
  notable?: boolean;
}

const ON: ControlState = { enabled: true, why: null, needsNote: false };

function off(why: string, notable = false): ControlState {
  return { enabled: false, why, needsNote: false, notable };
}

/** What only the clinician does, in the words a disabled button shows ("Only the clinician …"). */
const CLINICIAN_ONLY: Readonly<Record<ControlAction, string>> = {
  start: "starts the procedure",
  pause: "pauses the procedure",
  resume: "resumes the procedure",
  next: "moves to the next step",
  repeat: "repeats a step",
  abort: "aborts the procedure",
  override: "overrides the safety interlock",
};

const ACTIVE: readonly ProcedureStatus[] = ["running", "paused", "paused_by_patient", "blocked"];

/** Roles that may drive the procedure at all (the care team), as the access table says. */
export function isCareRole(role: PanelRole): boolean {
  return mayDo(role, Ev.procedureCommand);
}

/** Whether the role may do nothing on the panel at all: it watches (observer, demo screen). */
export function isViewOnly(role: PanelRole): boolean {
  return !isCareRole(role);
}

/** Who is watching, for "View only: … cannot …" tooltips and notes. */
export function viewerText(role: PanelRole): string {
  return role === "presenter" ? "the demo screen" : "observers";
}

/** Enabled state of each procedure control, from the role's grants and the procedure's status. */
export function controlStates(
  role: PanelRole,
  procedure: ProcedureView | null,
): Record<ControlAction, ControlState> {
  const status = procedure?.status ?? null;
  const viewOnly = off(`View only: ${viewerText(role)} cannot control the procedure`);
  const gate = (action: ControlAction, allowedStatus: boolean, statusWhy: string): ControlState => {
    if (!isCareRole(role)) return viewOnly;
    if (grantFor(role, action) === Grant.no) return off(`Only the clinician ${CLINICIAN_ONLY[action]}`, true);
    if (procedure === null) return off("Choose a procedure plan first", true);
    return allowedStatus ? ON : off(statusWhy);
  };

  let resume: ControlState;
  if (!isCareRole(role)) {
    resume = viewOnly;
  } else if (status === "paused_by_patient") {
    // Only a full grant leaves the patient's stop (manual-steps-only never does), with a note.
    resume =
      grantFor(role, "resume") === Grant.yes
        ? { enabled: true, why: null, needsNote: true }
        : off("After the patient's stop, only the clinician can resume", true);
  } else if (status === "blocked") {
    resume = off("Held by the safety interlock: use Override… or wait for valid data", true);
  } else {
    resume = gate("resume", status === "paused", "Nothing to resume");
  }

  return {
    start: gate("start", status === "not_started", "Only a procedure that has not started can be started"),
    pause: gate(
      "pause",
      status === "running" || status === "blocked",
      "Only a running procedure can be paused",
    ),
    resume,
    next: gate("next", status === "running", "Next step is available while running"),
    repeat: gate(
      "repeat",
      status === "running" || status === "paused",
      "Repeat is available while running or paused",
    ),
    abort: gate("abort", status !== null && ACTIVE.includes(status), "No procedure in progress"),
    override: gate(
      "override",
      status === "blocked" || (procedure?.blockedReason ?? null) !== null,
      "Nothing is held by the interlock",
    ),
  };
}

/**
 * The reasons to print under the procedure buttons: why each shown button that is disabled is
 * disabled ("Start: Only the clinician starts the procedure"), one line per distinct reason.
 * A view-only role gets none (its card already says it only watches).
 */
export function disabledReasons(
  role: PanelRole,
  states: Record<ControlAction, ControlState>,
  shown: readonly ControlAction[],
  label: Readonly<Record<ControlAction, string>>,
): string[] {
  if (isViewOnly(role)) return [];
  const byWhy = new Map<string, string[]>();
  for (const action of shown) {
    const { enabled, why, notable } = states[action];
    if (enabled || why === null || notable !== true) continue;
    byWhy.set(why, [...(byWhy.get(why) ?? []), label[action].replace(/…$/, "")]);
  }
  return [...byWhy].map(([why, actions]) => `${actions.join(", ")}: ${why}`);
}

/** Plans can be chosen by the clinician before a procedure starts or after one ends. */
export function canChoosePlan(role: PanelRole, procedure: ProcedureView | null): boolean {
  if (!mayDo(role, Ev.procedureSelect)) return false;
  return procedure === null || ["not_started", "completed", "aborted"].includes(procedure.status);
}

/** IEC 60601-1-8 practice here: a clinician acknowledges alarms; the care team may silence sound. */
export function canAcknowledgeAlarm(role: PanelRole): boolean {
  return mayDo(role, Ev.alarmAck);
}

export function canSilenceAlarm(role: PanelRole): boolean {
  return mayDo(role, Ev.alarmSilence);
}

const COMFORT_COMMANDS: readonly ClientCommand[] = [Ev.checkinRequest, Ev.breathing, Ev.surroundings];

/** The panel's comfort controls (check-in, breathing coach, surroundings), all or none. */
export function canUseComfort(role: PanelRole): boolean {
  return COMFORT_COMMANDS.every((c) => mayDo(role, c));
}

/** Quarantining firmware retracts readings, so only the clinician may do it. */
export function canQuarantine(role: PanelRole): boolean {
  return mayDo(role, Ev.firmwareQuarantine);
}

/** Panel cards, each shown only to roles the access table lets receive what it draws. */
export interface PanelCards {
  alarms: boolean;
  /** Live charts and the tooth heat map (soe:readings and the chart history). */
  telemetry: boolean;
  comfort: boolean;
  devices: boolean;
}

export function panelCards(role: PanelRole): PanelCards {
  return {
    alarms: fieldSight(role, "alarms") === Sight.full,
    telemetry: mayReceive(role, Ev.readings) && mayDo(role, Ev.soeHistory),
    comfort: fieldSight(role, "comfort") === Sight.full,
    devices: fieldSight(role, "devices") === Sight.full,
  };
}
