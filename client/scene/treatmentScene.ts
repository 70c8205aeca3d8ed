/**
 * The Chairside 3D room: one Babylon scene for the patient (WebXR or flat-screen fallback) and the
 * care team (desktop orbit view). Rendering and input only: no sockets. The page feeds it room
 * state (members, poses, Otto, teeth, comfort settings) and listens to its observables.
 */
import "@babylonjs/core/Culling/ray.js";
import "@babylonjs/core/Layers/effectLayerSceneComponent.js";
import "@babylonjs/core/Lights/Shadows/shadowGeneratorSceneComponent.js";
import "@babylonjs/core/Meshes/instancedMesh.js";
import type { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import { Engine } from "@babylonjs/core/Engines/engine.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Observable } from "@babylonjs/core/Misc/observable.js";
import { Scene } from "@babylonjs/core/scene.js";
import type { Pose, PoseBatch } from "../../shared/poseCodec.ts";
import type { MemberView, OttoView, Surroundings } from "../../shared/protocol.ts";
import type { Role } from "../../shared/roles.ts";
import type { ToothNotation } from "../../shared/teeth.ts";
import { AmbientSound } from "./ambientSound.ts";
import type { ChartPlacement } from "./archChartPlacement.ts";
import {
  createDesktopCamera,
  type DesktopFraming,
  frameDesktop,
  isTyping,
  PatientLookCamera,
  projectToCanvas,
} from "./cameras.ts";
import type { ToothState } from "./dentition.ts";
import { type FrameStats, measureFramesAsync } from "./frameStats.ts";
import { OTTO_HOVER_HEIGHT, PATIENT_HEAD, roleStation, toV3, type V3, xrPlacementFor } from "./layout.ts";
import { poseTransform, seatedPose, stationPose } from "./localPose.ts";
import { UtteranceGate } from "./ottoSpeech.ts";
import { roleColour } from "./palette.ts";
import { checkinPanel, mdasPanel, ottoMenuPanel } from "./patientPanels.ts";
import {
  buildRoomParts,
  disposeRoomParts,
  type RoomParts,
  type SceneMode,
  type SceneQuality,
} from "./roomParts.ts";
import type { PanelChoice, PanelSpec } from "./worldPanel.ts";
import { type XRPlacement, XRSessionController, type XRStatus } from "./xrSession.ts";
import "./shaders.ts"; // In the bundle: a restart must not cost a material its shader

/** Frame cap outside VR in low quality. */
const LOW_QUALITY_MAX_FPS = 15;
export type { SceneMode, SceneQuality };

export interface SceneOptions {
  mode: SceneMode;
  quality?: SceneQuality;
  /** The patient's STOP (bar, S key). Default: on in patient mode. Off for a viewer from the chair. */
  stopControls?: boolean;
}
export type StopSignalKind = "button" | "raised_hand" | "key" | "panel";
export type { FrameStats, PanelChoice, PanelSpec, ToothState, XRStatus };

export interface SceneTestState {
  fps: number;
  xrState: string;
  meshCount: number;
  avatars: Record<string, { head: [number, number, number]; visible: boolean }>;
  otto: {
    state: string;
    yaw: number;
    speech: string | null;
    speechAt: { x: number; y: number } | null;
    /** The bubble's box on the page (CSS pixels), to check page notices never cover it. */
    speechRect: { left: number; top: number; right: number; bottom: number } | null;
  };
  teeth: number;
  highlighted: number[];
  toothColours: Record<number, string>;
  /** Teeth outlined for an active alarm, by priority (the panel's `alarms api` states). */
  toothAlarms: Record<number, string>;
  surroundings: string;
  breathing: boolean;
  panel: string | null;
  calmCue: string | null;
  /** The in-world STOP bar is shown (false for viewers, and while the STOP cannot reach the server). */
  stopShown: boolean;
  /** The VR controller's stop button is down, as the last XR frame saw it. */
  xrStopButtonHeld: boolean;
  cameraPosition: [number, number, number];
  /** The room is hidden and not drawn (the seat went to another window). */
  idle: boolean;
  /** Where the arch chart stands (docked beside the patient, or moved). */
  chart: ChartPlacement;
  /** On the canvas (CSS px): the chart's drag handle, its Dock button and tooth 36 (e2e clicks). */
  chartHandleAt: { x: number; y: number } | null;
  chartDockAt: { x: number; y: number } | null;
  tooth36At: { x: number; y: number } | null;
  /** The notation the 3D chart's numbers are in. */
  chartNotation: string;
}

export class TreatmentScene {
  readonly onToothPickedObservable: Observable<number>;
  readonly onStopSignalObservable = new Observable<StopSignalKind>();
  readonly onPanelChoiceObservable = new Observable<PanelChoice>();
  readonly onXRStateObservable = new Observable<XRStatus>();

  private readonly parts: RoomParts;
  private readonly sound = new AmbientSound();
  private readonly desktopCamera: ArcRotateCamera | null = null;
  private readonly lookCamera: PatientLookCamera | null = null;
  private xr: XRSessionController | null = null;
  private members: readonly MemberView[] = [];
  private selfId: string | null = null;
  private ottoView: OttoView | null = null;
  private readonly utterances = new UtteranceGate();
  private lastFrame: number | null = null;
  /** A page element over the canvas's top (the flat screen's notice) that Otto's bubble stays below. */
  private clearOf: HTMLElement | null = null;
  private nextClearCheck = 0;
  private readonly cleanups: (() => void)[] = [];
  private disposed = false;
  private idle = false;

  private constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly engine: Engine,
    private readonly scene: Scene,
    readonly mode: SceneMode,
    readonly quality: SceneQuality,
    stopControls: boolean,
  ) {
    this.parts = buildRoomParts(scene, mode, quality, stopControls);
    this.onToothPickedObservable = this.parts.dentition.onToothPickedObservable;
    this.parts.hud.onChoiceObservable.add((c) => this.onPanelChoiceObservable.notifyObservers(c));
    this.parts.hud.onStopObservable.add(() => this.onStopSignalObservable.notifyObservers("panel"));

    if (mode === "desktop") {
      this.desktopCamera = createDesktopCamera(scene, canvas);
      scene.activeCamera = this.desktopCamera;
    } else {
      this.lookCamera = new PatientLookCamera(scene, canvas);
      scene.activeCamera = this.lookCamera.camera;
      this.setScreenAligned(true);
      if (stopControls) this.listen(window, "keydown", (e) => this.onKey(e as KeyboardEvent));
    }
    scene.onBeforeRenderObservable.add(() => this.tick());
    // Low quality also caps the frame rate outside VR, so a slow PC (or software rendering) keeps
    // time for the rest of the page; a headset always gets every frame.
    const minFrameMs = quality === "low" ? 1000 / LOW_QUALITY_MAX_FPS : 0;
    let lastFrame = 0;
    engine.runRenderLoop(() => {
      const now = performance.now();
      if (this.idle) return;
      if (minFrameMs > 0 && this.xrState !== "in_xr" && now - lastFrame < minFrameMs) return;
      lastFrame = now;
      scene.render();
    });
    this.listen(window, "resize", () => engine.resize());
    if (typeof ResizeObserver !== "undefined") {
      const ro = new ResizeObserver(() => engine.resize());
      ro.observe(canvas);
      this.cleanups.push(() => ro.disconnect());
    }
  }

  /** Builds the scene and starts rendering. WebXR is probed here; `xrAvailable` tells the result. */
  static async createAsync(canvas: HTMLCanvasElement, opts: SceneOptions): Promise<TreatmentScene> {
    const engine = new Engine(canvas, true, { preserveDrawingBuffer: true, stencil: true });
    const scene = new Scene(engine);
    const ts = new TreatmentScene(
      canvas,
      engine,
      scene,
      opts.mode,
      opts.quality ?? "high",
      opts.stopControls ?? opts.mode === "patient",
    );
    const colour = roleColour(opts.mode === "patient" ? "patient" : "clinician");
    const xr = await XRSessionController.createAsync(scene, () => ts.xrPlacement(), colour, ts.quality);
    if (ts.disposed) {
      xr.dispose();
      return ts;
    }
    ts.xr = xr;
    xr.onStatusObservable.add((s) => ts.onXRStatus(s));
    xr.onStopSignalObservable.add((kind) => ts.onStopSignalObservable.notifyObservers(kind));
    return ts;
  }

  get xrAvailable(): boolean {
    return this.xr?.available ?? false;
  }

  get xrState(): XRStatus {
    return this.xr?.status ?? "unavailable";
  }

  /** Enters immersive VR; call from a user gesture (a click). True once the headset shows the room. */
  async enterXRAsync(): Promise<boolean> {
    if (!this.xr?.available) return false;
    return this.xr.enterAsync();
  }

  async exitXRAsync(): Promise<void> {
    await this.xr?.exitAsync();
  }

  /** Puts the headset user back at the chair (or their station), facing the room. */
  recenterXR(): void {
    this.xr?.recenter();
  }

  setMembers(members: readonly MemberView[], selfMemberId: string): void {
    this.members = members;
    this.selfId = selfMemberId;
    this.parts.avatars.setMembers(members, selfMemberId);
    const patientHere = this.mode === "patient" || members.some((m) => m.role === "patient");
    this.parts.unit.patientBody.setEnabled(patientHere);
  }

  pushPoseBatch(batch: PoseBatch, receivedAtMs: number): void {
    this.parts.avatars.pushPoseBatch(batch, receivedAtMs);
  }

  /** The local user's head and hands in room coordinates, to send to the server. */
  localPose(): Pose {
    const head = this.xr?.head();
    if (head) {
      const hand = (side: "left" | "right") => {
        const h = this.xr?.hand(side);
        return h ? poseTransform(h.position, h.rotation) : null;
      };
      return { head: poseTransform(head.position, head.rotation), left: hand("left"), right: hand("right") };
    }
    if (this.lookCamera) return seatedPose(this.lookCamera.camera);
    return stationPose(this.selfRole() ?? "clinician", this.desktopCamera!);
  }

  /** Otto's state, the member it turns to, and its last line (a new line opens a speech bubble). */
  setOtto(otto: OttoView): void {
    this.ottoView = otto;
    this.parts.otto.setState(otto.state);
    const text = this.utterances.accept(otto, this.parts.otto.bubbleText !== null);
    if (text) this.parts.otto.say(text, performance.now());
  }

  setToothStates(states: ReadonlyMap<number, ToothState>): void {
    this.parts.dentition.setStates(states);
  }

  highlightTeeth(teeth: readonly number[]): void {
    this.parts.dentition.highlight(teeth);
  }

  /** Tooth numbers on the 3D chart follow the reader's notation (FDI, Universal, Palmer). */
  setToothNotation(notation: ToothNotation): void {
    this.parts.dentition.setNotation(notation);
  }

  /** The arch chart goes where this person left it (docked if nowhere); their moves are saved. */
  rememberChartFor(personId: string): void {
    this.parts.dentition.rememberFor(personId);
  }

  /** Puts the arch chart back beside the patient. */
  dockChart(): void {
    this.parts.dentition.dock();
  }

  /** Where the chart's board is on the canvas (its title bar's left part: the drag handle). */
  chartHandleScreenPosition(): { x: number; y: number } | null {
    const p = this.parts.dentition.handleWorldPosition();
    return p ? this.project(p) : null;
  }

  /** Where the chart's Dock button is on the canvas. */
  chartDockScreenPosition(): { x: number; y: number } | null {
    const p = this.parts.dentition.dockButtonWorldPosition();
    return p ? this.project(p) : null;
  }

  /** Shows or hides the dentition model (shown on desktop, hidden for the patient by default). */
  setDentitionVisible(visible: boolean): void {
    this.parts.dentition.setVisible(visible);
  }

  setSurroundings(s: Surroundings): void {
    this.parts.surroundings.set(s);
    this.sound.setSurroundings(s);
  }

  /** Generated ambience for the nature scene; call with true from a user gesture. */
  setAmbientSound(on: boolean): void {
    this.sound.setEnabled(on);
  }

  setBreathingCoach(on: boolean): void {
    this.parts.coach.set(on, performance.now());
  }

  showCalmCue(text: string | null): void {
    this.parts.hud.showCalmCue(text);
  }

  /** While false, the STOP bar gives way to a large "raise your hand" message (see PatientHud). */
  setStopReachable(reachable: boolean): void {
    this.parts.hud.setStopReachable(reachable);
  }

  showPanel(panel: PanelSpec | null): void {
    this.parts.hud.showPanel(panel);
  }

  /** MDAS item `index` (0-4); the choice comes back as { panel: "mdas:N", value: "1".."5" }. */
  showMdasQuestion(index: number): void {
    this.parts.hud.showPanel(mdasPanel(index));
  }

  /** 0-10 comfort check-in; the choice comes back as { panel: "checkin", value: "0".."10" }. */
  showComfortCheckin(reason: string | null = null): void {
    this.parts.hud.showPanel(checkinPanel(reason));
  }

  /** Questions for Otto; the choice is { panel: "otto", value: PatientQuestion | "close" }. */
  showOttoMenu(): void {
    this.parts.hud.showPanel(ottoMenuPanel());
  }

  setStepInfo(text: string | null): void {
    this.parts.hud.setStepInfo(text);
  }

  /** Desktop only: jump the orbit camera to a preset framing. */
  setDesktopFraming(framing: DesktopFraming): void {
    if (this.desktopCamera)
      frameDesktop(this.desktopCamera, framing, this.parts.dentition.root.position.clone());
  }

  /** Presses a panel button by value, as a click would (keyboard shortcuts, tests). */
  pressPanelButton(value: string): boolean {
    return this.parts.hud.press(value);
  }

  /** Where a tooth is on the canvas, in CSS pixels (for end-to-end tests that click it). */
  toothScreenPosition(fdi: number): { x: number; y: number } | null {
    const p = this.parts.dentition.toothPosition(fdi);
    return p ? this.project(p) : null;
  }

  /** A visible panel button's centre in room coordinates. */
  panelButtonWorldPosition(value: string): { x: number; y: number; z: number } | null {
    const p = this.parts.hud.buttonWorldPosition(value);
    return p ? { x: p.x, y: p.y, z: p.z } : null;
  }

  /**
   * A room point in the XR rig's frame (Babylon's left-handed axes): where an emulated controller
   * must aim in reference-space coordinates, after flipping z to WebXR's right-handed axes.
   */
  xrLocalPoint(p: { x: number; y: number; z: number }): { x: number; y: number; z: number } {
    const local = this.xr?.rigLocalPoint(new Vector3(p.x, p.y, p.z)) ?? new Vector3(p.x, p.y, p.z);
    return { x: local.x, y: local.y, z: local.z };
  }

  /** Where a visible panel button is on the canvas, in CSS pixels. */
  panelButtonScreenPosition(value: string): { x: number; y: number } | null {
    const p = this.parts.hud.buttonWorldPosition(value);
    return p ? this.project(p) : null;
  }

  /** Draw calls, meshes, triangles and render time over the next `frames` frames (bench:scene). */
  measureFramesAsync(frames: number): Promise<FrameStats> {
    return measureFramesAsync(this.scene, frames);
  }

  testState(): SceneTestState {
    const cam = this.scene.activeCamera;
    const cp = cam ? cam.globalPosition : Vector3.Zero();
    return {
      fps: Math.round(this.engine.getFps() * 10) / 10,
      xrState: this.xrState,
      meshCount: this.scene.meshes.length,
      avatars: this.parts.avatars.testState(),
      otto: {
        state: this.parts.otto.state,
        yaw: this.parts.otto.yaw,
        speech: this.parts.otto.bubbleText,
        speechAt: this.parts.otto.bubbleAt,
        speechRect: this.parts.otto.bubbleRect,
      },
      teeth: this.parts.dentition.count,
      highlighted: this.parts.dentition.highlightedTeeth(),
      toothColours: this.parts.dentition.colours(),
      toothAlarms: this.parts.dentition.alarms(),
      surroundings: this.parts.surroundings.kind,
      breathing: this.parts.coach.on,
      panel: this.parts.hud.panelId,
      calmCue: this.parts.hud.calmCue,
      stopShown: this.parts.hud.stopShown,
      xrStopButtonHeld: this.xr?.stopButtonHeld ?? false,
      cameraPosition: [cp.x, cp.y, cp.z],
      idle: this.idle,
      chart: this.parts.dentition.chartPlacement,
      chartHandleAt: this.chartHandleScreenPosition(),
      chartDockAt: this.chartDockScreenPosition(),
      tooth36At: this.toothScreenPosition(36),
      chartNotation: this.parts.dentition.notationShown,
    };
  }

  /**
   * A window whose seat went elsewhere (or was refused) hides its room: it stops drawing it too, so a
   * forgotten window does not keep a PC (or the headset's battery) busy. `false` draws again.
   */
  setIdle(idle: boolean): void {
    this.idle = idle;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.engine.stopRenderLoop();
    for (const c of this.cleanups) c();
    this.xr?.dispose();
    this.sound.dispose();
    disposeRoomParts(this.parts);
    this.lookCamera?.dispose();
    this.onStopSignalObservable.clear();
    this.onPanelChoiceObservable.clear();
    this.onXRStateObservable.clear();
    this.scene.dispose();
    this.engine.dispose();
  }

  private onXRStatus(status: XRStatus): void {
    if (this.mode === "patient") this.setScreenAligned(status !== "in_xr");
    // The glow layer costs a full extra pass per eye: headsets get emissive colours without bloom.
    this.parts.glow.isEnabled = this.quality === "high" && status !== "in_xr";
    // So does the shadow map (one more draw per caster): the headset's budget is 60 draw calls.
    this.scene.shadowsEnabled = this.quality === "high" && status !== "in_xr";
    if (status === "exited") {
      // Babylon hands the XR camera's place back to the flat camera; put ours where they belong.
      this.lookCamera?.restore();
      if (this.desktopCamera) frameDesktop(this.desktopCamera, "overview");
    }
    this.onXRStateObservable.notifyObservers(status);
  }

  private setScreenAligned(on: boolean): void {
    this.parts.hud.setScreenAligned(on);
    this.parts.coach.setScreenAligned(on);
  }

  private selfRole(): Role | null {
    return this.members.find((m) => m.memberId === this.selfId)?.role ?? null;
  }

  private xrPlacement(): XRPlacement {
    const role = this.mode === "patient" ? "patient" : (this.selfRole() ?? "clinician");
    const p = xrPlacementFor(role);
    return { position: toV3(p.position), yaw: p.yaw, keepHeight: p.keepHeight };
  }

  private ottoTarget(): Vector3 | null {
    const id = this.ottoView?.lookAt ?? null;
    if (!id) return null;
    const member = this.members.find((m) => m.memberId === id);
    if (!member || member.role === "patient") return toV3(PATIENT_HEAD);
    if (id === this.selfId) {
      const p = this.localPose().head.p;
      return new Vector3(p.x, p.y, p.z);
    }
    return this.parts.avatars.headPosition(id) ?? toV3(roleStation(member.role));
  }

  /** The people (and Otto) the docked arch chart must not hide from this viewer. */
  private chartKeepsInSight(): V3[] {
    const otto = this.parts.otto.holder.position;
    return [
      ...this.parts.avatars.sightPoints(),
      PATIENT_HEAD,
      [otto.x, otto.y + OTTO_HOVER_HEIGHT + 0.3, otto.z],
    ];
  }

  /**
   * Keeps Otto's bubble below `element` (a notice laid over the top of the canvas) on the flat
   * screen, wherever the notice's text wraps to; in the headset the page is out of sight.
   */
  keepBubbleClearOf(element: HTMLElement): void {
    this.clearOf = element;
    this.nextClearCheck = 0;
  }

  /** Measures the page element the bubble keeps clear of, a few times a second. */
  private refreshBubbleInset(now: number): void {
    if (!this.clearOf || now < this.nextClearCheck) return;
    this.nextClearCheck = now + 250;
    const canvas = this.canvas.getBoundingClientRect();
    const note = this.clearOf.getBoundingClientRect();
    const shown = note.height > 0 && this.xrState !== "in_xr" && canvas.height > 0;
    // A little air under the notice, so the bubble's rounded top never touches it.
    const below = note.bottom + 8 - canvas.top;
    this.parts.otto.setBubbleTopInset(shown ? Math.max(0, below / canvas.height) : 0);
  }

  private tick(): void {
    const now = performance.now();
    this.refreshBubbleInset(now);
    const dt = this.lastFrame === null ? 0 : now - this.lastFrame;
    this.lastFrame = now;
    this.lookCamera?.update(dt);
    this.parts.avatars.update(now);
    this.parts.otto.update(now, this.ottoTarget());
    this.parts.dentition.update(now, this.chartKeepsInSight());
    this.parts.hud.update(now);
    this.parts.coach.update(now);
    this.parts.surroundings.update(now);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.repeat || isTyping(e) || (e.target as HTMLElement | null)?.tagName === "BUTTON") return;
    if (e.key === "s" || e.key === "S" || e.key === " ") {
      e.preventDefault();
      this.onStopSignalObservable.notifyObservers("key");
    }
  }

  private project(world: Vector3): { x: number; y: number } | null {
    return projectToCanvas(this.scene, this.canvas, world);
  }

  private listen(target: Window | HTMLElement, type: string, fn: (e: Event) => void): void {
    target.addEventListener(type, fn);
    this.cleanups.push(() => target.removeEventListener(type, fn));
  }
}
