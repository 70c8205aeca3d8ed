/**
 * Non-XR cameras. Desktop: an orbit camera around the chair and the dentition (mouse orbit,
 * wheel zoom, limits). Patient flat-screen fallback: a camera fixed at the chair's eye point that
 * only turns (mouse drag, touch drag, arrow keys), clamped, never moves: a seated, static view.
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import { UniversalCamera } from "@babylonjs/core/Cameras/universalCamera.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import type { Scene } from "@babylonjs/core/scene.js";
import {
  DENTITION_ANCHOR,
  DESKTOP_DENTITION_VIEW,
  DESKTOP_VIEW,
  PATIENT_EYE,
  PATIENT_LOOK,
  toV3,
  type V3,
} from "./layout.ts";

const DEG = Math.PI / 180;

export function createDesktopCamera(scene: Scene, canvas: HTMLCanvasElement): ArcRotateCamera {
  const v = DESKTOP_VIEW;
  const cam = new ArcRotateCamera("desktop-camera", v.alpha, v.beta, v.radius, toV3(v.target), scene);
  cam.lowerRadiusLimit = v.minRadius;
  cam.upperRadiusLimit = v.maxRadius;
  cam.lowerBetaLimit = 0.2;
  cam.upperBetaLimit = 1.62;
  cam.wheelDeltaPercentage = 0.015;
  cam.pinchDeltaPercentage = 0.004;
  cam.angularSensibilityX = 1600;
  cam.angularSensibilityY = 1600;
  cam.panningSensibility = 0;
  cam.minZ = 0.03;
  cam.maxZ = 300;
  cam.fov = 0.85;
  cam.attachControl(canvas, true);
  return cam;
}

export type DesktopFraming = "overview" | "dentition" | "demo";

/** An orbit camera's framing: what it looks at, from which angles (radians), how far (metres). */
export interface OrbitView {
  target: V3;
  alpha: number;
  beta: number;
  radius: number;
}

/**
 * The demo screen's framing: a raised gallery seat in front of the patient, on Dr. Ray's side, so
 * the chair, Dr. Ray and the patient are all in view and no avatar's head (nor the docked arch
 * chart, nor Otto) stands between the camera and their faces (cameras.test.ts checks the lines).
 */
export const DEMO_VIEW: OrbitView = { target: [0.05, 1.2, -0.15], alpha: 0.76, beta: 1.06, radius: 2.2 };

/** Where an orbit camera with this framing sits (Babylon's ArcRotateCamera convention). */
export function orbitPosition(v: OrbitView): V3 {
  return [
    v.target[0] + v.radius * Math.cos(v.alpha) * Math.sin(v.beta),
    v.target[1] + v.radius * Math.cos(v.beta),
    v.target[2] + v.radius * Math.sin(v.alpha) * Math.sin(v.beta),
  ];
}

/** Moves the orbit camera to a preset framing; `chartAt`: where the arch chart stands now. */
export function frameDesktop(cam: ArcRotateCamera, framing: DesktopFraming, chartAt?: Vector3): void {
  if (framing === "demo") {
    cam.setTarget(toV3(DEMO_VIEW.target));
    cam.alpha = DEMO_VIEW.alpha;
    cam.beta = DEMO_VIEW.beta;
    cam.radius = DEMO_VIEW.radius;
  } else if (framing === "overview") {
    cam.setTarget(toV3(DESKTOP_VIEW.target));
    cam.alpha = DESKTOP_VIEW.alpha;
    cam.beta = DESKTOP_VIEW.beta;
    cam.radius = DESKTOP_VIEW.radius;
  } else {
    const at = chartAt ?? toV3(DENTITION_ANCHOR);
    cam.setTarget(at.add(new Vector3(0, DESKTOP_DENTITION_VIEW.lift, 0)));
    // A moved chart is seen from the overview's side of it (it turns to face the camera anyway).
    cam.alpha = chartAt
      ? Math.atan2(cam.position.z - at.z, cam.position.x - at.x)
      : DESKTOP_DENTITION_VIEW.alpha;
    cam.beta = DESKTOP_DENTITION_VIEW.beta;
    cam.radius = DESKTOP_DENTITION_VIEW.radius;
  }
}

/** Limits of the seated look, degrees. */
export const LOOK_LIMITS = { yaw: 80, pitchUp: 50, pitchDown: 40 } as const;

/** The patient's flat-screen camera: rotation only, from the chair. */
export class PatientLookCamera {
  readonly camera: UniversalCamera;
  private yaw = PATIENT_LOOK.yawDeg * DEG;
  private pitch = PATIENT_LOOK.pitchDeg * DEG;
  private dragging: { id: number; x: number; y: number } | null = null;
  private readonly keys = new Set<string>();
  private readonly cleanups: (() => void)[] = [];

