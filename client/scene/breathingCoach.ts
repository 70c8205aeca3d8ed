/**
 * Breathing coach at 6 breaths per minute: a softly glowing orb and ring that grow for a 5 s
 * inhale and shrink for a 5 s exhale, with "Breathe in" / "Breathe out" beneath.
 */
import type { GlowLayer } from "@babylonjs/core/Layers/glowLayer.js";
import type { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateSphere } from "@babylonjs/core/Meshes/Builders/sphereBuilder.js";
import { CreateTorus } from "@babylonjs/core/Meshes/Builders/torusBuilder.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { glowing, PALETTE } from "./palette.ts";
import { font, roundRectPath, TextPlane } from "./textTexture.ts";

export const BREATH_IN_MS = 5_000;
export const BREATH_OUT_MS = 5_000;

/** Breath phase at `elapsedMs` since the coach started: 0 = empty, 1 = full. Pure. */
export function breathPhase(elapsedMs: number): { inhale: boolean; fullness: number } {
  const cycle = BREATH_IN_MS + BREATH_OUT_MS;
  const t = ((elapsedMs % cycle) + cycle) % cycle;
  if (t < BREATH_IN_MS) return { inhale: true, fullness: 0.5 - 0.5 * Math.cos((Math.PI * t) / BREATH_IN_MS) };
  return { inhale: false, fullness: 0.5 + 0.5 * Math.cos((Math.PI * (t - BREATH_IN_MS)) / BREATH_OUT_MS) };
}

export class BreathingCoach {
  private readonly root: TransformNode;
  private readonly orb: Mesh;
  private readonly ring: Mesh;
  private readonly caption: TextPlane;
  private startedAt: number | null = null;
  private shownInhale: boolean | null = null;

  constructor(scene: Scene, glow: GlowLayer) {
    this.root = new TransformNode("breathing-coach", scene);
    this.orb = CreateSphere("breath-orb", { diameter: 0.22, segments: 24 }, scene);
    const orbMat = glowing(scene, "breath-orb", "#4fc9bb", 0.55);
    this.orb.material = orbMat;
    this.orb.parent = this.root;
    this.ring = CreateTorus("breath-ring", { diameter: 0.3, thickness: 0.012, tessellation: 64 }, scene);
    this.ring.rotation.x = Math.PI / 2;
    this.ring.material = glowing(scene, "breath-ring", "#7fe6da", 0.95);
    this.ring.parent = this.root;
    this.caption = new TextPlane(scene, "breath-caption", 0.34, 0.075, 512);
    this.caption.mesh.parent = this.root;
    this.caption.mesh.position.y = -0.22;
    glow.addIncludedOnlyMesh(this.orb);
    glow.addIncludedOnlyMesh(this.ring);
    for (const m of [this.orb, this.ring]) m.isPickable = false;
    this.root.setEnabled(false);
  }

  /** Places the coach at `position`, facing `viewer`. */
  placeFacing(position: Vector3, viewer: Vector3): void {
    this.root.position.copyFrom(position);
    this.root.lookAt(position.scale(2).subtract(viewer));
  }

  /** See PatientHud.setScreenAligned. */
  setScreenAligned(on: boolean): void {
    this.root.billboardMode = on ? Mesh.BILLBOARDMODE_ALL : Mesh.BILLBOARDMODE_NONE;
  }

  get on(): boolean {
    return this.startedAt !== null;
  }

  set(on: boolean, nowMs: number): void {
    if (on === this.on) return;
    this.startedAt = on ? nowMs : null;
    this.shownInhale = null;
    this.root.setEnabled(on);
  }

  update(nowMs: number): void {
    if (this.startedAt === null) return;
    const { inhale, fullness } = breathPhase(nowMs - this.startedAt);
    this.orb.scaling.setAll(0.45 + 0.55 * fullness);
    this.ring.scaling.setAll(0.62 + 0.38 * fullness);
    if (this.orb.material) this.orb.material.alpha = 0.4 + 0.3 * fullness;
    if (inhale !== this.shownInhale) {
      this.shownInhale = inhale;
      this.caption.draw((ctx, w, h) => {
        ctx.fillStyle = "rgba(247,250,251,0.82)";
        roundRectPath(ctx, 4, 4, w - 8, h - 8, 40);
        ctx.fill();
        ctx.fillStyle = PALETTE.text;
        ctx.font = font(56, 600);
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(inhale ? "Breathe in" : "Breathe out", w / 2, h / 2 + 3);
      });
    }
  }

  dispose(): void {
    this.caption.dispose();
    this.root.dispose(false, true);
  }
}
