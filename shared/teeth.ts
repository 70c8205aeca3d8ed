/**
 * Tooth numbering. FDI (ISO 3950) is what we store and send; Universal (US) and Palmer (UK) are
 * display notations a clinician may prefer (DOMAIN.md: store FDI, display any).
 */

/** FDI (ISO 3950) permanent dentition: quadrant digit then tooth digit, 11..18, 21..28, 31..38, 41..48. */
export const PERMANENT_TEETH: readonly number[] = [1, 2, 3, 4].flatMap((q) =>
  [1, 2, 3, 4, 5, 6, 7, 8].map((t) => q * 10 + t),
);

export function isPermanentTooth(fdi: number): boolean {
  const q = Math.floor(fdi / 10);
  const t = fdi % 10;
  return Number.isInteger(fdi) && q >= 1 && q <= 4 && t >= 1 && t <= 8;
}

const TOOTH_NAMES = [
  "central incisor",
  "lateral incisor",
  "canine",
  "first premolar",
  "second premolar",
  "first molar",
  "second molar",
  "third molar",
];
const QUADRANT_NAMES = ["upper right", "upper left", "lower left", "lower right"];

/** The notations a clinician can read teeth in. */
export const ToothNotation = { fdi: "fdi", universal: "universal", palmer: "palmer" } as const;
export type ToothNotation = (typeof ToothNotation)[keyof typeof ToothNotation];

export const NOTATION_NAMES: Readonly<Record<ToothNotation, string>> = {
  fdi: "FDI",
  universal: "Universal",
  palmer: "Palmer",
};

export function isToothNotation(v: unknown): v is ToothNotation {
  return v === "fdi" || v === "universal" || v === "palmer";
}

const PALMER_QUADRANT = ["UR", "UL", "LL", "LR"];

/** Palmer as plain text: the quadrant (UR, UL, LL, LR) then 1-8 from the midline; FDI 16 = "UR6". */
export function toPalmer(fdi: number): string {
  return `${PALMER_QUADRANT[Math.floor(fdi / 10) - 1]}${fdi % 10}`;
}

/** A tooth's short name in a notation: FDI 16 is "16", Universal "3", Palmer "UR6". */
export function toothNumber(fdi: number, notation: ToothNotation = "fdi"): string {
  if (!isPermanentTooth(fdi)) return String(fdi);
  switch (notation) {
    case "fdi":
      return String(fdi);
    case "universal":
      return String(toUniversal(fdi));
    case "palmer":
      return toPalmer(fdi);
  }
}

/** "36 · lower left first molar"; in Universal "19 · lower left first molar", Palmer "LL6 · …". */
export function toothLabel(fdi: number, notation: ToothNotation = "fdi"): string {
  const q = Math.floor(fdi / 10);
  const t = fdi % 10;
  return `${toothNumber(fdi, notation)} · ${QUADRANT_NAMES[q - 1]} ${TOOTH_NAMES[t - 1]}`;
}

/** Universal (US) numbering 1..32, starting at the upper-right third molar (FDI 18 = 1). */
export function toUniversal(fdi: number): number {
  const q = Math.floor(fdi / 10);
  const t = fdi % 10;
  switch (q) {
    case 1:
      return 9 - t;
    case 2:
      return 8 + t;
    case 3:
      return 25 - t;
    default:
      return 24 + t;
  }
}

/** Surfaces a step or finding may concern. */
export const Surface = { M: "M", O: "O", I: "I", D: "D", B: "B", V: "V", L: "L" } as const;
export type Surface = (typeof Surface)[keyof typeof Surface];
