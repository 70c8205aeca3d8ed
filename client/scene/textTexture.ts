/** Text on planes: canvas helpers for name tags, panels, bubbles and cues (no fonts downloaded). */

import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { DynamicTexture } from "@babylonjs/core/Materials/Textures/dynamicTexture.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { CreatePlane } from "@babylonjs/core/Meshes/Builders/planeBuilder.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";

export const FONT_FAMILY = "system-ui, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

export function font(px: number, weight: 400 | 500 | 600 | 700 = 400): string {
  return `${weight} ${Math.round(px)}px ${FONT_FAMILY}`;
}

/** Splits text into lines no wider than `maxWidth` with the context's current font; honours "\n". */
export function wrapLines(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    const words = paragraph.split(/\s+/).filter((w) => w.length > 0);
    let line = "";
    for (const word of words) {
      const candidate = line ? `${line} ${word}` : word;
      if (ctx.measureText(candidate).width <= maxWidth || !line) line = candidate;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** The smallest text a headset wearer reads with ease: 1.5° of visual angle (about 26 mm at 1 m). */
export const MIN_TEXT_DEGREES = 1.5;

/**
 * The smallest font size, in canvas pixels, that stays at least `MIN_TEXT_DEGREES` high on a plane
 * `widthM` metres wide drawn `pxWidth` pixels wide, seen from `distanceM` metres. Pure.
 */
export function minLegiblePx(distanceM: number, widthM: number, pxWidth: number): number {
  const heightM = 2 * distanceM * Math.tan(((MIN_TEXT_DEGREES / 2) * Math.PI) / 180);
  return Math.ceil((heightM * pxWidth) / widthM);
}

/** Largest font size (down to `minPx`) at which `text` wraps into `maxLines` lines within the box. */
export function fitText(
  ctx: CanvasRenderingContext2D,
  text: string,
  maxWidth: number,
  maxHeight: number,
  startPx: number,
  minPx: number,
  weight: 400 | 500 | 600 | 700 = 400,
  lineHeight = 1.25,
): { px: number; lines: string[] } {
  let px = startPx;
  for (;;) {
    ctx.font = font(px, weight);
    const lines = wrapLines(ctx, text, maxWidth);
    if (lines.length * px * lineHeight <= maxHeight || px <= minPx) return { px, lines };
    px = Math.max(minPx, px - 2);
  }
}

export function roundRectPath(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  w: number,
  h: number,
  r: number,
): void {
  const rr = Math.min(r, w / 2, h / 2);
  ctx.beginPath();
  ctx.moveTo(x + rr, y);
  ctx.arcTo(x + w, y, x + w, y + h, rr);
  ctx.arcTo(x + w, y + h, x, y + h, rr);
  ctx.arcTo(x, y + h, x, y, rr);
  ctx.arcTo(x, y, x + w, y, rr);
  ctx.closePath();
}

/** Draws centred lines of text. */
export function drawLines(
  ctx: CanvasRenderingContext2D,
  lines: readonly string[],
  cx: number,
  cy: number,
  px: number,
  lineHeight = 1.25,
): void {
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const total = lines.length * px * lineHeight;
  lines.forEach((line, i) => {
    ctx.fillText(line, cx, cy - total / 2 + px * lineHeight * (i + 0.5));
  });
}

/** A plane with its own canvas texture, self-lit and alpha-blended. */
export class TextPlane {
  readonly mesh: Mesh;
  readonly texture: DynamicTexture;
  readonly material: StandardMaterial;
  readonly width: number;
  readonly height: number;

  constructor(
    scene: Scene,
    name: string,
    readonly widthM: number,
    readonly heightM: number,
    pxWidth: number,
  ) {
    this.width = pxWidth;
    this.height = Math.round((pxWidth * heightM) / widthM);
    this.mesh = CreatePlane(name, { width: widthM, height: heightM }, scene);
    this.texture = new DynamicTexture(`${name}-tex`, { width: this.width, height: this.height }, scene, true);
    this.texture.hasAlpha = true;
    const m = new StandardMaterial(`${name}-mat`, scene);
    m.diffuseTexture = this.texture;
    m.emissiveTexture = this.texture;
    m.useAlphaFromDiffuseTexture = true;
    m.diffuseColor = Color3.Black();
    m.specularColor = Color3.Black();
    m.emissiveColor = Color3.White();
    m.disableLighting = true;
    m.fogEnabled = false;
    m.backFaceCulling = true;
    this.material = m;
    this.mesh.material = m;
    this.mesh.isPickable = false;
  }

  get ctx(): CanvasRenderingContext2D {
    return this.texture.getContext() as unknown as CanvasRenderingContext2D;
  }

  /** Clears the canvas, lets `paint` draw, uploads. */
  draw(paint: (ctx: CanvasRenderingContext2D, w: number, h: number) => void): void {
    const ctx = this.ctx;
    ctx.clearRect(0, 0, this.width, this.height);
    paint(ctx, this.width, this.height);
    this.texture.update();
  }

  dispose(): void {
    this.mesh.dispose();
    this.material.dispose();
    this.texture.dispose();
  }
}
