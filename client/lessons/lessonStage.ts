/**
 * A lesson in 3D (issue 12): the meadow by the lake (the treatment room's nature surroundings), the
 * dentition chart in front of the learner (the room's own `Dentition`, plain enamel: a lesson shows
 * nobody's chart) whose teeth light up as the lesson names them or the brushing timer walks the
 * arch, and a world panel with the lesson's step. In a headset the controller's laser presses the
 * panel's buttons (Babylon's pointer selection, nothing fetched); on a flat screen the mouse does.
 * Rendering and input only: lessonVr.ts decides what the panel says.
 */
import "@babylonjs/core/Culling/ray.js";
import "@babylonjs/core/Lights/Shadows/shadowGeneratorSceneComponent.js";
import "@babylonjs/core/Meshes/instancedMesh.js";
import { UniversalCamera } from "@babylonjs/core/Cameras/universalCamera.js";
import { PointerEventTypes } from "@babylonjs/core/Events/pointerEvents.js";
import { DirectionalLight } from "@babylonjs/core/Lights/directionalLight.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Observable } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { V3 } from "../../shared/roomLayout.ts";
import { PERMANENT_TEETH } from "../../shared/teeth.ts";
import { chartCovers } from "../scene/archChartPlacement.ts";
import { CalmStage, type StageQuality } from "../scene/calmStage.ts";
import { projectToCanvas } from "../scene/cameras.ts";
import { Dentition, type ToothState } from "../scene/dentition.ts";
import { minLegiblePx } from "../scene/textTexture.ts";
import { type PanelChoice, type PanelSpec, WorldPanel } from "../scene/worldPanel.ts";
import type { XRSessionController, XRStatus } from "../scene/xrSession.ts";

/** The learner's eyes, seated on the deck and looking out over the lake (+z). */
const EYE = new Vector3(0, 1.2, -1.1);
const PANEL_AT = new Vector3(0.38, 1.28, 0.45);
const CHART_AT: V3 = [-0.62, 1.12, -0.05];
const PANEL_W = 1.15;
const PANEL_H = 0.7;
const PANEL_PX = 1024;
const ENAMEL = "#f4efe4";
/**
 * The flat view keeps the chart and the panel side by side on any screen: it shows at least this
 * half-angle across (radians), and a vertical field of view within these bounds.
 */
const HALF_ACROSS = 0.8;
const FOV = { min: 0.9, max: 1.6 } as const;
/** The meadow's sun stands beyond the lake, behind the chart: a soft light from the learner's side. */
const CHART_FILL = { direction: new Vector3(-0.35, -0.45, 1), intensity: 0.6 } as const;

export interface LessonStageState {
  xrState: XRStatus;
  panel: { id: string; title: string; body: string; buttons: string[] } | null;
  /** Each panel button: on the canvas (CSS px) and in the XR rig's frame (to aim a controller). */
  panelButtons: Record<
    string,
    { screen: { x: number; y: number } | null; rig: { x: number; y: number; z: number } | null }
  >;
  /** Teeth lit on the 3D dentition now. */
  litTeeth: number[];
  /** Frames drawn so far (tests wait for a frame to see a controller's release). */
  frames: number;
  /** Where the dentition stands, and whether it hides any panel button from the viewer's eye. */
  chart: { x: number; y: number; z: number; hidesPanel: boolean };
  /** The last press (mouse or trigger): the nearest pickable mesh on its ray, and whether the scene's pointer observers got it. */
  lastPress: { hit: string | null; delivered: boolean } | null;
}

export class LessonStage {
  readonly onPanelChoiceObservable = new Observable<PanelChoice>();
  readonly onXRStateObservable = new Observable<XRStatus>();
  private readonly scene: Scene;
  private readonly dentition: Dentition;
  private readonly panel: WorldPanel;
  private xr: XRSessionController | null = null;
  private panelKey = "";
  private lit: number[] = [];
  private lastPress: LessonStageState["lastPress"] = null;
  private disposed = false;

