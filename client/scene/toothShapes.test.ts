import { describe, expect, it } from "vitest";
import { PERMANENT_TEETH } from "../../shared/teeth.ts";
import { archAt, archSamples, isUpper, LOWER_ARCH, toothDims, toothKind, UPPER_ARCH } from "./toothShapes.ts";

describe("tooth kinds and sizes", () => {
  it.each([
    [11, "incisor"],
    [22, "incisor"],
    [33, "canine"],
    [14, "premolar"],
    [45, "premolar"],
    [36, "molar"],
    [48, "molar"],
  ] as const)("%i is a %s", (fdi, kind) => {
    expect(toothKind(fdi)).toBe(kind);
  });

  it("molars are wider than incisors in both jaws, upper centrals wider than lower", () => {
    for (const q of [1, 2, 3, 4])
      expect(toothDims(q * 10 + 6).width).toBeGreaterThan(toothDims(q * 10 + 1).width);
    expect(toothDims(11).width).toBeGreaterThan(toothDims(41).width);
  });

  it("covers all 32 permanent teeth", () => {
    expect(PERMANENT_TEETH.filter(isUpper)).toHaveLength(16);
    for (const fdi of PERMANENT_TEETH) expect(toothDims(fdi).height).toBeGreaterThan(5);
  });
});

describe("arch layout", () => {
  for (const [name, shape, q] of [
    ["upper", UPPER_ARCH, 1],
    ["lower", LOWER_ARCH, 4],
  ] as const) {
    it(`${name}: eight teeth fit on the curve, going back and out, normals pointing outward`, () => {
      const samples = archSamples(shape);
      const total = [1, 2, 3, 4, 5, 6, 7, 8].reduce((sum, t) => sum + toothDims(q * 10 + t).width, 0);
      expect(samples[samples.length - 1]!.s).toBeGreaterThan(total);
      let s = 0;
      let prev = archAt(samples, 0);
      for (let t = 1; t <= 8; t++) {
        const w = toothDims(q * 10 + t).width;
        const at = archAt(samples, s + w / 2);
        s += w;
        expect(at.x).toBeGreaterThan(prev.x - 1e-9);
        expect(at.z).toBeLessThan(prev.z + 1e-9);
        expect(Math.hypot(at.nx, at.nz)).toBeCloseTo(1, 6);
        // Outward: away from the arch's inside, i.e. toward +x and/or the front.
        expect(at.nx * at.x + at.nz * (at.z - shape.depth / 2)).toBeGreaterThan(0);
        prev = at;
      }
      // Third molars sit well behind the incisors, as in a real U-shaped arch.
      expect(shape.depth - prev.z).toBeGreaterThan(25);
    });
  }
});
