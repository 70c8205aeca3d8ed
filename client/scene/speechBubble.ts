/** A 3D speech bubble: word-wrapped text on a billboard that fades after a reading time. */

import type { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { ottoReadingMs } from "./ottoSpeech.ts";
import { PALETTE } from "./palette.ts";
import { fitText, font, roundRectPath, TextPlane } from "./textTexture.ts";

const BUBBLE_WIDTH_M = 1.1;
const BUBBLE_HEIGHT_M = 0.62;
/** The smallest text on the bubble's 1024 px texture: ≥ 1.5° at Otto's distance from the chair. */
const MIN_TEXT_PX = 56;

const FADE_MS = 800;

export class SpeechBubble {
  private readonly plane: TextPlane;
  private shownAt = 0;
  private holdMs = 0;
  private text: string | null = null;

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
  }

  get visibleText(): string | null {
    return this.text;
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

  hide(): void {
    this.text = null;
    this.plane.mesh.setEnabled(false);
  }

  update(nowMs: number, anchor: Vector3): void {
    if (this.text === null) return;
    this.plane.mesh.position.copyFrom(anchor);
    const age = nowMs - this.shownAt;
    if (age > this.holdMs + FADE_MS) this.hide();
    else if (age > this.holdMs) this.plane.mesh.visibility = 1 - (age - this.holdMs) / FADE_MS;
  }

  dispose(): void {
    this.plane.dispose();
  }
}
