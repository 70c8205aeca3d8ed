import { describe, expect, it } from "vitest";
import { MDAS_ITEMS } from "../../shared/comfort/mdas.ts";
import { PatientQuestion } from "../../shared/otto.ts";
import type { ProcedureStatus } from "../../shared/procedure/types.ts";
import {
  calmCueFor,
  checkinPanel,
  controlsPanel,
  mdasPanel,
  ottoMenuPanel,
  type PatientSituation,
  patientPanelFor,
  stepLineFor,
} from "./patientPanels.ts";
import { autoColumns } from "./worldPanel.ts";

const CALM: PatientSituation = {
  procedure: null,
  inHeadset: false,
  checkinPending: false,
  checkinReason: null,
  mdasNext: 0,
  comfort: { breathing: false, surroundings: "nature" },
};

const at = (status: ProcedureStatus, notYet = false): PatientSituation["procedure"] => ({ status, notYet });

/** Every value the patient can press in one surface: the room's STOP bar (headset only) and the panel. */
function roomChoices(s: PatientSituation): string[] {
  const panel = patientPanelFor(s)?.buttons.map((b) => b.value) ?? [];
  return [...(s.inHeadset ? controlsPanel().buttons.map((b) => b.value) : []), ...panel];
}

describe("patient panels", () => {
  it("MDAS panels: one per item, answers 1-5 and a way to skip", () => {
    MDAS_ITEMS.forEach((item, i) => {
      const p = mdasPanel(i);
      expect(p.id).toBe(`mdas:${i + 1}`);
      expect(p.body).toBe(item);
      expect(p.buttons.map((b) => b.value)).toEqual(["1", "2", "3", "4", "5", "skip"]);
    });
    expect(() => mdasPanel(5)).toThrow(RangeError);
  });

  it("check-in: eleven buttons 0-10 in one row, the reason in the body", () => {
    const p = checkinPanel("Your heart rate is up a little.");
    expect(p.buttons.map((b) => b.value)).toEqual(Array.from({ length: 11 }, (_, i) => String(i)));
    expect(autoColumns(p.buttons)).toBe(11);
    expect(p.body).toContain("Your heart rate is up a little.");
  });

  it("Otto menu offers every patient question, the breathing guide and the other view", () => {
    const values = ottoMenuPanel({ breathing: false, surroundings: "nature" }).buttons.map((b) => b.value);
    for (const q of Object.values(PatientQuestion)) expect(values).toContain(q);
    expect(values).toContain("breathe");
    expect(values).toContain("clinic");
    expect(ottoMenuPanel({ breathing: true, surroundings: "clinic" }).buttons.map((b) => b.label)).toEqual(
      expect.arrayContaining(["Breathing guide off", "Nature view"]),
    );
  });

  it("the bar is one STOP", () => {
    expect(controlsPanel().buttons.map((b) => [b.value, b.tone])).toEqual([["stop", "stop"]]);
  });

  it.each([
    [2, false, 2],
    [4, false, 2],
    [6, false, 3],
    [5, true, 5],
  ])("autoColumns: %i buttons (short labels: %s) -> %i columns", (n, short, cols) => {
    const buttons = Array.from({ length: n }, (_, i) => ({
      label: short ? String(i) : `Answer ${i}`,
      value: String(i),
    }));
    expect(autoColumns(buttons)).toBe(cols);
  });
});

describe("which panel the patient sees", () => {
  it("asks the MDAS before the start only", () => {
    expect(patientPanelFor(CALM)?.id).toBe("mdas:1");
    expect(patientPanelFor({ ...CALM, procedure: at("not_started"), mdasNext: 3 })?.id).toBe("mdas:4");
    for (const status of ["running", "paused", "blocked", "completed", "aborted"] as const) {
      expect(patientPanelFor({ ...CALM, procedure: at(status), mdasNext: 2 })?.id, status).toBe("otto");
    }
    expect(patientPanelFor({ ...CALM, mdasNext: null })?.id).toBe("otto");
  });

  it("puts an asked-for check-in first", () => {
    expect(patientPanelFor({ ...CALM, checkinPending: true })?.id).toBe("checkin");
    expect(patientPanelFor({ ...CALM, procedure: at("paused_by_patient"), checkinPending: true })?.id).toBe(
      "checkin",
    );
  });

  // The three "I'm ready" buttons and two STOPs: on each surface exactly one of each now.
  it.each([
    { inHeadset: true, status: "paused_by_patient" as const, notYet: false },
    { inHeadset: true, status: "not_started" as const, notYet: true },
    { inHeadset: false, status: "paused_by_patient" as const, notYet: false },
    { inHeadset: false, status: "not_started" as const, notYet: true },
  ])("stopped (headset: $inHeadset, $status, not yet: $notYet): one STOP and one ready", (c) => {
    const s = { ...CALM, inHeadset: c.inHeadset, procedure: at(c.status, c.notYet) };
    const room = roomChoices(s);
    // The flat page shows its own STOP and "I'm ready" buttons; the room then shows neither.
    const page = c.inHeadset ? [] : ["stop", "ready"];
    const all = [...room, ...page];
    expect(all.filter((v) => v === "stop")).toHaveLength(1);
    expect(all.filter((v) => v === "ready")).toHaveLength(1);
    expect(patientPanelFor(s)?.id).toBe(c.notYet ? "not-yet" : "paused");
  });

  it("a stop before the start reads 'not yet', never 'paused, step 1'", () => {
    const p = patientPanelFor({ ...CALM, procedure: at("not_started", true) });
    expect(p?.title).toBe("Not yet. That's fine.");
    const line = stepLineFor(
      {
        planId: "p",
        planName: "Plan",
        status: "not_started",
        stepIndex: 0,
        stepCount: 3,
        step: null,
        nextStep: null,
        blockedReason: null,
        override: null,
        notYet: true,
      },
      "Dr. Ray",
    );
    expect(line).toBe("Not started yet. Dr. Ray waits until you are ready.");
    expect(line).not.toMatch(/step 1|paused/i);
  });
});

describe("the calm cue", () => {
  it("shows only while the team holds the treatment", () => {
    expect(calmCueFor(at("blocked"), true, "Dr. Ray")).toBe(
      "Dr. Ray is checking something. You're doing well.",
    );
    expect(calmCueFor(at("paused"), true, "Dr. Ray")).not.toBeNull();
    expect(calmCueFor(at("blocked"), false, "Dr. Ray")).toBeNull();
  });

  it("never before the start, and never for an alarm the treatment runs through (a low pH)", () => {
    expect(calmCueFor(null, true, "Dr. Ray")).toBeNull();
    expect(calmCueFor(at("not_started"), true, "Dr. Ray")).toBeNull();
    expect(calmCueFor(at("running"), true, "Dr. Ray")).toBeNull();
    expect(calmCueFor(at("paused_by_patient"), true, "Dr. Ray")).toBeNull();
    expect(calmCueFor(at("completed"), true, "Dr. Ray")).toBeNull();
  });
});
