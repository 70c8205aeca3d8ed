import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { Matrix } from "@babylonjs/core/Maths/math.vector.js";
import { CreateBox } from "@babylonjs/core/Meshes/Builders/boxBuilder.js";
import { Scene } from "@babylonjs/core/scene.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  fillLooks,
  indicesFor,
  inflate,
  labelsOverlap,
  mergeParts,
  outlineColours,
  PLAIN_UV,
  spreadLabels,
  toothOfFace,
} from "./toothMeshes.ts";

const engine = new NullEngine();
let scene: Scene;
afterEach(() => scene.dispose());

function threeParts() {
  scene = new Scene(engine);
  const parts = [36, null, 11].map((fdi, i) => {
    const mesh = CreateBox(`p${i}`, { size: 2 }, scene);
    mesh.position.x = i * 10;
    return { mesh, fdi };
  });
  return mergeParts(parts, Matrix.Identity());
}

describe("merged teeth", () => {
  it("keeps each part's vertices and triangles in order, in the merged frame", () => {
    const m = threeParts();
    expect(m.parts.map((p) => p.fdi)).toEqual([36, null, 11]);
    expect(m.positions.length / 3).toBe(m.parts.reduce((n, p) => n + p.vertexCount, 0));
    expect(m.indices.length).toBe(m.parts.reduce((n, p) => n + p.indexCount, 0));
    expect(m.parts[2]!.centre.x).toBeCloseTo(20);
    expect(Math.max(...m.indices)).toBe(m.positions.length / 3 - 1);
  });

  it("maps a picked triangle back to its tooth, gum to null", () => {
    const m = threeParts();
    const firstOf = (i: number) => m.parts[i]!.indexStart / 3;
    expect(toothOfFace(m.parts, firstOf(0))).toBe(36);
    expect(toothOfFace(m.parts, firstOf(1))).toBeNull();
    expect(toothOfFace(m.parts, firstOf(2) + 3)).toBe(11);
    expect(toothOfFace(m.parts, 99_999)).toBeNull();
  });

  it("colours a tooth through its vertices and hatches only unknown teeth", () => {
    const m = threeParts();
    const n = m.positions.length / 3;
    const colours = new Float32Array(n * 4);
    const uvs = new Float32Array(n * 2);
    fillLooks(
      m,
      (fdi) => (fdi === 36 ? { rgb: [1, 0, 0], hatched: false } : { rgb: [0.5, 0.5, 0.5], hatched: true }),
      [0.9, 0.6, 0.6],
      colours,
      uvs,
    );
    const v36 = m.parts[0]!.vertexStart;
    const vGum = m.parts[1]!.vertexStart;
    const v11 = m.parts[2]!.vertexStart;
    expect([...colours.subarray(v36 * 4, v36 * 4 + 3)]).toEqual([1, 0, 0]);
    expect(colours[vGum * 4]).toBeCloseTo(0.9);
    expect([uvs[v36 * 2], uvs[v36 * 2 + 1]]).toEqual([...PLAIN_UV].map((x) => Math.fround(x)));
    expect(uvs[v11 * 2]).toBe(m.hatchUvs[v11 * 2]);
  });

  it("outlines only the listed teeth, in their colours, pushed outward", () => {
    const m = threeParts();
    const only11 = indicesFor(m, new Set([11]));
    expect(only11.length).toBe(m.parts[2]!.indexCount);
    expect(Math.min(...only11)).toBeGreaterThanOrEqual(m.parts[2]!.vertexStart);
    expect(indicesFor(m, new Set()).length).toBe(0);
    const out = new Float32Array((m.positions.length / 3) * 4);
    outlineColours(m, (fdi) => (fdi === 11 ? [1, 1, 0] : null), out);
    expect(out[m.parts[2]!.vertexStart * 4 + 1]).toBe(1);
    expect(out[m.parts[0]!.vertexStart * 4]).toBe(0);
    const fat = inflate(m, 0.5);
    const spread = (p: Float32Array) => Math.max(...p) - Math.min(...p);
    expect(spread(fat)).toBeGreaterThan(spread(m.positions));
  });
});

describe("label spreading", () => {
  it("separates labels that overlap and leaves apart ones alone", () => {
    const boxes = [
      { x: -2.6, y: -30, w: 9, h: 6 },
      { x: 2.6, y: -30, w: 9, h: 6 },
      { x: 30, y: 0, w: 9, h: 6 },
      { x: 30, y: 2, w: 9, h: 6 },
      { x: -40, y: 40, w: 9, h: 6 },
    ];
    expect(labelsOverlap(boxes)).toBe(true);
    const out = spreadLabels(boxes);
    expect(labelsOverlap(out)).toBe(false);
    expect(out[4]).toEqual(boxes[4]);
  });
});
