import { describe, expect, it } from "vitest";
import { Grant, grantFor, mayDo } from "../../shared/access.ts";
import type { ProcedureStatus, ProcedureView } from "../../shared/procedure/types.ts";
import { activeAlarms, alarmLog, isSilenced, unacknowledgedHigh } from "./alarmOrder.ts";
import {
  CONTROL_ACTIONS,
  canAcknowledgeAlarm,
  canChoosePlan,
  canQuarantine,
  canSilenceAlarm,
  canUseComfort,
  controlStates,
  disabledReasons,
  isViewOnly,
  type PanelRole,
  panelCards,
} from "./permissions.ts";

function procedure(status: ProcedureStatus, blockedReason: string | null = null): ProcedureView {
  return {
    planId: "p",
    planName: "Plan",
    status,
    stepIndex: 0,
    stepCount: 3,
    step: null,
    nextStep: null,
    blockedReason,
    override: null,
  };
}

describe("controlStates", () => {
  it("lets only the clinician start, abort and override", () => {
    const nurse = controlStates("assistant", procedure("not_started"));
    expect(nurse.start.enabled).toBe(false);
    expect(nurse.start.why).toBe("Only the clinician starts the procedure");
    expect(controlStates("clinician", procedure("not_started")).start.enabled).toBe(true);
    expect(controlStates("assistant", procedure("running")).abort.enabled).toBe(false);
    expect(controlStates("clinician", procedure("running")).abort.enabled).toBe(true);
    const blocked = procedure("blocked", "pH sensor on 36 unreliable: use clinical exam");
    expect(controlStates("assistant", blocked).override.enabled).toBe(false);
    expect(controlStates("clinician", blocked).override.enabled).toBe(true);
  });

  it("lets the assistant pause, resume, step and repeat", () => {
    const running = controlStates("assistant", procedure("running"));
    expect([running.pause.enabled, running.next.enabled, running.repeat.enabled]).toEqual([true, true, true]);
    expect(controlStates("assistant", procedure("paused")).resume.enabled).toBe(true);
  });

  it("after the patient's stop, only the clinician resumes, with a note", () => {
    const clinician = controlStates("clinician", procedure("paused_by_patient"));
    expect(clinician.resume).toEqual({ enabled: true, why: null, needsNote: true });
    expect(controlStates("assistant", procedure("paused_by_patient")).resume.enabled).toBe(false);
  });

  it("does not resume a step held by the interlock", () => {
    expect(controlStates("clinician", procedure("blocked", "x")).resume.enabled).toBe(false);
  });

  it("gives observers nothing, with a reason", () => {
    const s = controlStates("observer", procedure("running"));
    for (const state of Object.values(s)) {
      expect(state.enabled).toBe(false);
      expect(state.why).toMatch(/observer/i);
    }
  });

  it("gives the demo screen (presenter) nothing, with a view-only reason, at every status", () => {
    const statuses: ProcedureStatus[] = ["not_started", "running", "paused", "paused_by_patient", "blocked"];
    for (const status of statuses) {
      for (const state of Object.values(controlStates("presenter", procedure(status, "x")))) {
        expect(state.enabled).toBe(false);
        expect(state.why).toMatch(/^View only: the demo screen/);
      }
    }
    expect(isViewOnly("presenter")).toBe(true);
    expect(canChoosePlan("presenter", null)).toBe(false);
    expect([
      canAcknowledgeAlarm("presenter"),
      canSilenceAlarm("presenter"),
      canQuarantine("presenter"),
      canUseComfort("presenter"),
    ]).toEqual([false, false, false, false]);
  });

  it("disables everything but a reason when there is no plan", () => {
    const s = controlStates("clinician", null);
    expect(s.start.enabled).toBe(false);
    expect(s.start.why).toMatch(/plan/);
    expect(canChoosePlan("clinician", null)).toBe(true);
    expect(canChoosePlan("assistant", null)).toBe(false);
    expect(canChoosePlan("clinician", procedure("running"))).toBe(false);
  });

  it("alarms and firmware: clinician acknowledges and quarantines; care team silences", () => {
    expect([canAcknowledgeAlarm("clinician"), canAcknowledgeAlarm("assistant")]).toEqual([true, false]);
    expect([canSilenceAlarm("assistant"), canSilenceAlarm("observer")]).toEqual([true, false]);
    expect([canQuarantine("clinician"), canQuarantine("assistant")]).toEqual([true, false]);
  });
});

