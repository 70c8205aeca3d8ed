/**
 * The clinic room: floor, walls with a window, ceiling lights, cabinets, a plant. The built-in
 * builder is also the source of the default `assets/models/clinic-room.glb` (scripts/buildModels.ts);
 * `placeClinicRoom` puts either into the scene the same way (models.ts has the contract).
 */
import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import type { ShadowGenerator } from "@babylonjs/core/Lights/Shadows/shadowGenerator.js";
import { DynamicTexture } from "@babylonjs/core/Materials/Textures/dynamicTexture.js";
import { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import { CreateBox } from "@babylonjs/core/Meshes/Builders/boxBuilder.js";
import { CreateCylinder } from "@babylonjs/core/Meshes/Builders/cylinderBuilder.js";
import { CreatePlane } from "@babylonjs/core/Meshes/Builders/planeBuilder.js";
import { CreateSphere } from "@babylonjs/core/Meshes/Builders/sphereBuilder.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Node } from "@babylonjs/core/node.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { mulberry32 } from "../../shared/random.ts";
import { ROOM } from "./layout.ts";
import { nameStartsWith, ROOM_SHADOW_CASTERS, ROOM_SHADOW_RECEIVERS } from "./models.ts";
import { contractNodes, rigFrom } from "./modelsLoader.ts";
import { glowing, glowingTexture, matte, PALETTE } from "./palette.ts";
import { roundedBox } from "./shapes.ts";
import { batchStatic } from "./staticBatch.ts";

function tileTexture(scene: Scene): DynamicTexture {
  const tex = new DynamicTexture("floor-tiles", { width: 256, height: 256 }, scene, true);
  const ctx = tex.getContext() as unknown as CanvasRenderingContext2D;
  ctx.fillStyle = PALETTE.floor;
  ctx.fillRect(0, 0, 256, 256);
  const rand = mulberry32(7);
  for (let i = 0; i < 900; i++) {
    ctx.fillStyle = `rgba(120,130,140,${0.03 + rand() * 0.04})`;
    ctx.fillRect(rand() * 256, rand() * 256, 2, 2);
  }
  ctx.strokeStyle = PALETTE.floorLine;
  ctx.lineWidth = 3;
  ctx.strokeRect(0, 0, 256, 256);
  tex.update();
  tex.wrapU = Texture.WRAP_ADDRESSMODE;
  tex.wrapV = Texture.WRAP_ADDRESSMODE;
  return tex;
}

/** A calm painted view for the window: sky, far hills, a lake line, a few trees. */
function windowView(scene: Scene, name: string, seed: number): DynamicTexture {
  const w = 512;
  const h = 320;
  const tex = new DynamicTexture(name, { width: w, height: h }, scene, true);
  const ctx = tex.getContext() as unknown as CanvasRenderingContext2D;
  const sky = ctx.createLinearGradient(0, 0, 0, h * 0.62);
  sky.addColorStop(0, "#8fc1ea");
  sky.addColorStop(1, "#e6f1f6");
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, w, h);
  const rand = mulberry32(seed);
  ctx.fillStyle = "rgba(255,255,255,0.8)";
  for (let i = 0; i < 5; i++) {
    const cx = rand() * w;
    const cy = 30 + rand() * 70;
    for (let k = 0; k < 4; k++) {
      ctx.beginPath();
      ctx.ellipse(cx + k * 18, cy + (k % 2) * 6, 26, 12, 0, 0, Math.PI * 2);
      ctx.fill();
    }
  }
  const hill = (base: number, amp: number, colour: string, phase: number) => {
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.moveTo(0, h);
    for (let x = 0; x <= w; x += 8)
      ctx.lineTo(x, base - amp * Math.sin(x / 90 + phase) - amp * 0.5 * Math.sin(x / 37));
    ctx.lineTo(w, h);
    ctx.fill();
  };
  hill(h * 0.55, 18, "#a9c7b5", seed);
  hill(h * 0.66, 14, "#86b08a", seed + 1);
  ctx.fillStyle = "#9cc8dc";
  ctx.fillRect(0, h * 0.74, w, h * 0.06);
  hill(h * 0.86, 8, "#7aa86c", seed + 2);
  for (let i = 0; i < 9; i++) {
    const x = rand() * w;
    const y = h * 0.84 + rand() * 10;
    ctx.fillStyle = "#5b8a55";
    ctx.beginPath();
    ctx.ellipse(x, y - 22, 12, 22, 0, 0, Math.PI * 2);
    ctx.fill();
  }
  tex.update();
  return tex;
}

