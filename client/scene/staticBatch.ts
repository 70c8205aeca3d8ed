/**
 * Draw-call budget: a headset draws every mesh once per eye, so the room's hundreds of small
 * static parts (walls, cabinet doors, chair cushions, trousers) are baked into a few meshes.
 * Each part's plain colour goes into its vertex colours, and parts whose materials differ only in
 * that colour are merged into one mesh with one shared material, then frozen. A lit part's colour is
 * its diffuse colour; a glowing part's (black diffuse, as `glowing()` makes them: the sky, Otto's
 * lights) is its emissive colour, since the shader multiplies the vertex colour into the sum of the
 * two. Textured, see-through, interactive parts, and parts both lit and glowing are left as they are.
 */
import type { ShadowGenerator } from "@babylonjs/core/Lights/Shadows/shadowGenerator.js";
import type { Material } from "@babylonjs/core/Materials/material.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import type { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Node } from "@babylonjs/core/node.js";

export interface BatchOptions {
  /** Subtrees that move or switch on and off on their own; they are not merged into the rest. */
  exclude?: readonly Node[];
  /** Merged meshes cast shadows here when any of their parts did. */
  shadows?: ShadowGenerator | null;
  /** Freeze the merged meshes' world matrices (default). Off for a batch whose parent turns. */
  freeze?: boolean;
}

function isUnder(node: Node, roots: readonly Node[]): boolean {
  for (let n: Node | null = node; n; n = n.parent) if (roots.includes(n)) return true;
  return false;
}

/** Which of a material's colours is its look: the one that can move into the vertices. */
type Look = "lit" | "glow";

function isBlack(c: Color3): boolean {
  return c.r === 0 && c.g === 0 && c.b === 0;
}

function lookOf(m: StandardMaterial): Look | null {
  if (isBlack(m.emissiveColor)) return "lit";
  if (isBlack(m.diffuseColor)) return "glow";
  return null;
}

/** A plain-coloured StandardMaterial: the only kind whose colour can move into the vertices. */
function bakeable(m: Material | null): m is StandardMaterial {
  return (
    m instanceof StandardMaterial &&
    lookOf(m) !== null &&
    m.alpha >= 1 &&
    !m.diffuseTexture &&
    !m.emissiveTexture &&
    !m.opacityTexture &&
    !m.bumpTexture &&
    !m.specularTexture &&
    !m.reflectionTexture
  );
}

/** Specular levels in three steps (matte, satin, polished): close enough to see no difference. */
function specularStep(m: StandardMaterial): number {
  const s = Math.max(m.specularColor.r, m.specularColor.g, m.specularColor.b);
  return s <= 0.15 ? 0.08 : s <= 0.45 ? 0.3 : 0.6;
}

function groupKey(mesh: Mesh, m: StandardMaterial): string {
  return [
    lookOf(m),
    specularStep(m),
    m.specularPower,
    m.disableLighting,
    m.backFaceCulling,
    m.fogEnabled,
    mesh.receiveShadows,
    mesh.visibility,
  ].join("|");
}

/** Writes the material's colour into the mesh's vertex colours (multiplying any there). */
function bakeColour(mesh: Mesh, diffuse: Color3): void {
  // A copy of the vertices, so a geometry shared with another mesh (clones) is left alone.
  const data = VertexData.ExtractFromMesh(mesh, true, true);
  const count = (data.positions?.length ?? 0) / 3;
  const existing = data.colors;
  const colours = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) {
    const k = i * 4;
    colours[k] = diffuse.r * (existing ? existing[k]! : 1);
    colours[k + 1] = diffuse.g * (existing ? existing[k + 1]! : 1);
    colours[k + 2] = diffuse.b * (existing ? existing[k + 2]! : 1);
    colours[k + 3] = 1;
  }
  data.colors = colours;
  mesh.geometry?.releaseForMesh(mesh, true);
  data.applyToMesh(mesh);
}

/**
 * Merges the plain-coloured static meshes under `root` (outside `exclude`) into one mesh per
 * lighting look, parented to `root` so switching it off still hides them. Returns the new meshes.
 */
export function batchStatic(root: TransformNode, name: string, opts: BatchOptions = {}): Mesh[] {
  const exclude = opts.exclude ?? [];
  const casters = new Set(opts.shadows?.getShadowMap()?.renderList ?? []);
  const groups = new Map<string, { meshes: Mesh[]; material: StandardMaterial }>();
  for (const mesh of root.getChildMeshes(false)) {
    if (!(mesh instanceof Mesh) || mesh.getTotalVertices() === 0) continue;
    if (mesh.billboardMode !== Mesh.BILLBOARDMODE_NONE || mesh.metadata?.interactive) continue;
    if (mesh.skeleton || mesh.hasInstances || mesh.hasThinInstances || !mesh.isEnabled(false)) continue;
    if (isUnder(mesh, exclude) || !bakeable(mesh.material)) continue;
    const key = groupKey(mesh, mesh.material);
    const group = groups.get(key) ?? { meshes: [], material: mesh.material };
    group.meshes.push(mesh);
    groups.set(key, group);
  }
  // Disposing a merged part would dispose what hangs from it: hand its children to its parent
  // first, where they stay in place (the tray's instruments, the cabinet's handles).
  for (const { meshes } of groups.values())
    for (const mesh of meshes)
      for (const child of mesh.getChildTransformNodes(true)) child.setParent(mesh.parent);
  const merged: Mesh[] = [];
  let index = 0;
  for (const { meshes, material } of groups.values()) {
    const used = new Set<Material>();
    const casts = meshes.some((m) => casters.has(m));
    for (const mesh of meshes) {
      const m = mesh.material as StandardMaterial;
      used.add(m);
      bakeColour(mesh, lookOf(m) === "glow" ? m.emissiveColor : m.diffuseColor);
    }
    const mat = new StandardMaterial(`${name}-batch-${index}`, root.getScene());
    const glow = lookOf(material) === "glow";
    mat.diffuseColor = glow ? Color3.Black() : Color3.White();
    mat.emissiveColor = glow ? Color3.White() : Color3.Black();
    const spec = specularStep(material);
    mat.specularColor = new Color3(spec, spec, spec);
    mat.specularPower = material.specularPower;
    mat.disableLighting = material.disableLighting;
    mat.backFaceCulling = material.backFaceCulling;
    mat.fogEnabled = material.fogEnabled;
    const receive = meshes[0]!.receiveShadows;
    const visibility = meshes[0]!.visibility;
    const mesh = Mesh.MergeMeshes(meshes, true, true, undefined, false, false);
    if (!mesh) continue;
    mesh.name = `${name}-batch-${index++}`;
    mesh.material = mat;
    mesh.receiveShadows = receive;
    mesh.visibility = visibility;
    mesh.isPickable = false;
    mesh.setParent(root);
    if (opts.freeze ?? true) mesh.freezeWorldMatrix();
    mat.freeze();
    if (casts) opts.shadows?.addShadowCaster(mesh, false);
    for (const m of used) if (m.getBindedMeshes().length === 0) m.dispose();
    merged.push(mesh);
  }
  return merged;
}
