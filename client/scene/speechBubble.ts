/**
 * A 3D speech bubble: word-wrapped text on a billboard that stays for a reading time (60 ms per
 * character) and then fades, or goes at once when the reader taps it (a mouse click on the flat
 * screen, a trigger pull aimed at it in the headset): Otto's words stay until read or dismissed.
 */

import { PointerEventTypes, type PointerInfo } from "@babylonjs/core/Events/pointerEvents.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Observer } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { ottoReadingMs } from "./ottoSpeech.ts";
import { PALETTE } from "./palette.ts";
import { fitText, font, roundRectPath, TextPlane } from "./textTexture.ts";

const BUBBLE_WIDTH_M = 1.1;
const BUBBLE_HEIGHT_M = 0.62;
/** The smallest text on the bubble's 1024 px texture: ≥ 1.5° at Otto's distance from the chair. */
const MIN_TEXT_PX = 56;

const FADE_MS = 800;
/** Room kept between the bubble and the view's edge, as a share of the half-view. */
const EDGE_MARGIN = 0.06;

/**
 * Where a camera-facing box `w` × `h` (metres) centred at `at` must go to sit wholly inside the
 * camera's view: moved sideways/up/down at the same depth, never nearer or further. A box behind
 * the camera stays where it is. Uses the projection matrix, so it holds for XR eyes too.
 * `topInset` is the share of the view's height kept free at the top (a page notice over the
 * canvas): the box stays below it, and when the box is taller than what is left, its top line
 * still starts below the notice.
 */
export function keepInView(
  at: Vector3,
  cam: { getViewMatrix(): Matrix; getProjectionMatrix(): Matrix; rigCameras: readonly unknown[] },
  w: number,
  h: number,
  topInset = 0,
): Vector3 {
  const view = cam.getViewMatrix();
  const eye = (cam.rigCameras[0] as typeof cam | undefined) ?? cam;
  const proj = eye.getProjectionMatrix().m;
  const local = Vector3.TransformCoordinates(at, view);
  if (local.z <= 0.05 || !proj[0] || !proj[5]) return at;
  const halfW = (local.z / Math.abs(proj[0])) * (1 - EDGE_MARGIN);
  const halfH = (local.z / Math.abs(proj[5])) * (1 - EDGE_MARGIN);
  const clamp = (v: number, half: number, size: number) =>
    size / 2 >= half ? 0 : Math.min(half - size / 2, Math.max(-half + size / 2, v));
  // The top edge comes down by the inset (2 × its share of the half-height); the bottom stays.
  const top = halfH - (local.z / Math.abs(proj[5])) * 2 * Math.min(1, Math.max(0, topInset));
  const y = Math.min(top - h / 2, Math.max(-halfH + h / 2, local.y));
  const fitted = new Vector3(clamp(local.x, halfW, w), topInset > 0 ? y : clamp(local.y, halfH, h), local.z);
  if (fitted.equalsWithEpsilon(local, 1e-6)) return at;
  return Vector3.TransformCoordinates(fitted, Matrix.Invert(view));
}

export class SpeechBubble {
  private readonly plane: TextPlane;
  private shownAt = 0;
  private holdMs = 0;
  private text: string | null = null;
  private readonly pointer: Observer<PointerInfo> | null;
  /** Share of the view's height kept free at the top for the page's notice (flat screen only). */
  private topInset = 0;

  constructor(
    scene: Scene,
    name: string,
    private readonly speaker: string,
  ) {
    // Sized for the patient ~1.6 m away: 56 px of 1024 across 1.1 m is a 60 mm font, a 42 mm cap
    // height, 1.5° of visual angle (the headset's minimum; the old 0.6 m bubble's text was ~7 px).
    this.plane = new TextPlane(scene, name, BUBBLE_WIDTH_M, BUBBLE_HEIGHT_M, 1024);
    this.plane.mesh.billboardMode = Mesh.BILLBOARDMODE_ALL;
    this.plane.mesh.renderingGroupId = 1;
    this.plane.mesh.setEnabled(false);
    // Fire on press, as the world panels do: the same for a mouse click and an XR trigger pull.
    this.pointer = scene.onPointerObservable.add((info) => {
      if (info.type !== PointerEventTypes.POINTERDOWN || this.text === null) return;
      if (info.pickInfo?.hit && info.pickInfo.pickedMesh === this.plane.mesh) this.hide();
    });
  }

  get visibleText(): string | null {
    return this.text;
  }

