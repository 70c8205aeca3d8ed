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

/** "36 · lower left first molar" */
export function toothLabel(fdi: number): string {
  const q = Math.floor(fdi / 10);
  const t = fdi % 10;
  return `${fdi} · ${QUADRANT_NAMES[q - 1]} ${TOOTH_NAMES[t - 1]}`;
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