/** A soft abstract painting for the side wall. */
function paintingTexture(scene: Scene): DynamicTexture {
  const tex = new DynamicTexture("painting", { width: 384, height: 256 }, scene, true);
  const ctx = tex.getContext() as unknown as CanvasRenderingContext2D;
  const g = ctx.createLinearGradient(0, 0, 0, 256);
  g.addColorStop(0, "#f6e7d2");
  g.addColorStop(1, "#d8ecef");
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, 384, 256);
  const colours = ["#9fd3cf", "#b8d8b0", "#f2c9a0", "#a8c6e6"];
  colours.forEach((c, i) => {
    ctx.fillStyle = c;
    ctx.globalAlpha = 0.75;
    ctx.beginPath();
    ctx.ellipse(80 + i * 75, 150 - (i % 2) * 40, 70, 46, 0.3 * i, 0, Math.PI * 2);
    ctx.fill();
  });
  ctx.globalAlpha = 1;
  tex.update();
  return tex;
}

/** Repeats a texture across a mesh in its UVs (glTF keeps UVs; a texture's own scale it drops). */
function tileUVs(mesh: Mesh, u: number, v: number): void {
  const uvs = mesh.getVerticesData(VertexBuffer.UVKind);
  if (!uvs) return;
  for (let i = 0; i < uvs.length; i += 2) {
    uvs[i] = uvs[i]! * u;
    uvs[i + 1] = uvs[i + 1]! * v;
  }
  mesh.setVerticesData(VertexBuffer.UVKind, uvs);
}