describe("the panel reads the one access table", () => {
  const ROLES: PanelRole[] = ["clinician", "assistant", "observer", "presenter"];

  it("never enables a control the role holds no grant for", () => {
    const statuses: ProcedureStatus[] = ["not_started", "running", "paused", "paused_by_patient", "blocked"];
    for (const role of ROLES) {
      for (const status of statuses) {
        const states = controlStates(role, procedure(status, "x"));
        for (const action of CONTROL_ACTIONS) {
          if (grantFor(role, action) === Grant.no)
            expect(states[action].enabled, `${role} ${action}`).toBe(false);
        }
      }
    }
  });

  it("offers alarm, comfort and firmware controls exactly as the table allows", () => {
    for (const role of ROLES) {
      expect(canAcknowledgeAlarm(role)).toBe(mayDo(role, "alarm:ack"));
      expect(canSilenceAlarm(role)).toBe(mayDo(role, "alarm:silence"));
      expect(canQuarantine(role)).toBe(mayDo(role, "firmware:quarantine"));
      expect(canUseComfort(role)).toBe(mayDo(role, "comfort:request_checkin"));
    }
  });

  it("shows the observer no alarm, telemetry, comfort or device cards, the care team and the demo screen all", () => {
    expect(panelCards("observer")).toEqual({
      alarms: false,
      telemetry: false,
      comfort: false,
      devices: false,
    });
    for (const role of ["clinician", "assistant", "presenter"] as const) {
      expect(panelCards(role)).toEqual({ alarms: true, telemetry: true, comfort: true, devices: true });
    }
  });
});

describe("alarm order", () => {
  const base = { kind: "technical" as const, key: "k", message: "m" };
  const alarms = [
    { ...base, id: "low", priority: "low" as const, raisedAt: 5 },
    { ...base, id: "high-old", priority: "high" as const, raisedAt: 1 },
    { ...base, id: "med", priority: "medium" as const, raisedAt: 3 },
    { ...base, id: "high-new", priority: "high" as const, raisedAt: 4, silencedUntil: 100 },
    {
      ...base,
      id: "acked",
      priority: "high" as const,
      raisedAt: 2,
      acknowledgedAt: 6,
      acknowledgedBy: "m-ray",
    },
  ];

  it("sorts active alarms by priority, then newest first, and keeps acknowledged ones for the log", () => {
    expect(activeAlarms(alarms).map((a) => a.id)).toEqual(["high-new", "high-old", "med", "low"]);
    expect(alarmLog(alarms).map((a) => a.id)).toEqual(["acked"]);
    expect(unacknowledgedHigh(alarms).map((a) => a.id)).toEqual(["high-new", "high-old"]);
  });

  it("a silenced alarm stays active", () => {
    expect(isSilenced(alarms[3]!, 50)).toBe(true);
    expect(isSilenced(alarms[3]!, 150)).toBe(false);
    expect(activeAlarms(alarms).some((a) => a.id === "high-new")).toBe(true);
  });
});

describe("disabledReasons: a disabled control says why", () => {
  const LABEL = {
    start: "Start",
    pause: "Pause",
    resume: "Resume",
    next: "Next",
    repeat: "Repeat",
    abort: "Abort",
    override: "Override",
  } as const;

  it("tells the assistant why Start is greyed out", () => {
    const states = controlStates("assistant", procedure("not_started"));
    expect(disabledReasons("assistant", states, ["start"], LABEL)).toEqual([
      "Start: Only the clinician starts the procedure",
    ]);
  });

  it("groups buttons that share a reason and says nothing of enabled ones", () => {
    const states = controlStates("assistant", procedure("running"));
    const lines = disabledReasons("assistant", states, ["pause", "resume", "next", "repeat", "abort"], LABEL);
    expect(lines).toContain("Abort: Only the clinician aborts the procedure");
    expect(lines.some((l) => l.startsWith("Pause"))).toBe(false);
  });

  it("prints nothing for view-only roles (their card says they watch)", () => {
    const states = controlStates("observer", procedure("running"));
    expect(disabledReasons("observer", states, ["pause", "abort"], LABEL)).toEqual([]);
  });
});
