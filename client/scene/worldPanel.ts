/**
 * A world-space UI panel drawn on a canvas texture: title, body text and a grid of buttons.
 * Works with the mouse in flat mode and with the XR controller laser (Babylon's pointer selection
 * turns the trigger into scene pointer events); the hit button is found from the picked UV.
 */
import { PointerEventTypes, type PointerInfo } from "@babylonjs/core/Events/pointerEvents.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Observable, type Observer } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { PALETTE } from "./palette.ts";
import { drawLines, fitText, font, roundRectPath, TextPlane, wrapLines } from "./textTexture.ts";

export type ButtonTone = "normal" | "primary" | "stop";

export interface PanelButton {
  label: string;
  value: string;
  tone?: ButtonTone;
}

export interface PanelSpec {
  id: string;
  title: string;
  body: string;
  buttons: readonly PanelButton[];
  /** Buttons per row; chosen from the labels when left out. */
  columns?: number;
}

export interface PanelChoice {
  panel: string;
  value: string;
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const PAD = 36;
const GAP = 16;

/** Buttons per row: short labels (a 0-10 scale) share one row, longer ones wrap into a grid. */
export function autoColumns(buttons: readonly PanelButton[]): number {
  const n = buttons.length;
  if (n <= 1) return 1;
  if (buttons.every((b) => b.label.length <= 3)) return Math.min(n, 11);
  if (n <= 3) return n;
  if (n === 4) return 2;
  return 3;
}

export class WorldPanel {
  readonly onChoiceObservable = new Observable<PanelChoice>();
  private readonly plane: TextPlane;
  private readonly observer: Observer<PointerInfo>;
  private current: PanelSpec | null = null;
  private rects: Rect[] = [];
  private hover = -1;
  private pressed = -1;
  private pressedUntil = 0;

  /**
   * @param widthM physical width in metres; heightM likewise; pxWidth canvas resolution;
   * minTextPx the smallest text allowed (title, body and buttons), e.g. 1.5° at the viewing
   * distance (`minLegiblePx`): text never shrinks below it to fit.
   */
  constructor(
    private readonly scene: Scene,
    readonly name: string,
    widthM: number,
    heightM: number,
    pxWidth = 1024,
    private readonly minTextPx = 22,
  ) {
    this.plane = new TextPlane(scene, `panel-${name}`, widthM, heightM, pxWidth);
    this.plane.mesh.isPickable = true;
    this.plane.mesh.enablePointerMoveEvents = true;
    this.plane.mesh.metadata = { interactive: true, panel: name };
    this.plane.mesh.setEnabled(false);
    this.observer = scene.onPointerObservable.add((info) => this.onPointer(info));
  }

  get mesh() {
    return this.plane.mesh;
  }

  get spec(): PanelSpec | null {
    return this.current;
  }

  /** Places the panel at `position`, its readable face toward `viewer`. */
  placeFacing(position: Vector3, viewer: Vector3): void {
    this.plane.mesh.position.copyFrom(position);
    // A plane's readable side faces -z, so point +z away from the viewer.
    this.plane.mesh.lookAt(position.scale(2).subtract(viewer));
  }

  show(spec: PanelSpec | null): void {
    this.current = spec;
    this.hover = -1;
    this.pressed = -1;
    this.plane.mesh.setEnabled(spec !== null);
    if (spec) this.redraw();
  }

  /** Call once per frame: clears the press flash. */
  update(nowMs: number): void {
    if (this.pressed >= 0 && nowMs > this.pressedUntil) {
      this.pressed = -1;
      this.redraw();
    }
  }

  /** Presses a button by value as if it were clicked (keyboard shortcuts, tests). */
  press(value: string): boolean {
    const spec = this.current;
    const index = spec?.buttons.findIndex((b) => b.value === value) ?? -1;
    if (!spec || index < 0) return false;
    this.fire(index);
    return true;
  }

  /** World position of a visible button's centre (for tests that click real pixels). */
  buttonWorldPosition(value: string): Vector3 | null {
    const index = this.current?.buttons.findIndex((b) => b.value === value) ?? -1;
    const r = this.rects[index];
    if (!r || !this.plane.mesh.isEnabled()) return null;
    const u = (r.x + r.w / 2) / this.plane.width;
    const v = 1 - (r.y + r.h / 2) / this.plane.height;
    const local = new Vector3((u - 0.5) * this.plane.widthM, (v - 0.5) * this.plane.heightM, 0);
    return Vector3.TransformCoordinates(local, this.plane.mesh.computeWorldMatrix(true));
  }

  private fire(index: number): void {
    const spec = this.current;
    const button = spec?.buttons[index];
    if (!spec || !button) return;
    this.pressed = index;
    this.pressedUntil = performance.now() + 220;
    this.redraw();
    this.onChoiceObservable.notifyObservers({ panel: spec.id, value: button.value });
  }

  private buttonAt(info: PointerInfo): number {
    const pick = info.pickInfo;
    if (!pick?.hit || pick.pickedMesh !== this.plane.mesh) return -1;
    const uv = pick.getTextureCoordinates();
    if (!uv) return -1;
    const x = uv.x * this.plane.width;
    const y = (1 - uv.y) * this.plane.height;
    return this.rects.findIndex((r) => x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h);
  }

  /** The title: a little larger than the body, never under the legible minimum. */
  private get titlePx(): number {
    return Math.max(44, Math.round(this.minTextPx * 1.2));
  }

