/**
 * Loads the replaceable models (models.ts) from GLB files on our own origin with Babylon's glTF
 * loader, checks each against its contract, and turns what it holds into plain parts the room code
 * drives: glTF materials become our StandardMaterials (so staticBatch can merge them into a few
 * draw calls) and every named node becomes an upright pivot with its meshes baked around it (the
 * glTF right-handed root is folded into the vertices, so code can set a pivot's pose directly).
 * The built-in builders go through the same `rigFrom`, so a fallback and a file behave alike.
 */
// Deep imports: the glTF 2.0 loader (it registers the .glb plugin) and the one extension our files use.
import "@babylonjs/loaders/glTF/2.0/glTFLoader.js";
import "@babylonjs/loaders/glTF/2.0/Extensions/KHR_materials_unlit.js";
import type { AssetContainer } from "@babylonjs/core/assetContainer.js";
import { LoadAssetContainerAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import type { Material } from "@babylonjs/core/Materials/material.js";
import { PBRMaterial } from "@babylonjs/core/Materials/PBR/pbrMaterial.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Node } from "@babylonjs/core/node.js";
import type { Scene } from "@babylonjs/core/scene.js";
import {
  decideModel,
  MODEL_CONTRACTS,
  MODEL_KINDS,
  type ModelDecision,
  type ModelKind,
  type ModelProbe,
  type ModelSources,
  modelUrl,
  pendingSources,
  type Rgb,
  standardFromPbr,
} from "./models.ts";

/** A loaded, checked file that can be placed in the scene as often as needed (avatars). */
export class ModelTemplate {
  constructor(
    readonly kind: ModelKind,
    private readonly container: AssetContainer,
  ) {}

  /** A fresh copy of the file's nodes in the scene (materials copied too, so they can be tinted). */
  instantiate(): Node[] {
    const entries = this.container.instantiateModelsToScene((name) => name, true, { doNotInstantiate: true });
    return entries.rootNodes;
  }

  dispose(): void {
    this.container.dispose();
  }
}

export interface LoadedModel {
  decision: ModelDecision;
  template: ModelTemplate | null;
}

const rgb = (c: Color3): Rgb => [c.r, c.g, c.b];
const color = (c: Rgb) => new Color3(c[0], c[1], c[2]);

/** Our material for a loaded glTF one (see models.ts `standardFromPbr`). */
function toStandard(pbr: PBRMaterial, scene: Scene): StandardMaterial {
  const look = standardFromPbr({
    baseColor: rgb(pbr.albedoColor),
    roughness: pbr.roughness ?? 1,
    emissive: rgb(pbr.emissiveColor),
    alpha: pbr.alpha,
    unlit: pbr.unlit,
  });
  const m = new StandardMaterial(pbr.name, scene);
  m.diffuseColor = color(look.diffuse);
  m.specularColor = new Color3(look.specular, look.specular, look.specular);
  m.specularPower = 48;
  m.emissiveColor = color(look.emissive);
  m.alpha = look.alpha;
  m.disableLighting = look.unlit;
  m.fogEnabled = !look.unlit;
  m.backFaceCulling = pbr.backFaceCulling;
  const texture = pbr.albedoTexture;
  if (texture) {
    if (look.unlit) {
      // Self-lit and textured (the window view): the texture is the light, the colour stays black.
      m.emissiveTexture = texture;
      m.emissiveColor = Color3.Black();
    } else m.diffuseTexture = texture;
  }
  return m;
}

/** Replaces every glTF material in the container with ours (same name), once, before any copy. */
function convertMaterials(container: AssetContainer, scene: Scene): void {
  const converted = new Map<Material, StandardMaterial>();
  for (const mesh of container.meshes) {
    const mat = mesh.material;
    if (!(mat instanceof PBRMaterial)) continue;
    let ours = converted.get(mat);
    if (!ours) {
      ours = toStandard(mat, scene);
      scene.removeMaterial(ours);
      converted.set(mat, ours);
    }
    mesh.material = ours;
  }
  for (const [pbr, ours] of converted) {
    container.materials.splice(container.materials.indexOf(pbr), 1, ours);
    pbr.dispose(false, false);
  }
}

function probe(container: AssetContainer): ModelProbe {
  const names = [...container.transformNodes, ...container.meshes]
    .map((n) => n.name)
    .filter((n) => n !== "__root__");
  const min = new Vector3(Infinity, Infinity, Infinity);
  const max = new Vector3(-Infinity, -Infinity, -Infinity);
  let meshCount = 0;
  for (const n of container.transformNodes) n.computeWorldMatrix(true);
  for (const mesh of container.meshes) {
    mesh.computeWorldMatrix(true);
    if (mesh.getTotalVertices() === 0) continue;
    meshCount++;
    const box = mesh.getBoundingInfo().boundingBox;
    min.minimizeInPlace(box.minimumWorld);
    max.maximizeInPlace(box.maximumWorld);
  }
  const size = max.subtract(min);
  return { ok: true, nodeNames: names, meshCount, extent: [size.x, size.y, size.z] };
}

/**
 * Embedded images would load through blob: URLs, which the page's Content-Security-Policy
 * (img-src 'self') refuses; decoding them with createImageBitmap needs no URL at all.
 */
function decodeEmbeddedImagesAsBitmaps(scene: Scene): void {
  const features = (
    scene.getEngine() as unknown as { _features?: { forceBitmapOverHTMLImageElement: boolean } }
  )._features;
  if (features && typeof createImageBitmap === "function") features.forceBitmapOverHTMLImageElement = true;
}

/** Loads and checks one model; never throws: a bad file is a decision to use the built-in one. */
export async function loadModelAsync(scene: Scene, kind: ModelKind, base = "/models/"): Promise<LoadedModel> {
  let container: AssetContainer;
  try {
    decodeEmbeddedImagesAsBitmaps(scene);
    container = await LoadAssetContainerAsync(modelUrl(kind, base), scene, { pluginExtension: ".glb" });
  } catch (e) {
    const error = e instanceof Error ? e.message.split("\n")[0]!.slice(0, 200) : String(e);
    return { decision: decideModel(kind, { ok: false, error }), template: null };
  }
  const decision = decideModel(kind, probe(container));
  if (decision.source !== "glb") {
    container.dispose();
    return { decision, template: null };
  }
  convertMaterials(container, scene);
  return { decision, template: new ModelTemplate(kind, container) };
}

/** Where each model came from on this page, for support and the end-to-end tests. */
export interface ModelReport {
  sources: ModelSources;
  warnings: string[];
  /** Drawn meshes (with vertices) under each model's holder node, by model. */
  meshes: Record<ModelKind, number>;
}

declare global {
  interface Window {
    /** Read-only: which models this page uses (file or built-in) and why, see modelsLoader.ts. */
    __chairsideModels?: () => ModelReport;
  }
}

/** The scene's holders for each model, counted in the report. */
export type ModelHolders = Record<ModelKind, () => readonly TransformNode[]>;

/** Loads all four models in parallel and warns (console) for each that falls back. */
export async function loadAllModelsAsync(
  scene: Scene,
  holders: ModelHolders,
  base = "/models/",
): Promise<{ loaded: Record<ModelKind, LoadedModel>; report: ModelReport }> {
  const sources = pendingSources();
  const warnings: string[] = [];
  const report: ModelReport = {
    sources,
    warnings,
    meshes: { room: 0, chair: 0, avatar: 0, otto: 0 },
  };
  if (typeof window !== "undefined")
    window.__chairsideModels = () => {
      for (const kind of MODEL_KINDS)
        report.meshes[kind] = holders[kind]().reduce(
          (n, h) => n + h.getChildMeshes(false).filter((m) => m.getTotalVertices() > 0).length,
          0,
        );
      return report;
    };
  const results = await Promise.all(MODEL_KINDS.map((kind) => loadModelAsync(scene, kind, base)));
  const loaded = {} as Record<ModelKind, LoadedModel>;
  for (const r of results) {
    loaded[r.decision.kind] = r;
    sources[r.decision.kind] = r.decision.source;
    if (r.decision.source === "builtin") {
      warnings.push(r.decision.warning);
      console.warn(`[models] ${r.decision.warning}`);
    }
  }
  return { loaded, report };
}

/** The pivots made by `rigFrom`, by contract name, and what hangs from each. */
export interface Rig {
  pivots: Map<string, TransformNode>;
  /** Every mesh, by the contract name it hangs from ("" for the model's own root). */
  meshes: Map<string, Mesh[]>;
}

function restPosition(node: Node): Vector3 {
  return node instanceof TransformNode ? node.getAbsolutePosition().clone() : Vector3.Zero();
}

/**
 * Rebuilds a model's nodes (in model space, as just built or instantiated) under `target`: each
 * node named in `names` becomes an unrotated pivot at its rest position, parented to the nearest
 * named ancestor's pivot (or `target`), and every mesh is baked (world transform into vertices,
 * mirrored files flipped back) relative to the pivot it hangs from. The original nodes are disposed.
 */
export function rigFrom(rootNodes: readonly Node[], names: readonly string[], target: TransformNode): Rig {
  const scene = target.getScene();
  const all: Node[] = rootNodes.flatMap((r) => [r, ...r.getDescendants(false)]);
  const worlds = new Map<Node, Matrix>();
  for (const n of all) if (n instanceof TransformNode) worlds.set(n, n.computeWorldMatrix(true).clone());
  const named = (n: Node | null): Node | null => {
    for (let p = n; p; p = p.parent) if (names.includes(p.name)) return p;
    return null;
  };
  const pivots = new Map<string, TransformNode>();
  const rest = new Map<string, Vector3>();
  const meshes = new Map<string, Mesh[]>();
  for (const n of all) {
    if (!names.includes(n.name) || pivots.has(n.name)) continue;
    const up = named(n.parent);
    const at = restPosition(n);
    const pivot = new TransformNode(n.name, scene);
    pivot.parent = up ? pivots.get(up.name)! : target;
    pivot.position.copyFrom(up ? at.subtract(rest.get(up.name)!) : at);
    pivots.set(n.name, pivot);
    rest.set(n.name, at);
  }
  for (const n of all) {
    if (!(n instanceof Mesh) || n.getTotalVertices() === 0) continue;
    const owner = named(n)?.name ?? "";
    const origin = rest.get(owner) ?? Vector3.Zero();
    const world = worlds.get(n)!.multiply(Matrix.Translation(-origin.x, -origin.y, -origin.z));
    n.parent = null;
    n.position.setAll(0);
    n.rotationQuaternion = null;
    n.rotation.setAll(0);
    n.scaling.setAll(1);
    n.makeGeometryUnique();
    n.bakeTransformIntoVertices(world);
    n.parent = owner ? pivots.get(owner)! : target;
    n.setEnabled(true);
    const list = meshes.get(owner) ?? [];
    list.push(n);
    meshes.set(owner, list);
  }
  const moved = new Set([...meshes.values()].flat());
  for (const r of rootNodes) if (!moved.has(r as Mesh) && !r.isDisposed()) r.dispose(false, false);
  return { pivots, meshes };
}

/** Meshes hanging from a pivot and everything under it. */
export function meshesUnder(rig: Rig, name: string): Mesh[] {
  const pivot = rig.pivots.get(name);
  return pivot ? pivot.getChildMeshes(false).filter((m): m is Mesh => m instanceof Mesh) : [];
}

/** The contract's node names, for `rigFrom`. */
export function contractNodes(kind: ModelKind): string[] {
  const c = MODEL_CONTRACTS[kind];
  return [...c.requiredNodes, ...c.optionalNodes];
}
