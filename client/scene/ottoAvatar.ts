/**
 * Otto, the server-owned AI dental assistant: a small friendly robot hovering beside the chair.
 * Idle: gentle bob and blinks. Talking: mouth and eyes pulse. Listening: head tilts, eyes turn
 * blue. Concerned: softer warm colour, slower. It turns smoothly toward whoever it addresses.
 */

import type { GlowLayer } from "@babylonjs/core/Layers/glowLayer.js";
import type { ShadowGenerator } from "@babylonjs/core/Lights/Shadows/shadowGenerator.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateDisc } from "@babylonjs/core/Meshes/Builders/discBuilder.js";
import { CreateSphere } from "@babylonjs/core/Meshes/Builders/sphereBuilder.js";
import { CreateTorus } from "@babylonjs/core/Meshes/Builders/torusBuilder.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Node } from "@babylonjs/core/node.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { OttoState } from "../../shared/otto.ts";
import { OTTO_BASE, OTTO_HOVER_HEIGHT, PATIENT_HEAD, toV3 } from "./layout.ts";
import { contractNodes, meshesUnder, rigFrom } from "./modelsLoader.ts";
import { colour, glowing, matte } from "./palette.ts";
import { rod, roundedBox } from "./shapes.ts";
import { SkinnedFigure } from "./skinnedFigure.ts";
import { SpeechBubble } from "./speechBubble.ts";
import { createCrown } from "./toothShapes.ts";

interface Look {
  eyes: string;
  bobPeriodS: number;
  bobAmp: number;
  tilt: number;
  pitch: number;
  eyeSquash: number;
}

const LOOKS: Record<OttoState, Look> = {
  idle: { eyes: "#5ee0d0", bobPeriodS: 3.2, bobAmp: 0.02, tilt: 0, pitch: 0, eyeSquash: 1 },
  talking: { eyes: "#7ff5e6", bobPeriodS: 2.8, bobAmp: 0.018, tilt: 0, pitch: 0, eyeSquash: 1 },
  listening: { eyes: "#8cc4ff", bobPeriodS: 3.6, bobAmp: 0.012, tilt: 0.26, pitch: -0.05, eyeSquash: 1.1 },
  concerned: { eyes: "#ffc8a0", bobPeriodS: 5.2, bobAmp: 0.012, tilt: -0.08, pitch: 0.12, eyeSquash: 0.72 },
};

/** Shortest signed angle from a to b (radians). */
export function angleDelta(a: number, b: number): number {
  let d = (b - a) % (Math.PI * 2);
  if (d > Math.PI) d -= Math.PI * 2;
  if (d < -Math.PI) d += Math.PI * 2;
  return d;
}

/** Otto's parts by contract name, after `rigFrom` (models.ts): what `update` moves each frame. */
interface OttoParts {
  float: TransformNode;
  head: TransformNode;
  eyes: TransformNode[];
  mouth: TransformNode;
  arms: TransformNode[];
  shadowDisc: TransformNode | null;
  eyeMat: StandardMaterial;
  /** The float's height at rest in the file: Otto bobs about it. */
  floatRestY: number;
}

/**
 * The built-in Otto in model space (metres, +y up, facing +z, origin on the floor under it): also
 * the source of `assets/models/otto.glb`.
 */