  private onPointer(info: PointerInfo): void {
    if (!this.current || !this.plane.mesh.isEnabled()) return;
    if (info.type === PointerEventTypes.POINTERMOVE) {
      const index = this.buttonAt(info);
      if (index !== this.hover) {
        this.hover = index;
        this.redraw();
      }
    } else if (info.type === PointerEventTypes.POINTERDOWN) {
      // Fire on press: the same for a mouse click and an XR trigger pull.
      const index = this.buttonAt(info);
      if (index >= 0) this.fire(index);
    }
  }

  private layout(
    ctx: CanvasRenderingContext2D,
    spec: PanelSpec,
    w: number,
    h: number,
  ): { bodyTop: number; bodyBottom: number } {
    const n = spec.buttons.length;
    const cols = Math.max(1, Math.min(n, spec.columns ?? autoColumns(spec.buttons)));
    const rows = Math.ceil(n / cols);
    const hasText = spec.title.length > 0 || spec.body.length > 0;
    const buttonH = hasText
      ? Math.min(124, (h * 0.5 - PAD) / Math.max(1, rows))
      : (h - PAD - GAP * (rows - 1)) / Math.max(1, rows);
    const pad = hasText ? PAD : PAD / 2;
    const areaTop = h - pad - rows * buttonH - (rows - 1) * GAP;
    const buttonW = (w - 2 * pad - (cols - 1) * GAP) / cols;
    this.rects = spec.buttons.map((_, i) => {
      const row = Math.floor(i / cols);
      const inRow = row === rows - 1 ? n - row * cols : cols;
      const rowOffset = ((cols - inRow) * (buttonW + GAP)) / 2;
      return {
        x: pad + rowOffset + (i % cols) * (buttonW + GAP),
        y: areaTop + row * (buttonH + GAP),
        w: buttonW,
        h: buttonH,
      };
    });
    ctx.font = font(44, 700);
    return {
      bodyTop: spec.title ? PAD + this.titlePx * 1.4 : PAD,
      bodyBottom: n > 0 ? areaTop - GAP : h - PAD,
    };
  }

  private redraw(): void {
    const spec = this.current;
    if (!spec) return;
    this.plane.draw((ctx, w, h) => {
      const compact = !spec.title && !spec.body;
      ctx.fillStyle = compact ? "rgba(247,250,251,0.8)" : PALETTE.panelBg;
      roundRectPath(ctx, 2, 2, w - 4, h - 4, 36);
      ctx.fill();
      ctx.strokeStyle = "rgba(47,143,157,0.45)";
      ctx.lineWidth = 4;
      ctx.stroke();
      const { bodyTop, bodyBottom } = this.layout(ctx, spec, w, h);
      if (spec.title) {
        ctx.fillStyle = PALETTE.text;
        ctx.font = font(this.titlePx, 700);
        ctx.textAlign = "left";
        ctx.textBaseline = "middle";
        const title = wrapLines(ctx, spec.title, w - 2 * PAD)[0] ?? "";
        ctx.fillText(title, PAD, PAD + this.titlePx * 0.6);
      }
      if (spec.body) {
        const fitted = fitText(
          ctx,
          spec.body,
          w - 2 * PAD,
          bodyBottom - bodyTop,
          Math.max(42, this.minTextPx),
          this.minTextPx,
          400,
        );
        ctx.fillStyle = PALETTE.softText;
        ctx.textAlign = "left";
        ctx.textBaseline = "middle";
        fitted.lines.forEach((line, i) => {
          ctx.fillText(line, PAD, bodyTop + fitted.px * 1.25 * (i + 0.5));
        });
      }
      spec.buttons.forEach((b, i) => {
        this.drawButton(ctx, b, this.rects[i]!, i);
      });
    });
  }

  private drawButton(ctx: CanvasRenderingContext2D, b: PanelButton, r: Rect, i: number): void {
    const tone = b.tone ?? "normal";
    const base = tone === "stop" ? PALETTE.stop : tone === "primary" ? PALETTE.primary : PALETTE.panelButton;
    ctx.fillStyle = i === this.pressed ? "#ffffff" : base;
    roundRectPath(ctx, r.x, r.y, r.w, r.h, Math.min(28, r.h / 2.6));
    ctx.fill();
    if (i === this.hover || i === this.pressed) {
      ctx.strokeStyle = tone === "normal" ? PALETTE.primary : "#ffffff";
      ctx.lineWidth = 8;
      ctx.stroke();
      if (tone === "normal") {
        ctx.fillStyle = "rgba(47,143,157,0.12)";
        ctx.fill();
      }
    }
    ctx.fillStyle = tone === "normal" || i === this.pressed ? PALETTE.text : "#ffffff";
    const weight = tone === "stop" ? 700 : 600;
    const fitted = fitText(
      ctx,
      b.label,
      r.w - 20,
      r.h - 14,
      Math.max(this.minTextPx, tone === "stop" ? Math.min(72, r.h * 0.55) : Math.min(40, r.h * 0.42)),
      this.minTextPx,
      weight,
      1.15,
    );
    ctx.font = font(fitted.px, weight);
    drawLines(ctx, fitted.lines, r.x + r.w / 2, r.y + r.h / 2 + 2, fitted.px, 1.15);
  }

  dispose(): void {
    this.scene.onPointerObservable.remove(this.observer);
    this.onChoiceObservable.clear();
    this.plane.dispose();
  }
}
