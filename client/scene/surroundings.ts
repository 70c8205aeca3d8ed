/**
 * Surroundings and light: the clinic room, or a calm meadow by a lake (sky gradient, soft hills,
 * trees, water, drifting clouds, warm sun). Switchable at run time; the chair, the dentition,
 * Otto and the people stay where they are.
 */

import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import { DirectionalLight } from "@babylonjs/core/Lights/directionalLight.js";
import { HemisphericLight } from "@babylonjs/core/Lights/hemisphericLight.js";
import { ShadowGenerator } from "@babylonjs/core/Lights/Shadows/shadowGenerator.js";
import { DynamicTexture } from "@babylonjs/core/Materials/Textures/dynamicTexture.js";
import { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import { Color3, Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateCylinder } from "@babylonjs/core/Meshes/Builders/cylinderBuilder.js";
import { CreateDisc } from "@babylonjs/core/Meshes/Builders/discBuilder.js";
import { CreateSphere } from "@babylonjs/core/Meshes/Builders/sphereBuilder.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Node } from "@babylonjs/core/node.js";
import { Scene } from "@babylonjs/core/scene.js";
import type { Surroundings } from "../../shared/protocol.ts";
import { mulberry32 } from "../../shared/random.ts";
import { colour, glowing, matte, PALETTE } from "./palette.ts";
import { placeClinicRoom } from "./room.ts";
import { roundedBox } from "./shapes.ts";
import { batchStatic } from "./staticBatch.ts";

interface Nature {
  root: TransformNode;
  /** Clouds hang from this pivot at the origin; turning it drifts them across the sky. */
  clouds: TransformNode;
  water: Mesh;
  receivers: Mesh[];
}

/** Colours a mesh's vertices along a gradient of normalised height (-1 bottom .. 1 top). */
function paintByHeight(mesh: Mesh, stops: readonly [number, string][]): void {
  const positions = mesh.getVerticesData(VertexBuffer.PositionKind) ?? [];
  const radius = mesh.getBoundingInfo().boundingBox.extendSize.y || 1;
  const cols = stops.map(([at, hex]) => [at, Color3.FromHexString(hex)] as const);
  const colors: number[] = [];
  for (let i = 0; i < positions.length; i += 3) {
    const h = Math.max(-1, Math.min(1, positions[i + 1]! / radius));
    let k = 1;
    while (k < cols.length - 1 && cols[k]![0] < h) k++;
    const [a, ca] = cols[k - 1]!;
    const [b, cb] = cols[k]!;
    const c = Color3.Lerp(ca, cb, Math.max(0, Math.min(1, (h - a) / (b - a || 1))));
    colors.push(c.r, c.g, c.b, 1);
  }
  mesh.setVerticesData(VertexBuffer.ColorKind, colors);
}

function speckleTexture(
  scene: Scene,
  name: string,
  base: string,
  specks: string[],
  seed: number,
): DynamicTexture {
  const tex = new DynamicTexture(name, { width: 256, height: 256 }, scene, true);
  const ctx = tex.getContext() as unknown as CanvasRenderingContext2D;
  ctx.fillStyle = base;
  ctx.fillRect(0, 0, 256, 256);
  const rand = mulberry32(seed);
  for (let i = 0; i < 2600; i++) {
    ctx.fillStyle = specks[i % specks.length]!;
    ctx.globalAlpha = 0.25 + rand() * 0.35;
    ctx.fillRect(rand() * 256, rand() * 256, 2 + rand() * 3, 2 + rand() * 5);
  }
  ctx.globalAlpha = 1;
  tex.update();
  tex.wrapU = Texture.WRAP_ADDRESSMODE;
  tex.wrapV = Texture.WRAP_ADDRESSMODE;
  return tex;
}

function buildNature(scene: Scene): Nature {
  const root = new TransformNode("nature", scene);
  const rand = mulberry32(2024);

  // Sky dome: vertex colours by height, deep blue overhead to a warm, hazy horizon.
  const sky = CreateSphere("sky", { diameter: 180, segments: 32, sideOrientation: Mesh.BACKSIDE }, scene);
  paintByHeight(sky, [
    [-1, "#cfe0c8"],
    [-0.02, "#e9efe6"],
    [0.02, "#f3ead9"],
    [0.12, "#dbe9f2"],
    [0.35, "#a6cdee"],
    [1, "#5a9bd8"],
  ]);
  const skyMat = glowing(scene, "sky", "#ffffff");
  sky.material = skyMat;
  sky.parent = root;
  sky.isPickable = false;

  const grassTex = speckleTexture(scene, "grass", "#8fbf6e", ["#7aae5c", "#a3cc7f", "#6f9e55", "#b5d48e"], 5);
  grassTex.uScale = 60;
  grassTex.vScale = 60;
  const ground = CreateDisc("meadow", { radius: 85, tessellation: 64 }, scene);
  ground.rotation.x = Math.PI / 2;
  ground.position.y = -0.01;
  const groundMat = matte(scene, "meadow", "#ffffff", { specular: 0.02 });
  groundMat.diffuseTexture = grassTex;
  ground.material = groundMat;
  ground.parent = root;

  // A round wooden deck under the dental unit.
  const deck = CreateCylinder("deck", { diameter: 5.2, height: 0.06, tessellation: 48 }, scene);
  deck.position.y = -0.028;
  const deckTex = speckleTexture(scene, "deck-wood", "#cdb08c", ["#b99a74", "#d9bf9c"], 9);
  deckTex.uScale = 4;
  deckTex.vScale = 1;
  const deckMat = matte(scene, "deck", "#ffffff", { specular: 0.05 });
  deckMat.diffuseTexture = deckTex;
  deck.material = deckMat;
  deck.parent = root;

  // The lake ahead of the patient.
  const water = CreateDisc("lake", { radius: 9, tessellation: 64 }, scene);
  water.rotation.x = Math.PI / 2;
  water.scaling.y = 0.55;
  water.position.set(1, 0.01, 17);
  const waterMat = matte(scene, "lake", "#2b5f86", { specular: 0.12 });
  waterMat.specularPower = 24;
  waterMat.emissiveColor = new Color3(0.04, 0.08, 0.12);
  water.material = waterMat;
  water.parent = root;

  // Hills in layers, greener near, bluer far (fog adds the haze).
  const hillColours = ["#7fb27a", "#8dbb86", "#9cc49a", "#a9c9b6"];
  for (let i = 0; i < 14; i++) {
    const a = (i / 14) * Math.PI * 2 + rand() * 0.3;
    const r = 40 + rand() * 25;
    const hill = CreateSphere("hill", { diameter: 1, segments: 16 }, scene);
    hill.scaling.set(28 + rand() * 22, 7 + rand() * 9, 22 + rand() * 16);
    hill.position.set(Math.sin(a) * r, -2, Math.cos(a) * r);
    hill.material = matte(scene, `hill-${i}`, hillColours[i % hillColours.length]!, { specular: 0 });
    hill.parent = root;
    hill.isPickable = false;
  }

  // Trees: trunks with soft round crowns, kept out of the view to the lake.
  const trunkMat = matte(scene, "trunk", "#8b6a4e");
  const leafMats = ["#5f9e5a", "#6dab63", "#4f8f55", "#7ab86a"].map((c, i) =>
    matte(scene, `crown-${i}`, c, { specular: 0.02 }),
  );
  const trunk = CreateCylinder(
    "tree-trunk",
    { diameterTop: 0.22, diameterBottom: 0.34, height: 2.4, tessellation: 10 },
    scene,
  );
  trunk.material = trunkMat;
  trunk.parent = root;
  trunk.setEnabled(false);
  const crowns = leafMats.map((m, i) => {
    const c = CreateSphere(`tree-crown-${i}`, { diameter: 2.4, segments: 10 }, scene);
    c.material = m;
    c.parent = root;
    c.setEnabled(false);
    return c;
  });
  let placed = 0;
  while (placed < 48) {
    const a = rand() * Math.PI * 2;
    const r = 9 + rand() * 30;
    const x = Math.sin(a) * r;
    const z = Math.cos(a) * r;
    // Keep the view across the lake open; trees frame it from the sides and beyond.
    if (z > 4 && z < 27 && Math.abs(x) < 11) continue;
    const s = 0.75 + rand() * 0.7;
    const t = trunk.createInstance(`trunk-${placed}`);
    t.parent = root;
    t.position.set(x, 1.2 * s, z);
    t.scaling.setAll(s);
    for (let k = 0; k < 3; k++) {
      const c = crowns[(placed + k) % crowns.length]!.createInstance(`crown-${placed}-${k}`);
      c.parent = root;
      c.position.set(
        x + (rand() - 0.5) * 1.2 * s,
        (2.6 + k * 0.7 + rand() * 0.4) * s,
        z + (rand() - 0.5) * 1.2 * s,
      );
      c.scaling.setAll(s * (1.1 - k * 0.2));
    }
    placed++;
  }

  // Clouds drift very slowly.
  const cloudMat = glowing(scene, "cloud", "#ffffff", 0.92);
  const clouds = new TransformNode("clouds", scene);
  clouds.parent = root;
  for (let i = 0; i < 7; i++) {
    const cloud = new TransformNode(`cloud-${i}`, scene);
    cloud.parent = clouds;
    cloud.rotation.y = rand() * Math.PI;
    const a = rand() * Math.PI * 2;
    cloud.position.set(Math.sin(a) * 55, 24 + rand() * 10, Math.cos(a) * 55);
    for (let k = 0; k < 4; k++) {
      const puff = roundedBox(
        `cloud-puff-${i}-${k}`,
        scene,
        7 + rand() * 5,
        2.4 + rand() * 1.5,
        4 + rand() * 3,
        1,
        10,
      );
      puff.position.set(k * 3.2 - 5, rand() * 0.8, rand() * 2);
      puff.material = cloudMat;
      puff.parent = cloud;
      puff.isPickable = false;
    }
  }

  const sun = CreateSphere("sun", { diameter: 7, segments: 16 }, scene);
  sun.position.set(-40, 30, 70);
  sun.material = glowing(scene, "sun", "#fff3d6");
  sun.parent = root;

  for (const m of root.getChildMeshes()) m.isPickable = false;
  return { root, clouds, water, receivers: [ground, deck] };
}

/** Lights, fog, background and the two surroundings. */
export class SurroundingsController {
  readonly shadows: ShadowGenerator;
  private readonly hemi: HemisphericLight;
  private readonly sun: DirectionalLight;
  /** Holds the clinic room, a GLB or the built-in one, once `placeClinic` has put it there. */
  readonly clinicRoot: TransformNode;
  private readonly nature: Nature;
  private currentKind: Surroundings = "clinic";

  constructor(private readonly scene: Scene) {
    this.hemi = new HemisphericLight("sky-light", new Vector3(0.1, 1, -0.2), scene);
    this.sun = new DirectionalLight("window-light", new Vector3(-0.35, -0.85, -0.4), scene);
    this.shadows = new ShadowGenerator(1024, this.sun);
    this.shadows.usePercentageCloserFiltering = true;
    this.shadows.filteringQuality = ShadowGenerator.QUALITY_MEDIUM;
    this.shadows.darkness = 0.35;
    this.shadows.bias = 0.0015;
    this.sun.shadowMinZ = 0.5;
    this.sun.shadowMaxZ = 14;
    this.sun.autoCalcShadowZBounds = false;

    this.clinicRoot = new TransformNode("clinic", scene);
    this.nature = buildNature(scene);
    for (const m of this.nature.receivers) m.receiveShadows = true;
    // Nothing here moves but the clouds' pivot and the lake's shimmer: bake the rest.
    batchStatic(this.nature.clouds, "clouds", { freeze: false });
    batchStatic(this.nature.root, "nature", { exclude: [this.nature.clouds, this.nature.water] });
    this.apply("clinic");
  }

  /** Puts the clinic room's nodes (from its GLB, or the built-in builder) in place. */
  placeClinic(nodes: readonly Node[]): void {
    placeClinicRoom(this.clinicRoot, nodes, this.shadows);
  }

  get kind(): Surroundings {
    return this.currentKind;
  }

  set(kind: Surroundings): void {
    if (kind !== this.currentKind) this.apply(kind);
  }

  private apply(kind: Surroundings): void {
    this.currentKind = kind;
    const scene = this.scene;
    const natureOn = kind === "nature";
    this.clinicRoot.setEnabled(!natureOn);
    this.nature.root.setEnabled(natureOn);
    if (natureOn) {
      this.hemi.intensity = 0.66;
      this.hemi.diffuse = colour("#fff6e6");
      this.hemi.groundColor = colour("#7f9b6c");
      this.sun.intensity = 0.72;
      this.sun.diffuse = colour("#ffe9c7");
      this.setSun(new Vector3(0.45, -0.7, -0.55));
      scene.fogMode = Scene.FOGMODE_EXP2;
      scene.fogDensity = 0.012;
      scene.fogColor = colour("#e3eef0");
      scene.clearColor = Color4.FromHexString("#cfe3efff");
    } else {
      this.hemi.intensity = 0.85;
      this.hemi.diffuse = colour("#ffffff");
      this.hemi.groundColor = colour("#c9d1d6");
      this.sun.intensity = 0.6;
      this.sun.diffuse = colour("#fff8ec");
      this.setSun(new Vector3(-0.2, -0.85, -0.5));
      scene.fogMode = Scene.FOGMODE_NONE;
      scene.clearColor = Color4.FromHexString(`${PALETTE.clear}ff`);
    }
  }

  /** Points the sun (or window light) and puts its shadow camera up-light of the chair. */
  private setSun(direction: Vector3): void {
    this.sun.direction = direction.normalize();
    this.sun.position = direction.scale(-7);
  }

  /** Gentle motion in the nature scene; call once per frame. */
  update(nowMs: number): void {
    if (this.currentKind !== "nature") return;
    const t = nowMs / 1000;
    this.nature.clouds.rotation.y = t * 0.004;
    const mat = this.nature.water.material as { emissiveColor?: Color3 } | null;
    mat?.emissiveColor?.set(
      0.12 + 0.02 * Math.sin(t * 0.5),
      0.2 + 0.02 * Math.sin(t * 0.5),
      0.26 + 0.03 * Math.sin(t * 0.4),
    );
  }

  dispose(): void {
    this.shadows.dispose();
    this.sun.dispose();
    this.hemi.dispose();
    this.clinicRoot.dispose(false, true);
    this.nature.root.dispose(false, true);
  }
}