export function buildOttoFigure(scene: Scene): TransformNode {
  const root = new TransformNode("otto-model", scene);
  const white = matte(scene, "otto-white", "#f6f8fa", { specular: 0.45 });
  const teal = matte(scene, "otto-teal", "#45b3b0", { specular: 0.3 });
  const screen = matte(scene, "otto-screen", "#17283a", { specular: 0.8 });
  const eyeMat = glowing(scene, "otto-eyes", LOOKS.idle.eyes);

  const shadowDisc = CreateDisc("otto-shadow", { radius: 0.17, tessellation: 32 }, scene);
  shadowDisc.rotation.x = Math.PI / 2;
  shadowDisc.position.y = 0.004;
  shadowDisc.material = matte(scene, "otto-shadow", "#40505c", { alpha: 0.18 });
  shadowDisc.parent = root;

  const float = new TransformNode("otto-float", scene);
  float.parent = root;
  float.position.y = OTTO_HOVER_HEIGHT;

  const body = roundedBox("otto-body", scene, 0.3, 0.34, 0.27, 0.85, 18);
  body.material = white;
  body.parent = float;
  const band = CreateTorus("otto-band", { diameter: 0.285, thickness: 0.025, tessellation: 40 }, scene);
  band.position.y = -0.03;
  band.scaling.z = 0.9;
  band.material = teal;
  band.parent = float;
  const thruster = CreateSphere("otto-thruster", { diameter: 0.1, segments: 12 }, scene);
  thruster.position.y = -0.17;
  thruster.scaling.y = 0.4;
  thruster.material = glowing(scene, "otto-thruster", "#9ff3ea", 0.8);
  thruster.parent = float;

  // Chest badge with a tooth emblem.
  const badge = CreateDisc("otto-badge", { radius: 0.05, tessellation: 32 }, scene);
  badge.position.set(0, 0.03, 0.134);
  badge.rotation.y = Math.PI;
  badge.material = teal;
  badge.parent = float;
  const tooth = createCrown("otto-tooth", scene, "molar", { width: 10, depth: 9, height: 9 });
  tooth.scaling.setAll(0.0062);
  tooth.position.set(0, 0.035, 0.14);
  tooth.rotation.x = -Math.PI / 2;
  tooth.material = matte(scene, "otto-tooth", "#ffffff", { specular: 0.6, emissive: "#3a4a4a" });
  tooth.parent = float;

  for (const [side, name] of [
    [-1, "otto-arm-left"],
    [1, "otto-arm-right"],
  ] as const) {
    const arm = roundedBox(name, scene, 0.045, 0.14, 0.05, 0.8, 10);
    arm.position.set(side * 0.168, -0.01, 0.01);
    arm.rotation.z = side * 0.18;
    arm.material = white;
    arm.parent = float;
  }

  const neck = rod("otto-neck", scene, new Vector3(0, 0.15, 0), new Vector3(0, 0.2, 0), 0.05);
  neck.material = teal;
  neck.parent = float;
  const head = new TransformNode("otto-head", scene);
  head.parent = float;
  head.position.y = 0.3;
  const shell = roundedBox("otto-head-shell", scene, 0.34, 0.24, 0.26, 0.5, 18);
  shell.material = white;
  shell.parent = head;
  const face = roundedBox("otto-face", scene, 0.27, 0.165, 0.03, 0.4, 12);
  face.position.z = 0.119;
  face.material = screen;
  face.parent = head;
  for (const [side, name] of [
    [-1, "otto-eye-left"],
    [1, "otto-eye-right"],
  ] as const) {
    const eye = roundedBox(name, scene, 0.045, 0.062, 0.012, 0.6, 10);
    eye.position.set(side * 0.058, 0.018, 0.136);
    eye.material = eyeMat;
    eye.parent = head;
  }
  const mouth = roundedBox("otto-mouth", scene, 0.07, 0.014, 0.01, 0.5, 8);
  mouth.position.set(0, -0.042, 0.136);
  mouth.material = eyeMat;
  mouth.parent = head;
  for (const side of [-1, 1]) {
    const ear = CreateDisc("otto-ear", { radius: 0.04, tessellation: 24 }, scene);
    ear.position.x = side * 0.172;
    ear.rotation.y = side * (Math.PI / 2) + Math.PI;
    ear.material = teal;
    ear.parent = head;
  }
  const antenna = rod("otto-antenna", scene, new Vector3(0, 0.11, 0), new Vector3(0, 0.18, 0), 0.012);
  antenna.material = teal;
  antenna.parent = head;
  const tip = CreateSphere("otto-antenna-tip", { diameter: 0.035, segments: 10 }, scene);
  tip.position.y = 0.19;
  tip.material = eyeMat;
  tip.parent = head;
  return root;
}

/** A part's plain colour, for its vertices (white when its material has none to give). */
function partColour(m: Mesh): Color3 {
  return m.material instanceof StandardMaterial ? m.material.diffuseColor.clone() : Color3.White();
}

const THRUSTER_TINT = new Color3(0.85, 0.85, 0.85);

/** Parts that light up (the glow layer draws only these). */
const GLOWING = ["otto-eye-left", "otto-eye-right", "otto-mouth", "otto-thruster", "otto-antenna-tip"];