/** The built-in clinic room in model space (metres, +y up, origin at the chair's base). */
export function buildClinicRoomFigure(scene: Scene): TransformNode {
  const root = new TransformNode("clinic-room", scene);
  const { halfX, halfZ, height } = ROOM;

  const floorMat = matte(scene, "clinic-floor", "#ffffff", { specular: 0.12 });
  floorMat.diffuseTexture = tileTexture(scene);
  const floor = CreatePlane("clinic-floor", { width: halfX * 2, height: halfZ * 2 }, scene);
  tileUVs(floor, halfX * 2 * 1.6, halfZ * 2 * 1.6);
  floor.rotation.x = Math.PI / 2;
  floor.material = floorMat;
  floor.parent = root;

  // A little self-light keeps the walls clean and bright, as in a real clinic.
  const wallMat = matte(scene, "clinic-wall", PALETTE.wall, { emissive: "#2a2c2d" });
  const accentMat = matte(scene, "clinic-accent", PALETTE.accentWall, { emissive: "#222928" });
  const wall = (name: string, w: number, x: number, z: number, yaw: number, accent = false) => {
    const m = CreatePlane(name, { width: w, height }, scene);
    m.position.set(x, height / 2, z);
    m.rotation.y = yaw;
    m.material = accent ? accentMat : wallMat;
    m.parent = root;
    m.isPickable = false;
    return m;
  };
  wall("wall-front", halfX * 2, 0, halfZ, 0);
  wall("wall-back", halfX * 2, 0, -halfZ, Math.PI);
  wall("wall-left", halfZ * 2, -halfX, 0, -Math.PI / 2, true);
  wall("wall-right", halfZ * 2, halfX, 0, Math.PI / 2);
  const ceiling = CreatePlane("ceiling", { width: halfX * 2, height: halfZ * 2 }, scene);
  ceiling.rotation.x = -Math.PI / 2;
  ceiling.position.y = height;
  ceiling.material = matte(scene, "ceiling", PALETTE.ceiling, { emissive: "#3a3a3a" });
  ceiling.parent = root;

  const baseMat = matte(scene, "baseboard", "#c9d3d8");
  for (const [name, w, x, z, yaw] of [
    ["base-front", halfX * 2, 0, halfZ - 0.01, 0],
    ["base-back", halfX * 2, 0, -halfZ + 0.01, 0],
    ["base-left", halfZ * 2, -halfX + 0.01, 0, Math.PI / 2],
    ["base-right", halfZ * 2, halfX - 0.01, 0, Math.PI / 2],
  ] as const) {
    const b = CreateBox(name, { width: w, height: 0.08, depth: 0.02 }, scene);
    b.position.set(x, 0.04, z);
    b.rotation.y = yaw;
    b.material = baseMat;
    b.parent = root;
  }

  // Ceiling light panels: soft, not above the patient's eyes.
  const panelMat = glowing(scene, "ceiling-light", "#fdfcf6");
  for (const [x, z] of [
    [-1.2, 1.2],
    [1.2, 1.2],
    [-1.2, -1.8],
    [1.2, -1.8],
  ] as const) {
    const p = CreatePlane("ceiling-panel", { width: 0.6, height: 0.6 }, scene);
    p.rotation.x = -Math.PI / 2;
    p.position.set(x, height - 0.005, z);
    p.material = panelMat;
    p.parent = root;
  }

  // Window in the front wall, facing the patient: a painted calm view behind a white frame.
  const view = CreatePlane("window-view", { width: 2.2, height: 1.3 }, scene);
  view.position.set(0.2, 1.55, halfZ - 0.02);
  view.material = glowingTexture(scene, "window-view", windowView(scene, "window-view-tex", 3));
  view.parent = root;
  const frameMat = matte(scene, "window-frame", "#fafbfb", { specular: 0.2 });
  const bar = (name: string, w: number, h: number, x: number, y: number) => {
    const b = CreateBox(name, { width: w, height: h, depth: 0.06 }, scene);
    b.position.set(x, y, halfZ - 0.04);
    b.material = frameMat;
    b.parent = root;
  };
  bar("frame-top", 2.3, 0.06, 0.2, 2.22);
  bar("frame-bottom", 2.3, 0.08, 0.2, 0.88);
  bar("frame-left", 0.06, 1.4, -0.92, 1.55);
  bar("frame-right", 0.06, 1.4, 1.32, 1.55);
  bar("frame-mid", 0.04, 1.3, 0.2, 1.55);

  // Painting on the accent wall.
  const painting = CreatePlane("painting", { width: 1.2, height: 0.8 }, scene);
  painting.position.set(-halfX + 0.02, 1.6, 0.6);
  painting.rotation.y = -Math.PI / 2;
  const paintMat = matte(scene, "painting", "#ffffff");
  paintMat.diffuseTexture = paintingTexture(scene);
  paintMat.emissiveColor.set(0.25, 0.25, 0.25);
  painting.material = paintMat;
  painting.parent = root;

  buildCabinets(scene, root);
  buildPlant(scene, root, -halfX + 0.45, halfZ - 0.45);
  return root;
}

/**
 * Puts a room (the file's nodes, or the built-in figure) under `holder`: floor and walls receive
 * shadows, furniture on the floor casts them (by name, models.ts), then the static parts are baked
 * into a few draw calls.
 */
export function placeClinicRoom(
  holder: TransformNode,
  nodes: readonly Node[],
  shadows: ShadowGenerator,
): void {
  const rig = rigFrom(nodes, contractNodes("room"), holder);
  for (const mesh of [...rig.meshes.values()].flat()) {
    mesh.receiveShadows = nameStartsWith(mesh.name, ROOM_SHADOW_RECEIVERS);
    if (nameStartsWith(mesh.name, ROOM_SHADOW_CASTERS)) shadows.addShadowCaster(mesh, false);
  }
  batchStatic(holder, "clinic", { shadows });
}

