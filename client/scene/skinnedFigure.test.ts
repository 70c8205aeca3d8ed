import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { CreateBox } from "@babylonjs/core/Meshes/Builders/boxBuilder.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { Scene } from "@babylonjs/core/scene.js";
import { afterEach, describe, expect, it } from "vitest";
import { SkinnedFigure } from "./skinnedFigure.ts";

const engine = new NullEngine();
let scene: Scene;

afterEach(() => scene.dispose());

function node(name: string, parent: TransformNode, x: number, y: number): TransformNode {
  const n = new TransformNode(name, scene);
  n.parent = parent;
  n.position.set(x, y, 0);
  return n;
}

function box(name: string, parent: TransformNode, hex: string): Mesh {
  const m = CreateBox(name, { size: 0.1 }, scene);
  const mat = new StandardMaterial(name, scene);
  mat.diffuseColor = Color3.FromHexString(hex);
  m.material = mat;
  m.parent = parent;
  return m;
}

/** A root at (5, 0, 0) holding a body at y 1, a head above it and a hand beside it. */
function figure() {
  scene = new Scene(engine);
  const root = new TransformNode("root", scene);
  root.position.x = 5;
  const body = node("body", root, 0, 1);
  const head = node("head", body, 0, 0.5);
  const hand = node("hand", root, 0.4, 1);
  const parts = [box("torso", body, "#0000ff"), box("skull", head, "#ff0000"), box("palm", hand, "#00ff00")];
  const material = new StandardMaterial("shared", scene);
  const tint = (m: Mesh) => (m.material as StandardMaterial).diffuseColor;
  const skinned = new SkinnedFigure(root, [hand, head, body], [{ name: "fig", parts, material, tint }]);
  return { root, body, head, hand, skinned, material };
}

/** Centre of the 8 corners of the box bound to bone `i` (in the mesh's space, skeleton applied). */
function centreOfBone(mesh: Mesh, bone: number): [number, number, number] {
  const pos = mesh.getPositionData(true, false)!;
  const idx = mesh.getVerticesData(VertexBuffer.MatricesIndicesKind)!;
  const sum = [0, 0, 0];
  let n = 0;
  for (let v = 0; v < pos.length / 3; v++) {
    if (idx[v * 4] !== bone) continue;
    for (let k = 0; k < 3; k++) sum[k]! += pos[v * 3 + k]!;
    n++;
  }
  return sum.map((s) => Math.round((s / n) * 1000) / 1000) as [number, number, number];
}

describe("SkinnedFigure", () => {
  it("merges the parts into one mesh under the root, colours in the vertices, one bone each", () => {
    const { root, skinned, material } = figure();
    expect(skinned.meshes).toHaveLength(1);
    const mesh = skinned.meshes[0]!;
    expect(mesh.parent).toBe(root);
    expect(mesh.material).toBe(material);
    expect(mesh.skeleton).toBe(skinned.skeleton);
    expect(scene.meshes.filter((m) => !m.isDisposed())).toEqual([mesh]);
    // Bones are made parents first: body, then head and hand.
    expect(skinned.skeleton.bones.map((b) => b.name)).toEqual(["hand", "body", "head"]);
    const colours = mesh.getVerticesData(VertexBuffer.ColorKind)!;
    const idx = mesh.getVerticesData(VertexBuffer.MatricesIndicesKind)!;
    const byBone = new Map<number, string>();
    for (let v = 0; v < colours.length / 4; v++)
      byBone.set(idx[v * 4]!, Color3.FromArray(colours, v * 4).toHexString());
    expect(Object.fromEntries(byBone)).toEqual({ 0: "#00FF00", 1: "#0000FF", 2: "#FF0000" });
  });

  it("keeps each part where it was, in the root's space", () => {
    const { skinned } = figure();
    const mesh = skinned.meshes[0]!;
    expect(centreOfBone(mesh, 0)).toEqual([0.4, 1, 0]);
    expect(centreOfBone(mesh, 1)).toEqual([0, 1, 0]);
    expect(centreOfBone(mesh, 2)).toEqual([0, 1.5, 0]);
  });

  it("moves a part's vertices with its pivot, and a child's with its parent's", () => {
    const { body, hand, skinned } = figure();
    const mesh = skinned.meshes[0]!;
    hand.position.set(-0.4, 1.2, 0.3);
    body.rotation.z = Math.PI / 2; // the head swings from above the body to its left
    skinned.skeleton.prepare(true);
    expect(centreOfBone(mesh, 0)).toEqual([-0.4, 1.2, 0.3]);
    expect(centreOfBone(mesh, 1)).toEqual([0, 1, 0]);
    expect(centreOfBone(mesh, 2)).toEqual([-0.5, 1, 0]);
  });

  it("fits the culling box around the pivots where they are now", () => {
    const { hand, skinned } = figure();
    const mesh = skinned.meshes[0]!;
    const box = () => mesh.getBoundingInfo().boundingBox;
    expect(box().minimum.x).toBeCloseTo(-0.05);
    expect(box().maximum.x).toBeCloseTo(0.45);
    hand.position.set(2, 1, 0);
    skinned.refreshBounds();
    expect(box().maximum.x).toBeCloseTo(2.05);
    expect(box().maximum.y).toBeCloseTo(1.55);
  });

  it("refuses a pivot that hangs from neither another pivot nor the root", () => {
    scene = new Scene(engine);
    const root = new TransformNode("root", scene);
    const stray = node("stray", new TransformNode("elsewhere", scene), 0, 0);
    expect(() => new SkinnedFigure(root, [stray], [])).toThrow(/stray hangs from neither/);
  });
});
