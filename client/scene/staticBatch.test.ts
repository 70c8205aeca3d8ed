import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { CreateBox } from "@babylonjs/core/Meshes/Builders/boxBuilder.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { Scene } from "@babylonjs/core/scene.js";
import { afterEach, describe, expect, it } from "vitest";
import { glowing } from "./palette.ts";
import { batchStatic } from "./staticBatch.ts";

const engine = new NullEngine();
let scene: Scene;

function box(name: string, parent: TransformNode, hex: string, x: number, alpha = 1): Mesh {
  const m = CreateBox(name, { size: 0.1 }, scene);
  const mat = new StandardMaterial(name, scene);
  mat.diffuseColor = Color3.FromHexString(hex);
  mat.alpha = alpha;
  m.material = mat;
  m.position.x = x;
  m.parent = parent;
  return m;
}

afterEach(() => scene.dispose());

describe("batchStatic", () => {
  it("merges plain-coloured parts into one mesh, their colours in the vertices", () => {
    scene = new Scene(engine);
    const root = new TransformNode("root", scene);
    box("red", root, "#ff0000", 0);
    box("blue", root, "#0000ff", 1);
    const merged = batchStatic(root, "t");
    expect(merged).toHaveLength(1);
    const mesh = merged[0]!;
    expect(mesh.parent).toBe(root);
    expect(scene.meshes.filter((m) => !m.isDisposed())).toEqual([mesh]);
    const colours = mesh.getVerticesData(VertexBuffer.ColorKind)!;
    const seen = new Set<string>();
    for (let i = 0; i < colours.length; i += 4) seen.add(`${colours[i]},${colours[i + 1]},${colours[i + 2]}`);
    expect(seen).toEqual(new Set(["1,0,0", "0,0,1"]));
    // The boxes keep their places: the merged bounds span both.
    const { minimumWorld, maximumWorld } = mesh.getBoundingInfo().boundingBox;
    expect(minimumWorld.x).toBeCloseTo(-0.05);
    expect(maximumWorld.x).toBeCloseTo(1.05);
  });

  it("leaves see-through, excluded and interactive parts alone, and keeps a merged part's children", () => {
    scene = new Scene(engine);
    const root = new TransformNode("root", scene);
    const a = box("a", root, "#ffffff", 0);
    const b = box("b", root, "#eeeeee", 1);
    const glass = box("glass", root, "#ffffff", 2, 0.5);
    const moving = new TransformNode("moving", scene);
    moving.parent = root;
    const arm = box("arm", moving, "#ffffff", 3);
    const tooth = box("tooth", root, "#ffffff", 4);
    tooth.metadata = { interactive: true };
    const handle = box("handle", a, "#ffffff", 0.5, 0.5);
    const merged = batchStatic(root, "t", { exclude: [moving] });
    expect(merged).toHaveLength(1);
    expect(a.isDisposed() && b.isDisposed()).toBe(true);
    for (const kept of [glass, arm, tooth, handle]) expect(kept.isDisposed()).toBe(false);
    expect(handle.getAbsolutePosition().x).toBeCloseTo(0.5);
    expect(arm.parent).toBe(moving);
  });

  it("keeps a glowing part's colour: its emissive colour times its own vertex colours (the sky's gradient)", () => {
    scene = new Scene(engine);
    const root = new TransformNode("root", scene);
    const sky = CreateBox("sky", { size: 0.1 }, scene);
    sky.setVerticesData(
      VertexBuffer.ColorKind,
      new Array(sky.getTotalVertices()).fill([0.2, 0.4, 0.8, 1]).flat(),
    );
    sky.material = glowing(scene, "sky", "#ffffff");
    sky.parent = root;
    const lamp = CreateBox("lamp", { size: 0.1 }, scene);
    lamp.material = glowing(scene, "lamp", "#ff8000");
    lamp.parent = root;
    const lit = box("wall", root, "#00ff00", 1);
    const mixed = box("mixed", root, "#808080", 2);
    (mixed.material as StandardMaterial).emissiveColor = Color3.FromHexString("#202020");
    const merged = batchStatic(root, "t");
    expect(merged).toHaveLength(2);
    const glow = merged.find((m) => (m.material as StandardMaterial).disableLighting)!;
    const glowMat = glow.material as StandardMaterial;
    expect(glowMat.emissiveColor.toHexString()).toBe("#FFFFFF");
    expect(glowMat.diffuseColor.toHexString()).toBe("#000000");
    const colours = glow.getVerticesData(VertexBuffer.ColorKind)!;
    const seen = new Set<string>();
    for (let i = 0; i < colours.length; i += 4)
      seen.add([colours[i], colours[i + 1], colours[i + 2]].map((c) => c!.toFixed(2)).join(","));
    expect(seen).toEqual(new Set(["0.20,0.40,0.80", "1.00,0.50,0.00"]));
    expect(lit.isDisposed()).toBe(true);
    // Both lit and glowing: no single colour to bake, so it stays as it is.
    expect(mixed.isDisposed()).toBe(false);
  });
});
