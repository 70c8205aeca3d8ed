/**
 * The dental arch as a flat chart for lessons: 32 teeth in two horseshoes (upper and lower, as
 * the patient faces a mirror's reverse: the chart's left is the patient's right, like a dentist's
 * chart), any of them lit. SVG, no 3D: it works on any screen and prints.
 */
import { PERMANENT_TEETH } from "../../shared/teeth.ts";

const SVG = "http://www.w3.org/2000/svg";

/** Where a tooth sits on a 400×300 chart: upper arch above, lower below, midline in the middle. */
function place(fdi: number): { x: number; y: number } {
  const q = Math.floor(fdi / 10);
  const n = fdi % 10; // 1 central incisor … 8 third molar
  const side = q === 1 || q === 4 ? -1 : 1; // patient's right on the chart's left
  const angle = ((n - 0.5) / 8) * (Math.PI / 2) * 0.95;
  const upper = q === 1 || q === 2;
  const x = 200 + side * Math.sin(angle) * 150;
  const y = upper ? 140 - Math.cos(angle) * 110 : 160 + Math.cos(angle) * 110;
  return { x, y };
}

export class ArchChart {
  readonly svg: SVGSVGElement;
  private readonly teeth = new Map<number, SVGCircleElement>();

  constructor(label: string) {
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.setAttribute("viewBox", "0 0 400 300");
    this.svg.setAttribute("role", "img");
    this.svg.setAttribute("aria-label", label);
    this.svg.classList.add("ls-arch");
    for (const fdi of PERMANENT_TEETH) {
      const { x, y } = place(fdi);
      const c = document.createElementNS(SVG, "circle");
      c.setAttribute("cx", x.toFixed(1));
      c.setAttribute("cy", y.toFixed(1));
      c.setAttribute("r", fdi % 10 >= 6 ? "13" : "10");
      c.dataset.tooth = String(fdi);
      this.teeth.set(fdi, c);
      this.svg.append(c);
    }
    const mid = document.createElementNS(SVG, "text");
    mid.setAttribute("x", "200");
    mid.setAttribute("y", "154");
    mid.setAttribute("text-anchor", "middle");
    mid.textContent = "your right ← · → your left";
    this.svg.append(mid);
  }

  /** Lights these teeth; the rest go back to plain. */
  light(teeth: readonly number[]): void {
    const lit = new Set(teeth);
    for (const [fdi, c] of this.teeth) c.classList.toggle("lit", lit.has(fdi));
    this.svg.dataset.lit = [...lit].join(",");
  }
}
