/**
 * The one contract between the clinician panel and the 3D scene for teeth: a tooth picked in the
 * panel (or, with none picked, the current step's teeth) lights up in 3D, and a tooth picked in 3D
 * selects it in the panel. The page calls `linkTeeth(panel, scene)` once; neither side imports the
 * other, so the scene can be tested without the panel and the other way round.
 */

/** What the 3D side offers (TreatmentScene implements it). */
export interface ToothHighlightTarget {
  /** Lights up these teeth (FDI numbers); an empty list clears the highlight. */
  highlightTeeth(teeth: readonly number[]): void;
  /** Fires with the FDI number of a tooth the user picked in 3D. */
  readonly onToothPickedObservable: { add(listener: (fdi: number) => void): unknown };
}

/** What the panel offers (ClinicianPanel implements it). */
export interface ToothHighlightSource {
  /** Notifies the teeth to light up: the selected tooth, else the current step's teeth, else []. */
  readonly onHighlightTeeth: { add(listener: (teeth: number[]) => void): () => void };
  /** Selects a tooth in the panel (opens its card); null clears the selection. */
  selectTooth(fdi: number | null): void;
  /** The teeth lit up now, so a scene linked late starts in step. */
  highlightedTeeth(): number[];
}

/** Wires both directions; returns a function that stops the panel → scene direction. */
export function linkTeeth(panel: ToothHighlightSource, scene: ToothHighlightTarget): () => void {
  scene.highlightTeeth(panel.highlightedTeeth());
  scene.onToothPickedObservable.add((fdi) => panel.selectTooth(fdi));
  return panel.onHighlightTeeth.add((teeth) => scene.highlightTeeth(teeth));
}
