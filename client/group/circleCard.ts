/**
 * The circle's panel on a flat screen (issue 12): the topic, its timer, who has a hand up and
 * "Raise my hand", as a card over the top right of the 3D circle. The world panel's words are
 * drawn on a texture 1.2 m wide two metres into the scene, which a 1280×800 screen shows a few
 * pixels high; a dentist or a patient reads this card from 60 cm (text at least 18 CSS px, crisp,
 * any length wraps), and the 3D view shifts left so it hides nobody. In a headset the world panel
 * says the same (circlePanel.ts builds both); a press here is the same choice as a press there.
 */
import { patchChildren } from "../patchDom.ts";
import type { PanelSpec } from "../scene/worldPanel.ts";

export interface CircleCardState {
  shown: boolean;
  title: string;
  body: string;
  buttons: string[];
  /** The smallest font size on the card (CSS px), as rendered. */
  smallestFontPx: number;
  /** The card's box relative to the canvas (CSS px); null while hidden. */
  box: { x: number; y: number; w: number; h: number } | null;
  /** Whether it floats over the canvas (wide screens) or sits under it (phones). */
  floating: boolean;
}

export interface CircleCard {
  readonly element: HTMLElement;
  /** Shows a panel's words (null hides the card); redraws only when they change. */
  show(spec: PanelSpec | null): void;
  /** The width it takes from the 3D view's right side (CSS px, margin included); 0 when it takes none. */
  insetPx(): number;
  testState(canvas: HTMLElement): CircleCardState;
}

/** Margin between the card and the canvas's edges (CSS px). */
const MARGIN = 12;

export function createCircleCard(onChoice: (value: string) => void): CircleCard {
  const card = document.createElement("section");
  card.className = "gc-card";
  card.dataset.testid = "circle-card";
  card.hidden = true;
  let key = "";
  let spec: PanelSpec | null = null;

  const floating = () => !card.hidden && getComputedStyle(card).position === "absolute";
  return {
    element: card,
    show(next) {
      const nextKey = JSON.stringify(next);
      if (nextKey === key) return;
      key = nextKey;
      spec = next;
      card.hidden = next === null;
      if (!next) return;
      // Patched, not rebuilt: the timer in the body changes every second, and a new button each
      // second is one a press can miss (client/patchDom.ts).
      // Only the title (the topic) is a live region: the body holds the timer, which a screen
      // reader would otherwise read out every second.
      const title = text("h2", "gc-card-title", next.title);
      title.setAttribute("aria-live", "polite");
      patchChildren(card, [title, text("p", "gc-card-body", next.body), buttonRow(next, onChoice)]);
    },
    insetPx() {
      return floating() ? card.offsetWidth + 2 * MARGIN : 0;
    },
    testState(canvas) {
      const shown = !card.hidden;
      const fonts = [...card.querySelectorAll("h2, p, button")].map((e) =>
        Number.parseFloat(getComputedStyle(e).fontSize),
      );
      const c = canvas.getBoundingClientRect();
      const r = card.getBoundingClientRect();
      return {
        shown,
        title: spec?.title ?? "",
        body: spec?.body ?? "",
        buttons: spec?.buttons.map((b) => b.value) ?? [],
        smallestFontPx: shown ? Math.min(...fonts) : 0,
        box: shown ? { x: r.left - c.left, y: r.top - c.top, w: r.width, h: r.height } : null,
        floating: floating(),
      };
    },
  };
}

function text(tag: "h2" | "p", className: string, words: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  e.textContent = words;
  return e;
}

function buttonRow(spec: PanelSpec, onChoice: (value: string) => void): HTMLElement {
  const row = document.createElement("div");
  row.className = "gc-card-buttons";
  for (const b of spec.buttons) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `g-button gc-card-button${b.tone === "primary" ? " primary" : ""}`;
    button.dataset.testid = `circle-card-button:${b.value}`;
    button.textContent = b.label;
    button.onclick = () => onChoice(b.value);
    row.append(button);
  }
  return row;
}
