/**
 * The patient's world UI, fixed in the room in front of the chair (never head-locked): the main
 * panel, the STOP / "I'm ready" bar, the step line and the calm cue. Calm by design: the cue is a
 * soft glow with a gentle sentence, never a red alarm banner.
 */
import type { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { Observable } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { PATIENT_EYE, PATIENT_UI, patientViewPoint, toV3 } from "./layout.ts";
import { PALETTE } from "./palette.ts";
import { CONTROL_VALUES, controlsPanel, PanelId, STOP_UNREACHABLE } from "./patientPanels.ts";
import { fitText, font, minLegiblePx, roundRectPath, TextPlane } from "./textTexture.ts";
import { type PanelChoice, type PanelSpec, WorldPanel } from "./worldPanel.ts";

const CUE_FADE_MS = 700;
/** The step line and the calm cue: sizes in metres and canvas pixels (text ≥ 1.5°, two lines). */
const STEP_LINE = { widthM: 1.1, heightM: 0.17, px: 1024 } as const;
const CUE = { widthM: 1.0, heightM: 0.18, px: 1024 } as const;

function facing(
  plane: { position: Vector3; lookAt(target: Vector3): unknown },
  position: Vector3,
  viewer: Vector3,
): void {
  plane.position.copyFrom(position);
  plane.lookAt(position.scale(2).subtract(viewer));
}

/** The main panel (questions, Otto's menu, check-ins): larger than before so 1.5° text fits. */
export const MAIN_PANEL = { widthM: 0.9, heightM: 0.58, px: 1024 } as const;

export class PatientHud {
  readonly onChoiceObservable = new Observable<PanelChoice>();
  /** Fired when the STOP button on the bar is pressed. */
  readonly onStopObservable = new Observable<void>();
  private readonly panel: WorldPanel;
  private readonly controls: WorldPanel | null;
  private readonly stepLine: TextPlane;
  private readonly cue: TextPlane;
  /** Shown instead of the STOP bar while a STOP cannot reach the server. */
  private readonly unreachable: TextPlane | null;
  private stopReachable = true;
  /** Flat screen: the page has its own STOP, so the 3D bar stays hidden (one STOP, never two). */
  private screenAligned = false;
  private cueText: string | null = null;
  private cueTarget = 0;
  private cueAlpha = 0;
  private lastNow: number | null = null;

  /** `withControls`: the patient's own page shows the STOP / ready bar; others do not. */
  constructor(scene: Scene, withControls: boolean) {
    const eye = toV3(PATIENT_EYE);
    const at = (p: { distance: number; yawDeg: number; pitchDeg: number }) =>
      patientViewPoint(p.distance, p.yawDeg, p.pitchDeg);

    // Title, body and buttons all at least 1.5° at the panel's distance (ISSUE10: headset text).
    this.panel = new WorldPanel(
      scene,
      "main",
      MAIN_PANEL.widthM,
      MAIN_PANEL.heightM,
      MAIN_PANEL.px,
      minLegiblePx(PATIENT_UI.panel.distance, MAIN_PANEL.widthM, MAIN_PANEL.px),
    );
    this.panel.placeFacing(at(PATIENT_UI.panel), eye);
    this.panel.onChoiceObservable.add((c) => this.onChoiceObservable.notifyObservers(c));

    if (withControls) {
      this.controls = new WorldPanel(
        scene,
        PanelId.controls,
        0.3,
        0.12,
        480,
        minLegiblePx(PATIENT_UI.controls.distance, 0.3, 480),
      );
      this.controls.placeFacing(at(PATIENT_UI.controls), eye);
      this.controls.show(controlsPanel());
      this.controls.onChoiceObservable.add((c) => {
        if (c.value === CONTROL_VALUES.stop) this.onStopObservable.notifyObservers();
        else this.onChoiceObservable.notifyObservers(c);
      });
      this.unreachable = new TextPlane(scene, "stop-unreachable", 0.8, 0.2, 1024);
      facing(this.unreachable.mesh, at(PATIENT_UI.controls), eye);
      drawUnreachable(this.unreachable);
      this.unreachable.mesh.setEnabled(false);
    } else {
      this.controls = null;
      this.unreachable = null;
    }

    // Tall enough for two lines at the smallest legible size (1.5° at its distance).
    this.stepLine = new TextPlane(scene, "step-line", STEP_LINE.widthM, STEP_LINE.heightM, STEP_LINE.px);
    facing(this.stepLine.mesh, at(PATIENT_UI.stepLine), eye);
    this.stepLine.mesh.setEnabled(false);

    this.cue = new TextPlane(scene, "calm-cue", CUE.widthM, CUE.heightM, CUE.px);
    facing(this.cue.mesh, at(PATIENT_UI.calmCue), eye);
    this.cue.mesh.setEnabled(false);
  }

  /**
   * Flat screens: keep the UI parallel to the screen, so a wide field of view does not shear the
   * text. In XR the UI stays put, facing the chair.
   */
  setScreenAligned(on: boolean): void {
    this.screenAligned = on;
    this.showStopBar();
    const mode = on ? Mesh.BILLBOARDMODE_ALL : Mesh.BILLBOARDMODE_NONE;
    for (const m of [
      this.panel.mesh,
      this.controls?.mesh,
      this.unreachable?.mesh,
      this.stepLine.mesh,
      this.cue.mesh,
    ])
      if (m) m.billboardMode = mode;
  }

  get panelId(): string | null {
    return this.panel.spec?.id ?? null;
  }

  /**
   * While the link is down the STOP bar is replaced by a large "raise your hand" message: a STOP
   * that cannot work is never shown.
   */
  setStopReachable(reachable: boolean): void {
    this.stopReachable = reachable;
    this.showStopBar();
  }

  /** The bar in the headset only: on a flat screen the page shows the STOP and the message. */
  private showStopBar(): void {
    const inHeadset = !this.screenAligned;
    this.controls?.mesh.setEnabled(inHeadset && this.stopReachable);
    this.unreachable?.mesh.setEnabled(inHeadset && !this.stopReachable);
  }

  /** Whether the 3D STOP bar is shown (in the headset, while a STOP can reach the server). */
  get stopShown(): boolean {
    return this.controls !== null && this.stopReachable && !this.screenAligned;
  }

  showPanel(spec: PanelSpec | null): void {
    this.panel.show(spec);
  }

  /** World position of a button on the main panel or the bar. */
  buttonWorldPosition(value: string): Vector3 | null {
    const bar = this.stopShown ? this.controls?.buttonWorldPosition(value) : null;
    return this.panel.buttonWorldPosition(value) ?? bar ?? null;
  }

  /** Presses a button of the visible main panel or the bar (keyboard, tests). */
  press(value: string): boolean {
    return this.panel.press(value) || (this.stopShown && (this.controls?.press(value) ?? false));
  }

  setStepInfo(text: string | null): void {
    if (!text) {
      this.stepLine.mesh.setEnabled(false);
      return;
    }
    this.stepLine.draw((ctx, w, h) => {
      ctx.fillStyle = "rgba(247,250,251,0.86)";
      roundRectPath(ctx, 4, 4, w - 8, h - 8, (h - 8) / 2);
      ctx.fill();
      ctx.fillStyle = PALETTE.text;
      const min = minLegiblePx(PATIENT_UI.stepLine.distance, STEP_LINE.widthM, STEP_LINE.px);
      const fitted = fitText(ctx, text, w - 60, h - 16, min + 8, min, 500);
      ctx.font = font(fitted.px, 500);
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      fitted.lines.forEach((line, i) => {
        ctx.fillText(line, w / 2, h / 2 + (i - (fitted.lines.length - 1) / 2) * fitted.px * 1.2 + 2, w - 60);
      });
    });
    this.stepLine.mesh.setEnabled(true);
  }

  showCalmCue(text: string | null): void {
    if (text) {
      this.cueText = text;
      this.cue.draw((ctx, w, h) => {
        const glow = ctx.createRadialGradient(w / 2, h / 2, 10, w / 2, h / 2, w / 2);
        glow.addColorStop(0, "rgba(186,236,230,0.95)");
        glow.addColorStop(0.6, "rgba(214,240,236,0.75)");
        glow.addColorStop(1, "rgba(230,245,243,0)");
        ctx.fillStyle = glow;
        ctx.fillRect(0, 0, w, h);
        ctx.fillStyle = "rgba(255,255,255,0.55)";
        roundRectPath(ctx, w * 0.08, h * 0.18, w * 0.84, h * 0.64, h * 0.32);
        ctx.fill();
        ctx.fillStyle = PALETTE.text;
        const min = minLegiblePx(PATIENT_UI.calmCue.distance, CUE.widthM, CUE.px);
        const fitted = fitText(ctx, text, w * 0.78, h * 0.6, min + 6, min, 500);
        ctx.font = font(fitted.px, 500);
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        fitted.lines.forEach((line, i) => {
          ctx.fillText(line, w / 2, h / 2 + (i - (fitted.lines.length - 1) / 2) * fitted.px * 1.2 + 2);
        });
      });
      this.cueTarget = 1;
      this.cue.mesh.setEnabled(true);
    } else {
      this.cueText = null;
      this.cueTarget = 0;
    }
  }

  get calmCue(): string | null {
    return this.cueText;
  }

  update(nowMs: number): void {
    const dt = this.lastNow === null ? 0 : Math.min(100, nowMs - this.lastNow);
    this.lastNow = nowMs;
    this.panel.update(nowMs);
    this.controls?.update(nowMs);
    if (this.cueAlpha !== this.cueTarget) {
      const step = dt / CUE_FADE_MS;
      this.cueAlpha =
        this.cueTarget > this.cueAlpha
          ? Math.min(1, this.cueAlpha + step)
          : Math.max(0, this.cueAlpha - step);
      // A slow breathing pulse while shown keeps it gentle rather than static.
      this.cue.mesh.visibility = this.cueAlpha;
      if (this.cueAlpha === 0) this.cue.mesh.setEnabled(false);
    } else if (this.cueAlpha > 0) {
      this.cue.mesh.visibility = 0.85 + 0.15 * Math.sin((nowMs / 1000) * ((2 * Math.PI) / 6));
    }
  }

  dispose(): void {
    this.onChoiceObservable.clear();
    this.onStopObservable.clear();
    this.panel.dispose();
    this.controls?.dispose();
    this.unreachable?.dispose();
    this.stepLine.dispose();
    this.cue.dispose();
  }
}

function drawUnreachable(plane: TextPlane): void {
  plane.draw((ctx, w, h) => {
    ctx.fillStyle = "rgba(255,244,229,0.97)";
    roundRectPath(ctx, 6, 6, w - 12, h - 12, 28);
    ctx.fill();
    ctx.lineWidth = 10;
    ctx.strokeStyle = "#e65100";
    ctx.stroke();
    ctx.fillStyle = "#5d2b00";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const action = fitText(ctx, STOP_UNREACHABLE.action, w - 80, h * 0.4, 84, 40, 700);
    ctx.font = font(action.px, 700);
    ctx.fillText(action.lines.join(" "), w / 2, h * 0.34, w - 80);
    const why = fitText(ctx, STOP_UNREACHABLE.headline, w - 80, h * 0.36, 36, 20, 600);
    ctx.font = font(why.px, 600);
    why.lines.forEach((line, i) => {
      ctx.fillText(line, w / 2, h * 0.66 + (i - (why.lines.length - 1) / 2) * why.px * 1.15, w - 80);
    });
  });
}