export class OttoAvatar {
  private readonly root: TransformNode;
  private parts: OttoParts | null = null;
  private figure: SkinnedFigure | null = null;
  private readonly bubble: SpeechBubble;
  private readonly eyeColour = colour(LOOKS.idle.eyes);
  private current: OttoState = "idle";
  private yawNow: number;
  private tiltNow = 0;
  private pitchNow = 0;
  private lastNow: number | null = null;
  private nextBlink = 2_500;
  private phase = 0;

  constructor(
    private readonly scene: Scene,
    private readonly glow: GlowLayer,
    private readonly shadows: ShadowGenerator | null,
  ) {
    const base = toV3(OTTO_BASE);
    this.root = new TransformNode("otto", scene);
    this.root.position.copyFrom(base);
    const toPatient = toV3(PATIENT_HEAD).subtract(base);
    this.yawNow = Math.atan2(toPatient.x, toPatient.z);
    this.root.rotation.y = this.yawNow;
    this.bubble = new SpeechBubble(scene, "otto-bubble", "Otto");
  }

  /** Otto's holder node (its figure arrives with `useFigure`). */
  get holder(): TransformNode {
    return this.root;
  }

  /** Gives Otto its body: the GLB's nodes or the built-in figure, in model space. */
  useFigure(nodes: readonly Node[]): void {
    const rig = rigFrom(nodes, contractNodes("otto"), this.root);
    const pivot = (name: string) => rig.pivots.get(name) ?? null;
    const float = pivot("otto-float")!;
    const head = pivot("otto-head")!;
    const eyes = [pivot("otto-eye-left")!, pivot("otto-eye-right")!];
    const mouth = pivot("otto-mouth")!;
    const arms = [pivot("otto-arm-left"), pivot("otto-arm-right")].filter((a) => a !== null);
    const lit = GLOWING.map(pivot).filter((p) => p !== null);
    const eyeMesh = meshesUnder(rig, "otto-eye-left")[0];
    const eyeMat =
      eyeMesh?.material instanceof StandardMaterial
        ? eyeMesh.material
        : glowing(this.scene, "otto-eyes", LOOKS.idle.eyes);
    const shadowDisc = pivot("otto-shadow");
    // Every part moves with its pivot through one skeleton: the lit parts share the eyes' material
    // (its emissive colour is Otto's mood), the rest one vertex-coloured material. Two meshes and
    // the floor shadow instead of a dozen, so a headset draws Otto in a handful of calls.
    const parts = this.root
      .getChildMeshes(false)
      .filter((m): m is Mesh => m instanceof Mesh && !(shadowDisc && m.isDescendantOf(shadowDisc)));
    const thruster = pivot("otto-thruster");
    const isLit = (m: Mesh) => lit.some((p) => m.isDescendantOf(p));
    const figureMaterials = new Set(parts.map((m) => m.material));
    figureMaterials.delete(eyeMat);
    const bodyMat = matte(this.scene, "otto-figure", "#ffffff", { specular: 0.3 });
    bodyMat.diffuseColor = Color3.White();
    this.figure = new SkinnedFigure(
      this.root,
      [...rig.pivots.values()].filter((p) => p !== shadowDisc),
      [
        { name: "otto-figure", parts: parts.filter((m) => !isLit(m)), material: bodyMat, tint: partColour },
        {
          name: "otto-lights",
          parts: parts.filter(isLit),
          material: eyeMat,
          // The thruster glows a little softer than the eyes, in their colour.
          tint: (m) => (thruster && m.isDescendantOf(thruster) ? THRUSTER_TINT : Color3.White()),
        },
      ],
    );
    for (const m of figureMaterials) if (m && m.getBindedMeshes().length === 0) m.dispose();
    for (const m of this.figure.meshes) {
      this.shadows?.addShadowCaster(m, false);
      // Otto's parts move a few centimetres about their rest: a slightly larger culling box.
      m.getBoundingInfo().scale(1.3);
    }
    const lights = this.figure.meshes.find((m) => m.name === "otto-lights");
    if (lights) this.glow.addIncludedOnlyMesh(lights);
    if (shadowDisc) for (const m of shadowDisc.getChildMeshes(false)) m.isPickable = false;
    this.parts = { float, head, eyes, mouth, arms, shadowDisc, eyeMat, floatRestY: float.position.y };
  }

  get state(): OttoState {
    return this.current;
  }

  /** Current facing, radians about +y (0 = +z). */
  get yaw(): number {
    return this.yawNow;
  }

  get bubbleText(): string | null {
    return this.bubble.visibleText;
  }

