/** Page layout for the clinician view: the 3D canvas area (owned by the page) and the side panel. */
import { h } from "./dom.ts";

export interface ClinicianLayout {
  /** Fills the space left of the panel; the page puts the Babylon canvas here. */
  canvasHost: HTMLElement;
  /** The right-hand side panel (440 px); pass it to `new ClinicianPanel(panelRoot, …)`. */
  panelRoot: HTMLElement;
}

/**
 * Builds `<div class="cp-layout"><div class="cp-canvas-host"/><aside class="cp-panel"/></div>` inside
 * `root`, filling the viewport. Both children get data-testids: "canvas-host" and "clinician-panel".
 */
export function createClinicianLayout(root: HTMLElement): ClinicianLayout {
  const canvasHost = h("div", { class: "cp-canvas-host", "data-testid": "canvas-host" });
  const panelRoot = h("aside", {
    class: "cp-panel-root",
    "data-testid": "clinician-panel",
    "aria-label": "Clinician panel",
  });
  root.classList.add("cp-layout");
  root.replaceChildren(canvasHost, panelRoot);
  return { canvasHost, panelRoot };
}
