import { describe, expect, it } from "vitest";
import { PanelEvent } from "./dom.ts";
import { linkTeeth, type ToothHighlightSource, type ToothHighlightTarget } from "./toothLink.ts";

/** A stand-in 3D side with the same two members TreatmentScene offers. */
class SceneSide implements ToothHighlightTarget {
  lit: number[] = [];
  private readonly picked = new PanelEvent<number>();
  readonly onToothPickedObservable = { add: (l: (fdi: number) => void) => this.picked.add(l) };
  highlightTeeth(teeth: readonly number[]): void {
    this.lit = [...teeth];
  }
  pick(fdi: number): void {
    this.picked.notify(fdi);
  }
}

/** A stand-in panel with the panel's rule: the selected tooth, else the step's teeth. */
class PanelSide implements ToothHighlightSource {
  readonly onHighlightTeeth = new PanelEvent<number[]>();
  selected: number | null = null;
  constructor(private readonly stepTeeth: number[]) {}
  selectTooth(fdi: number | null): void {
    this.selected = fdi;
    this.onHighlightTeeth.notify(this.highlightedTeeth());
  }
  highlightedTeeth(): number[] {
    return this.selected !== null ? [this.selected] : this.stepTeeth;
  }
}

describe("linkTeeth", () => {
  it("starts the scene in step with the panel and follows the panel's picks", () => {
    const panel = new PanelSide([36]);
    const scene = new SceneSide();
    linkTeeth(panel, scene);
    expect(scene.lit).toEqual([36]);
    panel.selectTooth(26);
    expect(scene.lit).toEqual([26]);
    panel.selectTooth(null);
    expect(scene.lit).toEqual([36]);
  });

  it("selects in the panel a tooth picked in 3D, which then lights up", () => {
    const panel = new PanelSide([]);
    const scene = new SceneSide();
    linkTeeth(panel, scene);
    scene.pick(14);
    expect(panel.selected).toBe(14);
    expect(scene.lit).toEqual([14]);
  });

  it("stops lighting teeth once unlinked", () => {
    const panel = new PanelSide([]);
    const scene = new SceneSide();
    const unlink = linkTeeth(panel, scene);
    unlink();
    panel.selectTooth(11);
    expect(scene.lit).toEqual([]);
  });
});