  constructor(scene: Scene, canvas: HTMLCanvasElement) {
    this.camera = new UniversalCamera("patient-camera", toV3(PATIENT_EYE), scene);
    this.camera.inputs.clear();
    this.camera.minZ = 0.03;
    this.camera.maxZ = 300;
    this.camera.fov = 1.0;
    this.apply();
    canvas.style.touchAction = "none";
    const on = <K extends keyof HTMLElementEventMap>(
      target: HTMLElement | Window,
      type: K,
      fn: (e: HTMLElementEventMap[K]) => void,
    ) => {
      target.addEventListener(type, fn as EventListener);
      this.cleanups.push(() => target.removeEventListener(type, fn as EventListener));
    };
    on(canvas, "pointerdown", (e) => {
      this.dragging = { id: e.pointerId, x: e.clientX, y: e.clientY };
      // Keep turning while the drag leaves the canvas (synthetic pointers cannot be captured).
      if (e.isPrimary) {
        try {
          canvas.setPointerCapture(e.pointerId);
        } catch {
          // Not a capturable pointer; turning still works inside the canvas.
        }
      }
    });
    on(canvas, "pointermove", (e) => {
      const d = this.dragging;
      if (!d || d.id !== e.pointerId) return;
      const sensitivity = e.pointerType === "touch" ? 0.006 : 0.0045;
      this.turn((e.clientX - d.x) * sensitivity, (e.clientY - d.y) * sensitivity);
      d.x = e.clientX;
      d.y = e.clientY;
    });
    const end = (e: PointerEvent) => {
      if (this.dragging?.id === e.pointerId) this.dragging = null;
    };
    on(canvas, "pointerup", end);
    on(canvas, "pointercancel", end);
    on(window, "keydown", (e) => {
      if (e.key.startsWith("Arrow") && !isTyping(e)) {
        this.keys.add(e.key);
        e.preventDefault();
      }
    });
    on(window, "keyup", (e) => this.keys.delete(e.key));
    on(window, "blur", () => this.keys.clear());
  }

  /** Turns by yaw/pitch radians (drag right looks right, drag down looks down). */
  turn(dYaw: number, dPitch: number): void {
    this.yaw += dYaw;
    this.pitch -= dPitch;
    this.apply();
  }

  /** Arrow keys turn at a steady 50°/s. */
  update(dtMs: number): void {
    if (this.keys.size === 0) return;
    const step = 50 * DEG * (dtMs / 1000);
    const dx = (this.keys.has("ArrowRight") ? 1 : 0) - (this.keys.has("ArrowLeft") ? 1 : 0);
    const dy = (this.keys.has("ArrowDown") ? 1 : 0) - (this.keys.has("ArrowUp") ? 1 : 0);
    this.turn(dx * step, dy * step);
  }

  /** Puts the camera back at the eye point (Babylon moves the flat camera when XR ends). */
  restore(): void {
    this.apply();
  }

  /** Current look, degrees (for tests). */
  get look(): { yawDeg: number; pitchDeg: number } {
    return { yawDeg: this.yaw / DEG, pitchDeg: this.pitch / DEG };
  }

  private apply(): void {
    this.yaw = Math.max(-LOOK_LIMITS.yaw * DEG, Math.min(LOOK_LIMITS.yaw * DEG, this.yaw));
    this.pitch = Math.max(-LOOK_LIMITS.pitchDown * DEG, Math.min(LOOK_LIMITS.pitchUp * DEG, this.pitch));
    // Babylon cameras: rotation.x positive looks down.
    this.camera.rotation.set(-this.pitch, this.yaw, 0);
    this.camera.position.copyFrom(toV3(PATIENT_EYE));
  }

  dispose(): void {
    for (const c of this.cleanups) c();
    this.camera.dispose();
  }
}

export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return (
    !!t &&
    (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)
  );
}

/** Where a room point appears on the canvas, in CSS pixels; null when behind or off screen. */
export function projectToCanvas(
  scene: Scene,
  canvas: HTMLCanvasElement,
  world: Vector3,
): { x: number; y: number } | null {
  const cam = scene.activeCamera;
  if (!cam) return null;
  const engine = scene.getEngine();
  const w = engine.getRenderWidth();
  const h = engine.getRenderHeight();
  const p = Vector3.Project(
    world,
    Matrix.IdentityReadOnly,
    scene.getTransformMatrix(),
    cam.viewport.toGlobal(w, h),
  );
  if (p.z < 0 || p.z > 1 || p.x < 0 || p.y < 0 || p.x > w || p.y > h) return null;
  const scale = canvas.clientWidth / w;
  return { x: p.x * scale, y: p.y * scale };
}
