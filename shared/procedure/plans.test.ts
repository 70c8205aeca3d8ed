import { describe, expect, it } from "vitest";
import { ErrorCode } from "../protocol.ts";
import { SIGNALS } from "../soe/signals.ts";
import { isPermanentTooth, Surface } from "../teeth.ts";
import { fillingPlan, PROCEDURE_PLANS, planById } from "./plans.ts";
import { type ProcedurePlan, StepKind } from "./types.ts";

const INVASIVE = /anaesthetic|scaling|caries|loosening|removal|exam/;

const FILLING_36 = planById("filling-36");

describe.each(PROCEDURE_PLANS.map((p) => [p.id, p] as const))("plan %s", (_id, plan: ProcedurePlan) => {
  it("has a name, a summary and steps with unique ids", () => {
    expect(plan.name.length).toBeGreaterThan(3);
    expect(plan.summary.length).toBeGreaterThan(10);
    expect(plan.steps.length).toBeGreaterThanOrEqual(5);
    expect(new Set(plan.steps.map((s) => s.id)).size).toBe(plan.steps.length);
  });

  it("uses only permanent FDI teeth and known surfaces", () => {
    const surfaces = new Set<string>(Object.values(Surface));
    for (const step of plan.steps) {
      for (const tooth of step.teeth) expect(isPermanentTooth(tooth), `${step.id} ${tooth}`).toBe(true);
      for (const surface of step.surfaces) expect(surfaces.has(surface), `${step.id} ${surface}`).toBe(true);
    }
  });

  it("lists sensor dependencies on automated steps, and only there", () => {
    for (const step of plan.steps) {
      if (step.kind === StepKind.automated) {
        expect(step.dependsOn.length, step.id).toBeGreaterThan(0);
        for (const signal of step.dependsOn) expect(SIGNALS, step.id).toContain(signal);
        expect(step.teeth.length, `${step.id}: the sensors sit on teeth`).toBeGreaterThan(0);
      } else {
        expect(step.dependsOn, step.id).toEqual([]);
      }
    }
  });

  it("has a tell-show-do explanation for every step that matches the explanation text", () => {
    for (const step of plan.steps) {
      const tsd = step.tellShowDo;
      expect(tsd, step.id).toBeDefined();
      for (const part of [tsd!.tell, tsd!.show, tsd!.do]) expect(part.length, step.id).toBeGreaterThan(8);
      expect(step.explanation).toBe(`${tsd!.tell} ${tsd!.show} ${tsd!.do}`);
    }
  });

  it("has plausible durations", () => {
    for (const step of plan.steps) {
      expect(Number.isInteger(step.expectedSeconds), step.id).toBe(true);
      expect(step.expectedSeconds, step.id).toBeGreaterThanOrEqual(10);
      expect(step.expectedSeconds, step.id).toBeLessThanOrEqual(900);
    }
    const total = plan.steps.reduce((sum, s) => sum + s.expectedSeconds, 0);
    expect(total).toBeGreaterThan(10 * 60);
    expect(total).toBeLessThan(90 * 60);
  });

  it("asks for consent before anything invasive, and checks in at least once", () => {
    const consent = plan.steps.findIndex((s) => s.kind === StepKind.consent);
    const firstInvasive = plan.steps.findIndex((s) => INVASIVE.test(s.id));
    expect(consent).toBeGreaterThanOrEqual(0);
    expect(firstInvasive).toBeGreaterThan(consent);
    expect(plan.steps.some((s) => s.kind === StepKind.checkin)).toBe(true);
  });

  it("starts by telling the patient they can stop at any time", () => {
    expect(plan.steps[0]!.kind).toBe(StepKind.narration);
    expect(plan.steps[0]!.explanation).toMatch(/raising your hand/);
  });

  it("explains check-ins on the 0-10 scale where 10 is very comfortable", () => {
    for (const step of plan.steps.filter((s) => s.kind === StepKind.checkin)) {
      expect(step.explanation).toContain("0 to 10, where 10 means very comfortable");
    }
  });

  it("never uses words that label the patient", () => {
    const text = JSON.stringify(plan);
    expect(text).not.toMatch(/anxious|anxiety|panic|nervous|scared|phobi/i);
  });
});