  /** Where the bubble's centre is on the page, in CSS pixels (for tests that tap it); null when hidden. */
  screenPoint(): { x: number; y: number } | null {
    const scene = this.plane.mesh.getScene();
    const cam = scene.activeCamera;
    if (this.text === null || !cam) return null;
    const engine = scene.getEngine();
    const w = engine.getRenderWidth();
    const h = engine.getRenderHeight();
    const p = Vector3.Project(
      this.plane.mesh.getAbsolutePosition(),
      Matrix.Identity(),
      scene.getTransformMatrix(),
      cam.viewport.toGlobal(w, h),
    );
    const css = engine.getHardwareScalingLevel();
    return { x: p.x * css, y: p.y * css };
  }

  show(text: string, nowMs: number): void {
    this.text = text;
    this.shownAt = nowMs;
    this.holdMs = ottoReadingMs(text);
    const speaker = this.speaker;
    this.plane.draw((ctx, w, h) => {
      const tail = 44;
      const bodyH = h - tail - 8;
      ctx.fillStyle = "#ffffff";
      roundRectPath(ctx, 6, 6, w - 12, bodyH, 48);
      ctx.fill();
      ctx.beginPath();
      ctx.moveTo(w / 2 - 36, bodyH + 2);
      ctx.lineTo(w / 2, h - 6);
      ctx.lineTo(w / 2 + 36, bodyH + 2);
      ctx.closePath();
      ctx.fill();
      ctx.strokeStyle = "rgba(47,143,157,0.7)";
      ctx.lineWidth = 6;
      roundRectPath(ctx, 6, 6, w - 12, bodyH, 48);
      ctx.stroke();
      ctx.fillStyle = PALETTE.primary;
      ctx.font = font(40, 700);
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      ctx.fillText(speaker, 48, 50);
      // The close mark: the whole bubble is the target, this says so.
      ctx.fillStyle = PALETTE.softText;
      ctx.font = font(36, 500);
      ctx.textAlign = "right";
      ctx.fillText("Tap to close ×", w - 48, 50);
      ctx.textAlign = "left";
      ctx.fillStyle = PALETTE.text;
      const fitted = fitText(ctx, text, w - 96, bodyH - 100, 72, MIN_TEXT_PX, 500);
      ctx.font = font(fitted.px, 500);
      const top = 88;
      fitted.lines.forEach((line, i) => {
        ctx.fillText(line, 48, top + fitted.px * 1.25 * (i + 0.5));
      });
    });
    this.plane.mesh.visibility = 1;
    this.plane.mesh.setEnabled(true);
  }

  /** Keeps the bubble below the top `share` of the view (0: the whole view is free). */
  setTopInset(share: number): void {
    this.topInset = share;
  }

  /**
   * The bubble's box on the page (CSS pixels, from its corners as the camera sees them), for the
   * tests that check it is clear of the page's notices; null when hidden or out of sight.
   */
  screenRect(): { left: number; top: number; right: number; bottom: number } | null {
    const scene = this.plane.mesh.getScene();
    const cam = scene.activeCamera;
    if (this.text === null || !cam) return null;
    const engine = scene.getEngine();
    const viewport = cam.viewport.toGlobal(engine.getRenderWidth(), engine.getRenderHeight());
    const css = engine.getHardwareScalingLevel();
    const centre = this.plane.mesh.getAbsolutePosition();
    const right = cam.getDirection(Vector3.Right()).scale(BUBBLE_WIDTH_M / 2);
    const up = cam.getDirection(Vector3.Up()).scale(BUBBLE_HEIGHT_M / 2);
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [sx, sy] of [
      [-1, -1],
      [1, -1],
      [-1, 1],
      [1, 1],
    ] as const) {
      const corner = centre.add(right.scale(sx)).add(up.scale(sy));
      const p = Vector3.Project(corner, Matrix.Identity(), scene.getTransformMatrix(), viewport);
      if (p.z < 0 || p.z > 1) return null;
      xs.push(p.x * css);
      ys.push(p.y * css);
    }
    return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
  }

  hide(): void {
    this.text = null;
    this.plane.mesh.setEnabled(false);
  }

  update(nowMs: number, anchor: Vector3): void {
    if (this.text === null) return;
    const cam = this.plane.mesh.getScene().activeCamera;
    this.plane.mesh.position.copyFrom(
      cam ? keepInView(anchor, cam, BUBBLE_WIDTH_M, BUBBLE_HEIGHT_M, this.topInset) : anchor,
    );
    const age = nowMs - this.shownAt;
    if (age > this.holdMs + FADE_MS) this.hide();
    else if (age > this.holdMs) this.plane.mesh.visibility = 1 - (age - this.holdMs) / FADE_MS;
  }

  dispose(): void {
    if (this.pointer) this.plane.mesh.getScene().onPointerObservable.remove(this.pointer);
    this.plane.dispose();
  }
}