  private constructor(private readonly stage: CalmStage) {
    const scene = stage.scene;
    this.scene = scene;
    this.dentition = new Dentition(scene, null);
    const plain = new Map<number, ToothState>(
      PERMANENT_TEETH.map((fdi) => [fdi, { colour: ENAMEL, label: "", alarm: null }]),
    );
    this.dentition.setStates(plain);
    // The chart stands beside the panel for good: the treatment room's docking would move it
    // in front of the panel, where its board took the laser's presses.
    this.dentition.standAt(CHART_AT);
    // Lights the chart alone (the meadow keeps its light): teeth read as enamel, not olive shade.
    const fill = new DirectionalLight("lesson-chart-fill", CHART_FILL.direction.clone(), scene);
    fill.intensity = CHART_FILL.intensity;
    fill.specular = Color3.Black();
    fill.includedOnlyMeshes = this.dentition.root.getChildMeshes();

    this.panel = new WorldPanel(
      scene,
      "lesson",
      PANEL_W,
      PANEL_H,
      PANEL_PX,
      minLegiblePx(Vector3.Distance(EYE, PANEL_AT), PANEL_W, PANEL_PX),
    );
    this.panel.placeFacing(PANEL_AT, EYE);
    this.panel.onChoiceObservable.add((c) => this.onPanelChoiceObservable.notifyObservers(c));

    const camera = new UniversalCamera("lesson-camera", EYE.clone(), scene);
    camera.setTarget(new Vector3(0, 1.15, 0.4));
    // Looking around with a drag is enough on a flat screen; the keys stay the page's.
    camera.inputs.removeByType("FreeCameraKeyboardMoveInput");
    stage.useCamera(camera);
    // A narrower canvas (a 1920×1080 window's) must not cut the chart off the left edge.
    const fitAcross = () => {
      const aspect = stage.engine.getAspectRatio(camera);
      const fov = 2 * Math.atan(Math.tan(HALF_ACROSS) / Math.max(aspect, 0.1));
      camera.fov = Math.min(FOV.max, Math.max(FOV.min, fov));
    };
    fitAcross();
    stage.engine.onResizeObservable.add(fitAcross);

    scene.onBeforeRenderObservable.add(() => {
      const now = performance.now();
      this.dentition.update(now);
      this.panel.update(now);
    });
    // Runs after the dentition's own pre-pointer hook, so it sees whether that hook kept the press.
    scene.onPrePointerObservable.add((info) => {
      if (info.type !== PointerEventTypes.POINTERDOWN) return;
      const hit = info.ray
        ? scene.pickWithRay(info.ray, (m) => m.isPickable && m.isEnabled())
        : scene.pick(info.localPosition.x, info.localPosition.y);
      this.lastPress = { hit: hit?.pickedMesh?.name ?? null, delivered: !info.skipOnPointerObservable };
    });
    stage.start(() => this.xrState === "in_xr");
  }

  static async createAsync(canvas: HTMLCanvasElement, quality: StageQuality): Promise<LessonStage> {
    const stage = new LessonStage(new CalmStage(canvas, quality));
    const xr = await stage.stage.xrAsync(() => ({ position: EYE.clone(), yaw: 0, keepHeight: false }));
    if (stage.disposed) {
      xr.dispose();
      return stage;
    }
    stage.xr = xr;
    xr.onStatusObservable.add((s) => stage.onXRStateObservable.notifyObservers(s));
    return stage;
  }

  get xrAvailable(): boolean {
    return this.xr?.available ?? false;
  }

  get xrState(): XRStatus {
    return this.xr?.status ?? "unavailable";
  }

  /** Enters immersive VR; call from a click. */
  async enterXRAsync(): Promise<boolean> {
    return this.xr?.available ? this.xr.enterAsync() : false;
  }

  async exitXRAsync(): Promise<void> {
    await this.xr?.exitAsync();
  }

  /** The step on the panel; redrawn only when its words change. */
  showPanel(spec: PanelSpec | null): void {
    const key = JSON.stringify(spec);
    if (key === this.panelKey) return;
    this.panelKey = key;
    this.panel.show(spec);
  }

  /** Lights these teeth on the dentition (none: all plain). */
  lightTeeth(teeth: readonly number[]): void {
    if (teeth.join(",") === this.lit.join(",")) return;
    this.lit = [...teeth];
    this.dentition.highlight(teeth);
  }

  testState(): LessonStageState {
    const spec = this.panel.spec;
    const at = (value: string) => {
      const p = this.panel.buttonWorldPosition(value);
      if (!p) return { screen: null, rig: null };
      const local = this.xr?.rigLocalPoint(p) ?? p;
      return {
        screen: projectToCanvas(this.scene, this.stage.canvas, p),
        rig: { x: local.x, y: local.y, z: local.z },
      };
    };
    return {
      xrState: this.xrState,
      panel: spec
        ? { id: spec.id, title: spec.title, body: spec.body, buttons: spec.buttons.map((b) => b.value) }
        : null,
      panelButtons: Object.fromEntries((spec?.buttons ?? []).map((b) => [b.value, at(b.value)])),
      litTeeth: this.dentition.highlightedTeeth(),
      frames: this.stage.frames,
      chart: this.chartState(),
      lastPress: this.lastPress,
    };
  }

  private chartState(): LessonStageState["chart"] {
    const { x, y, z } = this.dentition.root.position;
    const e = this.scene.activeCamera?.globalPosition;
    const hidesPanel =
      e !== undefined &&
      (this.panel.spec?.buttons ?? []).some((b) => {
        const p = this.panel.buttonWorldPosition(b.value);
        return p !== null && chartCovers([x, y, z], [e.x, e.y, e.z], [p.x, p.y, p.z]);
      });
    return { x, y, z, hidesPanel };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.xr?.dispose();
    this.panel.dispose();
    this.dentition.dispose();
    this.onPanelChoiceObservable.clear();
    this.onXRStateObservable.clear();
    this.stage.dispose();
  }
}