describe("filling-36", () => {
  it("is the composite MO filling with the cavity check before bonding", () => {
    expect(FILLING_36).not.toBeNull();
    const ids = FILLING_36!.steps.map((s) => s.id);
    expect(ids).toEqual([
      "intro",
      "consent",
      "anaesthetic",
      "checkin-numb",
      "isolation",
      "caries-removal",
      "cavity-check",
      "placement",
      "curing",
      "checkin-after",
      "bite-polish",
      "aftercare",
    ]);
    const check = FILLING_36!.steps.find((s) => s.id === "cavity-check")!;
    expect(check).toMatchObject({
      kind: "automated",
      title: "Automated cavity pH/temperature check before bonding",
      teeth: [36],
      surfaces: ["M", "O"],
      dependsOn: ["ph", "temperature"],
    });
    expect(ids.indexOf("cavity-check")).toBeLessThan(ids.indexOf("placement"));
  });

  it("names the tooth in plain words and explains a lower block", () => {
    expect(FILLING_36!.summary).toContain("lower left first molar");
    const anaesthetic = FILLING_36!.steps.find((s) => s.id === "anaesthetic")!;
    expect(anaesthetic.explanation).toMatch(/tongue/);
  });
});

describe("fillingPlan", () => {
  it.each([
    { tooth: 36, surfaces: ["M", "O"], id: "filling-36-MO" },
    { tooth: 26, surfaces: ["O", "D"], id: "filling-26-OD" },
    { tooth: 15, surfaces: ["D", "O", "M"], id: "filling-15-MOD" },
    { tooth: 11, surfaces: ["I", "M"], id: "filling-11-MI" },
    { tooth: 43, surfaces: ["L", "D"], id: "filling-43-DL" },
    { tooth: 47, surfaces: ["B"], id: "filling-47-B" },
  ])("builds $id from $tooth $surfaces", ({ tooth, surfaces, id }) => {
    const r = fillingPlan(tooth, surfaces);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.id).toBe(id);
    expect(r.value.name).toBe(`Filling ${tooth} ${id.split("-")[2]}`);
    for (const step of r.value.steps) {
      // Check-ins are about the patient, not a tooth.
      expect(step.teeth, step.id).toEqual(step.kind === StepKind.checkin ? [] : [tooth]);
    }
    expect(planById(id)).toEqual(r.value);
  });

  it("explains the numbing by where the tooth is", () => {
    const upper = fillingPlan(26, ["O"]);
    const lower = fillingPlan(46, ["O"]);
    if (!upper.ok || !lower.ok) throw new Error("valid teeth");
    const numb = (p: ProcedurePlan) => p.steps.find((s) => s.id === "anaesthetic")!.explanation;
    expect(numb(upper.value)).not.toMatch(/tongue/);
    expect(numb(lower.value)).toMatch(/tongue/);
  });

  it.each([
    { tooth: 19, surfaces: ["O"], why: "not a permanent tooth" },
    { tooth: 55, surfaces: ["O"], why: "not a permanent tooth" },
    { tooth: 36.5, surfaces: ["O"], why: "not a permanent tooth" },
    { tooth: 36, surfaces: [], why: "at least one surface" },
    { tooth: 36, surfaces: ["X"], why: "Unknown surface" },
    { tooth: 36, surfaces: ["O", "O"], why: "repeated" },
    { tooth: 36, surfaces: ["I"], why: "does not fit" },
    { tooth: 11, surfaces: ["O"], why: "does not fit" },
    { tooth: 36, surfaces: ["B", "V"], why: "same outer surface" },
  ])("refuses $tooth $surfaces: $why", ({ tooth, surfaces, why }) => {
    const r = fillingPlan(tooth, surfaces);
    expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.badPayload } });
    if (!r.ok) expect(r.error.message).toContain(why);
  });
});

describe("planById", () => {
  it("finds each stock plan and hands out a copy", () => {
    for (const plan of PROCEDURE_PLANS) {
      const found = planById(plan.id);
      expect(found).toEqual(plan);
      expect(found).not.toBe(plan);
    }
  });

  it.each([
    "",
    "cleaning ",
    "filling-36-OM",
    "filling-36-",
    "filling-99-O",
    "filling-11-O",
    "root-canal",
  ])("returns null for %j", (id) => {
    expect(planById(id)).toBeNull();
  });
});