  /** Where Otto's bubble is on the page (CSS pixels), for tests that tap it; null when hidden. */
  get bubbleAt(): { x: number; y: number } | null {
    return this.bubble.screenPoint();
  }

  /** The bubble's box on the page (CSS pixels); null when hidden. */
  get bubbleRect(): { left: number; top: number; right: number; bottom: number } | null {
    return this.bubble.screenRect();
  }

  /** Keeps Otto's bubble below the top `share` of the view (a notice on the flat screen). */
  setBubbleTopInset(share: number): void {
    this.bubble.setTopInset(share);
  }

  setState(state: OttoState): void {
    this.current = state;
  }

  say(text: string, nowMs: number): void {
    this.bubble.show(text, nowMs);
  }

  /** Animates one frame; `target` is the point Otto should face (null: the patient). */
  update(nowMs: number, target: Vector3 | null): void {
    const dt = this.lastNow === null ? 0 : Math.min(0.25, (nowMs - this.lastNow) / 1000);
    this.lastNow = nowMs;
    const look = LOOKS[this.current];
    const ease = (rate: number) => 1 - Math.exp(-dt * rate);
    const here = this.root.position;
    const parts = this.parts;
    if (!parts) {
      this.bubble.update(nowMs, new Vector3(here.x, here.y + OTTO_HOVER_HEIGHT + 0.8, here.z));
      return;
    }

    // Bob: advance a phase so a change of period never jumps.
    this.phase += (dt / look.bobPeriodS) * Math.PI * 2;
    const bob = Math.sin(this.phase) * look.bobAmp;
    parts.float.position.y = parts.floatRestY + bob;
    parts.shadowDisc?.scaling.setAll(1 - bob * 3);
    parts.arms.forEach((arm, i) => {
      arm.rotation.x = Math.sin(this.phase + i) * 0.12;
    });

    // Turn toward the addressee, smoothly and the short way round.
    const aim = target ?? toV3(PATIENT_HEAD);
    const dx = aim.x - here.x;
    const dz = aim.z - here.z;
    const targetYaw = Math.atan2(dx, dz);
    this.yawNow += angleDelta(this.yawNow, targetYaw) * ease(this.current === "concerned" ? 1.6 : 2.6);
    this.root.rotation.y = this.yawNow;
    const headY = here.y + parts.float.position.y + parts.head.position.y;
    const pitchToTarget = Math.max(-0.35, Math.min(0.35, -Math.atan2(aim.y - headY, Math.hypot(dx, dz))));
    this.pitchNow += (pitchToTarget + look.pitch - this.pitchNow) * ease(3);
    this.tiltNow += (look.tilt - this.tiltNow) * ease(3);
    parts.head.rotation.set(this.pitchNow, 0, this.tiltNow);

    // Eyes: colour eases to the state's, blink now and then, pulse while talking.
    this.eyeColour.copyFrom(Color3.Lerp(this.eyeColour, colour(look.eyes), ease(4)));
    const t = nowMs / 1000;
    const talking = this.current === "talking";
    const pulse = talking ? 0.85 + 0.15 * Math.sin(t * 9) : 1;
    parts.eyeMat.emissiveColor.copyFrom(this.eyeColour.scale(pulse));
    if (nowMs > this.nextBlink + 140) this.nextBlink = nowMs + 2_800 + ((nowMs * 7.31) % 2_400);
    const blinking = nowMs >= this.nextBlink && nowMs <= this.nextBlink + 140;
    for (const eye of parts.eyes) eye.scaling.y = (blinking ? 0.12 : 1) * look.eyeSquash;
    parts.eyes.forEach((eye, i) => {
      eye.rotation.z = this.current === "concerned" ? (i === 0 ? -0.25 : 0.25) : 0;
    });
    parts.mouth.scaling.x = talking ? 0.7 + 0.5 * Math.abs(Math.sin(t * 11) * Math.sin(t * 4.3)) : 1;
    parts.mouth.scaling.y = talking ? 1 + 1.6 * Math.abs(Math.sin(t * 13)) : 1;

    this.bubble.update(nowMs, new Vector3(here.x, here.y + OTTO_HOVER_HEIGHT + 0.8, here.z));
  }

  dispose(): void {
    this.bubble.dispose();
    this.figure?.dispose();
    this.root.dispose(false, true);
  }
}
