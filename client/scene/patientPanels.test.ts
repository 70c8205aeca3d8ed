import { describe, expect, it } from "vitest";
import { MDAS_ITEMS } from "../../shared/comfort/mdas.ts";
import { PatientQuestion } from "../../shared/otto.ts";
import { checkinPanel, controlsPanel, mdasPanel, ottoMenuPanel } from "./patientPanels.ts";
import { autoColumns } from "./worldPanel.ts";

describe("patient panels", () => {
  it("MDAS panels: one per item, answers 1-5", () => {
    MDAS_ITEMS.forEach((item, i) => {
      const p = mdasPanel(i);
      expect(p.id).toBe(`mdas:${i + 1}`);
      expect(p.body).toBe(item);
      expect(p.buttons.map((b) => b.value)).toEqual(["1", "2", "3", "4", "5"]);
    });
    expect(() => mdasPanel(5)).toThrow(RangeError);
  });

  it("check-in: eleven buttons 0-10 in one row, the reason in the body", () => {
    const p = checkinPanel("Your heart rate is up a little.");
    expect(p.buttons.map((b) => b.value)).toEqual(Array.from({ length: 11 }, (_, i) => String(i)));
    expect(autoColumns(p.buttons)).toBe(11);
    expect(p.body).toContain("Your heart rate is up a little.");
  });

  it("Otto menu offers every patient question and a way out", () => {
    const values = ottoMenuPanel().buttons.map((b) => b.value);
    for (const q of Object.values(PatientQuestion)) expect(values).toContain(q);
    expect(values).toContain("close");
  });

  it("controls: a STOP button and an I'm ready button", () => {
    const p = controlsPanel();
    expect(p.buttons.map((b) => [b.value, b.tone])).toEqual([
      ["stop", "stop"],
      ["ready", "primary"],
    ]);
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