function buildCabinets(scene: Scene, root: TransformNode): void {
  const x = ROOM.halfX - 0.32;
  const bodyMat = matte(scene, "cabinet", PALETTE.cabinet, { specular: 0.15 });
  const doorMat = matte(scene, "cabinet-door", PALETTE.cabinetDoor, { specular: 0.15 });
  const counterMat = matte(scene, "counter", PALETTE.counter, { specular: 0.35 });
  const metalMat = matte(scene, "cabinet-metal", PALETTE.metal, { specular: 0.6 });
  const z0 = -2.6;
  const length = 2.6;
  const lower = CreateBox("cabinet-lower", { width: 0.6, height: 0.86, depth: length }, scene);
  lower.position.set(x, 0.43, z0 + length / 2);
  lower.material = bodyMat;
  lower.parent = root;
  const counter = CreateBox("counter", { width: 0.66, height: 0.04, depth: length + 0.04 }, scene);
  counter.position.set(x - 0.02, 0.88, z0 + length / 2);
  counter.material = counterMat;
  counter.parent = root;
  const doors = 4;
  for (let i = 0; i < doors; i++) {
    const dz = z0 + (length / doors) * (i + 0.5);
    const door = CreateBox(
      "cabinet-door",
      { width: 0.02, height: 0.74, depth: length / doors - 0.04 },
      scene,
    );
    door.position.set(x - 0.31, 0.45, dz);
    door.material = doorMat;
    door.parent = root;
    const handle = CreateBox("cabinet-handle", { width: 0.02, height: 0.02, depth: 0.16 }, scene);
    handle.position.set(x - 0.33, 0.74, dz);
    handle.material = metalMat;
    handle.parent = root;
    const upper = CreateBox(
      "cabinet-upper",
      { width: 0.34, height: 0.62, depth: length / doors - 0.03 },
      scene,
    );
    upper.position.set(ROOM.halfX - 0.17, 1.86, dz);
    upper.material = i % 2 === 0 ? bodyMat : doorMat;
    upper.parent = root;
  }
  const sink = CreateBox("sink", { width: 0.36, height: 0.02, depth: 0.46 }, scene);
  sink.position.set(x - 0.04, 0.905, z0 + 0.6);
  sink.material = metalMat;
  sink.parent = root;
  const tap = CreateCylinder("tap", { diameter: 0.025, height: 0.26 }, scene);
  tap.position.set(x + 0.18, 1.02, z0 + 0.6);
  tap.material = metalMat;
  tap.parent = root;
  const tapArm = CreateCylinder("tap-arm", { diameter: 0.02, height: 0.18 }, scene);
  tapArm.rotation.z = Math.PI / 2;
  tapArm.position.set(x + 0.1, 1.14, z0 + 0.6);
  tapArm.material = metalMat;
  tapArm.parent = root;
  // Glove and mask boxes on the counter.
  ["#9fc9ef", "#d7e9f6", "#b8e0d8"].forEach((c, i) => {
    const box = roundedBox(`supply-${i}`, scene, 0.22, 0.1, 0.12, 0.15, 8);
    box.position.set(x - 0.05, 0.95, z0 + 1.35 + i * 0.24);
    box.material = matte(scene, `supply-${i}`, c);
    box.parent = root;
  });
}

function buildPlant(scene: Scene, root: TransformNode, x: number, z: number): void {
  const pot = CreateCylinder("plant-pot", { diameterTop: 0.42, diameterBottom: 0.32, height: 0.45 }, scene);
  pot.position.set(x, 0.225, z);
  pot.material = matte(scene, "plant-pot", "#e9e4dc");
  pot.parent = root;
  const leafMats = ["#5f9b62", "#6fae6b", "#4f8a58"].map((c, i) => matte(scene, `leaf-${i}`, c));
  const rand = mulberry32(11);
  for (let i = 0; i < 9; i++) {
    const leaf = CreateSphere("plant-leaf", { diameter: 0.32, segments: 8 }, scene);
    leaf.scaling.set(0.9, 1.3, 0.9);
    const a = rand() * Math.PI * 2;
    const r = 0.05 + rand() * 0.16;
    leaf.position.set(x + Math.cos(a) * r, 0.62 + rand() * 0.55, z + Math.sin(a) * r);
    leaf.material = leafMats[i % leafMats.length]!;
    leaf.parent = root;
  }
}
