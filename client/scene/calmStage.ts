/**
 * The calm stage a lesson and Noah's support circle stand on (issue 12): one engine and scene, the
 * meadow by the lake with its light and shadows (the treatment room's nature surroundings), the
 * daylight sky dome, the flat screen's camera set-up, its frame cap and resize, and the headset.
 * Written once here so both stages look and behave alike; each page builds its own parts (the
 * panel, the chairs, the dentition) on `scene` and then calls `start`.
 */
import type { Camera } from "@babylonjs/core/Cameras/camera.js";
import { Engine } from "@babylonjs/core/Engines/engine.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { Scene } from "@babylonjs/core/scene.js";
import { buildCircleSky } from "./groupCircleSky.ts";
import { SurroundingsController } from "./surroundings.ts";
import { type XRPlacement, XRSessionController } from "./xrSession.ts";
import "./shaders.ts"; // In the bundle: a restart must not cost a material its shader

export type StageQuality = "high" | "low";

/** Frame cap outside VR in low quality: a slow PC or software rendering keeps time for the page. */
const LOW_QUALITY_MAX_FPS = 15;
/** Pixels drawn per CSS pixel in low quality (a third fewer each way). */
const LOW_QUALITY_SCALING = 1.5;
/** The headset's hands: a warm skin tone, the same on every calm stage. */
const HAND_COLOUR = "#e0b497";
/** A seated viewer's near plane: the panel and the chart are within arm's reach. */
const NEAR_M = 0.05;

export class CalmStage {
  readonly engine: Engine;
  readonly scene: Scene;
  readonly surroundings: SurroundingsController;
  private readonly sky: Mesh;
  private framesDrawn = 0;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly quality: StageQuality,
  ) {
    this.engine = new Engine(canvas, true, { preserveDrawingBuffer: true, stencil: true });
    this.scene = new Scene(this.engine);
    this.surroundings = new SurroundingsController(this.scene);
    this.surroundings.set("nature");
    this.sky = buildCircleSky(this.scene);
    this.scene.onBeforeRenderObservable.add(() => this.surroundings.update(performance.now()));
    this.scene.onAfterRenderObservable.add(() => {
      this.framesDrawn += 1;
    });
  }

  /** Frames drawn so far (a headset's, in VR): tests wait for frames, not for time. */
  get frames(): number {
    return this.framesDrawn;
  }

  /** The flat screen's camera: looking around with a drag, a seated viewer's near plane. */
  useCamera(camera: Camera): void {
    camera.minZ = NEAR_M;
    camera.attachControl(true);
    this.scene.activeCamera = camera;
  }

  /**
   * Starts drawing, once the page's own parts are built: only parts marked interactive take the
   * pointer or the laser; low quality draws no shadows, fewer pixels and, outside VR
   * (`inXR`), at most 15 frames a second; the canvas follows the window and its own size.
   */
  start(inXR: () => boolean): void {
    for (const m of this.scene.meshes) if (!m.metadata?.interactive) m.isPickable = false;
    if (this.quality === "low") {
      this.scene.shadowsEnabled = false;
      this.engine.setHardwareScalingLevel(LOW_QUALITY_SCALING);
    }
    const minFrameMs = this.quality === "low" ? 1000 / LOW_QUALITY_MAX_FPS : 0;
    let lastFrame = 0;
    this.engine.runRenderLoop(() => {
      const now = performance.now();
      if (minFrameMs > 0 && !inXR() && now - lastFrame < minFrameMs) return;
      lastFrame = now;
      this.scene.render();
    });
    const resize = () => this.engine.resize();
    window.addEventListener("resize", resize);
    this.cleanups.push(() => window.removeEventListener("resize", resize));
    if (typeof ResizeObserver !== "undefined") {
      const ro = new ResizeObserver(resize);
      ro.observe(this.canvas);
      this.cleanups.push(() => ro.disconnect());
    }
  }

  /**
   * The headset, probed without touching the network; `placement` seats its wearer. A headset
   * draws each eye, so it gets no shadow map.
   */
  async xrAsync(placement: () => XRPlacement): Promise<XRSessionController> {
    const xr = await XRSessionController.createAsync(this.scene, placement, HAND_COLOUR, this.quality);
    xr.onStatusObservable.add((s) => {
      this.scene.shadowsEnabled = this.quality === "high" && s !== "in_xr";
    });
    return xr;
  }

  /** Stops drawing and frees the stage; the page disposes its own parts first. */
  dispose(): void {
    this.engine.stopRenderLoop();
    for (const c of this.cleanups) c();
    this.sky.dispose(false, true);
    this.surroundings.dispose();
    this.scene.dispose();
    this.engine.dispose();
  }
}
