/**
 * Noah's support group as a 3D circle (issue 12): chairs in a ring on the meadow's deck by the
 * lake (the treatment room's nature surroundings), one seated person per participant under their
 * chosen name, Otto hovering over his own chair, and a world panel above the middle with the
 * agenda's topic, its timer and "Raise my hand" (or a lesson's step while the host runs one). A
 * flat screen looks over its own chair's shoulder and may turn the view; a headset sits in that
 * chair (WebXR, nothing fetched). Rendering and input only: the page feeds it the group's view and
 * the relayed poses, and listens to its panel.
 */
import "@babylonjs/core/Culling/ray.js";
import "@babylonjs/core/Layers/effectLayerSceneComponent.js";
import "@babylonjs/core/Lights/Shadows/shadowGeneratorSceneComponent.js";
import "@babylonjs/core/Meshes/instancedMesh.js";
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import { GlowLayer } from "@babylonjs/core/Layers/glowLayer.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateDisc } from "@babylonjs/core/Meshes/Builders/discBuilder.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { Observable } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Pose, PoseBatch } from "../../shared/poseCodec.ts";
import type { GroupMemberView } from "../../shared/supportGroup.ts";
import { CalmStage, type StageQuality } from "./calmStage.ts";
import { projectToCanvas } from "./cameras.ts";
import { Dentition, type ToothState } from "./dentition.ts";
import { type CircleAvatarState, CircleAvatars, seatedCirclePose } from "./groupCircleAvatars.ts";
import {
  allSeats,
  assignSeats,
  CIRCLE_MIDDLE,
  CIRCLE_RADIUS,
  panelPlace,
  SEAT_Y,
  type Seat,
  seatAt,
  seatedEye,
} from "./groupCircleLayout.ts";
import { OTTO_HOVER_HEIGHT } from "./layout.ts";
import { poseTransform } from "./localPose.ts";
import { buildOttoFigure, OttoAvatar } from "./ottoAvatar.ts";
import { matte } from "./palette.ts";
import { rod, roundedBox } from "./shapes.ts";
import { batchStatic } from "./staticBatch.ts";
import { minLegiblePx } from "./textTexture.ts";
import { type PanelChoice, type PanelSpec, WorldPanel } from "./worldPanel.ts";
import type { XRSessionController, XRStatus } from "./xrSession.ts";

export type CircleQuality = StageQuality;

const PANEL_W = 1.2;
const PANEL_H = 0.68;
const PANEL_PX = 1024;
/** How far the flat view stands from the middle: over the viewer's own chair's shoulder. */
const FLAT_VIEW_RADIUS = 4.6;
/** How far a seated person reaches out past their chair's spot on the ring (metres). */
const PERSON_REACH = 0.5;
/** Space kept between the ring of people and the free part's edges (CSS px). */
const FIT_MARGIN_PX = 16;

export interface CircleTestState {
  xrState: XRStatus;
  /** Where each person sits and is drawn (Otto excluded). */
  people: Record<string, CircleAvatarState>;
  ottoSeat: { x: number; z: number } | null;
  ottoSpeech: string | null;
  you: string | null;
  yourSeat: number | null;
  panel: { title: string; body: string; buttons: string[] } | null;
  /** Where each panel button is: on the canvas (CSS px) and in the XR rig's frame (to aim a controller). */
  panelButtons: Record<
    string,
    { screen: { x: number; y: number } | null; rig: { x: number; y: number; z: number } | null }
  >;
  /** Teeth lit on the circle's dentition (a lesson's brushing walk); null when it is not shown. */
  litTeeth: number[] | null;
  meshCount: number;
  /** Frames drawn so far (a headset's, in VR). */
  frames: number;
  cameraPosition: [number, number, number];
  /** Each drawn person's head on the canvas (CSS px; null when off screen), Otto's under "otto". */
  headsOnCanvas: Record<string, { x: number; y: number } | null>;
  /** How far the flat view's circle is moved left to make room for the topic's card (CSS px). */
  viewInsetPx: number;
}

/** Builds a dining-style chair (seat, back, four legs) facing +z at the origin, under `parent`. */
function buildChair(parent: TransformNode, seat: Seat): void {
  const scene = parent.getScene();
  const wood = matte(scene, "circle-chair-wood", "#b48a62", { specular: 0.05 });
  const cushion = matte(scene, "circle-chair-cushion", "#e8dcc6", { specular: 0.02 });
  const chair = new TransformNode(`circle-chair-${seat.index}`, scene);
  chair.parent = parent;
  chair.position.set(seat.x, 0, seat.z);
  chair.rotation.y = seat.yaw;
  const part = (m: ReturnType<typeof roundedBox>, x: number, y: number, z: number) => {
    m.parent = chair;
    m.position.set(x, y, z);
    return m;
  };
  part(roundedBox("circle-seat", scene, 0.48, 0.06, 0.46, 0.3, 6), 0, SEAT_Y - 0.03, 0).material = wood;
  part(roundedBox("circle-cushion", scene, 0.44, 0.04, 0.42, 0.8, 6), 0, SEAT_Y + 0.015, 0.01).material =
    cushion;
  part(roundedBox("circle-back", scene, 0.46, 0.42, 0.05, 0.4, 6), 0, SEAT_Y + 0.3, -0.22).material = wood;
  for (const [x, z] of [
    [-0.2, -0.19],
    [0.2, -0.19],
    [-0.2, 0.19],
    [0.2, 0.19],
  ] as const) {
    const leg = rod("circle-leg", scene, new Vector3(x, 0, z), new Vector3(x, SEAT_Y - 0.06, z), 0.04);
    leg.parent = chair;
    leg.material = wood;
  }
}

export class GroupCircleScene {
  readonly onPanelChoiceObservable = new Observable<PanelChoice>();
  readonly onXRStateObservable = new Observable<XRStatus>();

  private readonly canvas: HTMLCanvasElement;
  private readonly scene: Scene;
  private readonly glow: GlowLayer;
  private readonly avatars: CircleAvatars;
  private readonly otto: OttoAvatar;
  private readonly panel: WorldPanel;
  private readonly camera: ArcRotateCamera;
  private dentition: Dentition | null = null;
  private xr: XRSessionController | null = null;
  private members: readonly GroupMemberView[] = [];
  private seats = new Map<string, number>();
  private selfId: string | null = null;
  private handRaised = false;
  private panelKey = "";
  private ottoSaid: string | null = null;
  private litTeeth: number[] | null = null;
  private readonly cleanups: (() => void)[] = [];
  private disposed = false;
  /** CSS px on the canvas's right that the page covers (the topic's card): the flat view centres the circle left of it. */
  private viewInsetPx = 0;
  /** The canvas size and inset the flat view was last fitted to. */
  private readonly insetFitted = { w: -1, h: -1, inset: -1 };

  private constructor(private readonly stage: CalmStage) {
    const scene = stage.scene;
    this.canvas = stage.canvas;
    this.scene = scene;
    this.glow = new GlowLayer("circle-glow", scene, { mainTextureRatio: 0.25, blurKernelSize: 32 });
    this.glow.intensity = 0.45;

    const chairs = new TransformNode("circle-chairs", scene);
    for (const seat of allSeats()) buildChair(chairs, seat);
    // A soft round rug in the middle, so the ring reads as one place.
    const rug = CreateDisc("circle-rug", { radius: 1.05, tessellation: 48 }, scene);
    rug.rotation.x = Math.PI / 2;
    rug.position.y = 0.006;
    rug.material = matte(scene, "circle-rug", "#d9c9a8", { specular: 0 });
    rug.parent = chairs;
    // Nothing in the ring moves: one or two draws for thirteen chairs and the rug.
    batchStatic(chairs, "circle-chairs", { shadows: stage.surroundings.shadows });

    this.avatars = new CircleAvatars(scene);
    this.otto = new OttoAvatar(scene, this.glow, stage.surroundings.shadows);
    this.otto.useFigure([buildOttoFigure(scene)]);
    const ottoSeat = seatAt(0);
    this.otto.holder.position.set(ottoSeat.x, 0, ottoSeat.z);

    this.panel = new WorldPanel(
      scene,
      "circle",
      PANEL_W,
      PANEL_H,
      PANEL_PX,
      minLegiblePx(2.1, PANEL_W, PANEL_PX),
    );
    this.panel.onChoiceObservable.add((c) => this.onPanelChoiceObservable.notifyObservers(c));

    this.camera = new ArcRotateCamera(
      "circle-camera",
      0,
      1.12,
      4.6,
      new Vector3(CIRCLE_MIDDLE.x, CIRCLE_MIDDLE.y, CIRCLE_MIDDLE.z),
      scene,
    );
    this.camera.lowerRadiusLimit = 2.6;
    this.camera.upperRadiusLimit = 7;
    this.camera.lowerBetaLimit = 0.5;
    this.camera.upperBetaLimit = 1.45;
    // The page scrolls under a flat screen's wheel; dragging turns the circle.
    this.camera.inputs.removeByType("ArcRotateCameraMouseWheelInput");
    stage.useCamera(this.camera);
    this.placeViewer(seatAt(1));

    if (stage.quality === "low") this.glow.isEnabled = false;
    scene.onBeforeRenderObservable.add(() => this.tick());
    stage.start(() => this.xrState === "in_xr");
  }

  /** Builds the circle and starts drawing; WebXR is probed here (`xrAvailable`). */
  static async createAsync(canvas: HTMLCanvasElement, quality: CircleQuality): Promise<GroupCircleScene> {
    const circle = new GroupCircleScene(new CalmStage(canvas, quality));
    const xr = await circle.stage.xrAsync(() => {
      const eye = seatedEye(circle.mySeat());
      return { position: new Vector3(eye.x, eye.y, eye.z), yaw: circle.mySeat().yaw, keepHeight: false };
    });
    if (circle.disposed) {
      xr.dispose();
      return circle;
    }
    circle.xr = xr;
    xr.onStatusObservable.add((s) => circle.onXRStatus(s));
    return circle;
  }

  get quality(): CircleQuality {
    return this.stage.quality;
  }

  get xrAvailable(): boolean {
    return this.xr?.available ?? false;
  }

  get xrState(): XRStatus {
    return this.xr?.status ?? "unavailable";
  }

  /** Enters immersive VR in this person's chair; call from a click. */
  async enterXRAsync(): Promise<boolean> {
    return this.xr?.available ? this.xr.enterAsync() : false;
  }

  async exitXRAsync(): Promise<void> {
    await this.xr?.exitAsync();
  }

  /** The circle as the group's view has it: who sits where, hands, Otto's last words. */
  setMembers(members: readonly GroupMemberView[], selfId: string, ottoWords: string | null): void {
    const seatBefore = this.selfId ? this.seats.get(this.selfId) : undefined;
    this.members = members;
    this.selfId = selfId;
    this.seats = assignSeats(members);
    this.handRaised = members.find((m) => m.memberId === selfId)?.handRaised ?? false;
    this.avatars.setMembers(members, this.seats, selfId);
    if (this.seats.get(selfId) !== seatBefore) this.placeViewer(this.mySeat());
    if (ottoWords && ottoWords !== this.ottoSaid) this.otto.say(ottoWords, performance.now());
    this.ottoSaid = ottoWords;
  }

  pushPoseBatch(batch: PoseBatch, receivedAtMs: number): void {
    this.avatars.pushPoseBatch(batch, receivedAtMs);
  }

  /** The panel over the middle (null hides it); redrawn only when its words change. */
  showPanel(spec: PanelSpec | null): void {
    const key = JSON.stringify(spec);
    if (key === this.panelKey) return;
    this.panelKey = key;
    this.panel.show(spec);
  }

  /**
   * Keeps the circle clear of something the page lays over the canvas's right side (`px` CSS px
   * wide, 0 for none): the flat view's circle is centred in what is left.
   */
  setViewInset(px: number): void {
    this.viewInsetPx = Math.max(0, px);
  }

  /** Presses a panel button by value, as a click would (keyboard users, tests). */
  pressPanelButton(value: string): boolean {
    return this.panel.press(value);
  }

  /** A visible panel button's centre on the canvas (CSS px), for tests that click real pixels. */
  panelButtonScreenPosition(value: string): { x: number; y: number } | null {
    const p = this.panel.buttonWorldPosition(value);
    return p ? projectToCanvas(this.scene, this.canvas, p) : null;
  }

  /** A visible panel button's centre in the XR rig's frame (for aiming an emulated controller). */
  panelButtonRigPoint(value: string): { x: number; y: number; z: number } | null {
    const p = this.panel.buttonWorldPosition(value);
    if (!p) return null;
    const local = this.xr?.rigLocalPoint(p) ?? p;
    return { x: local.x, y: local.y, z: local.z };
  }

  /**
   * Lights teeth on a dentition standing in the middle of the circle (a lesson's brushing walk);
   * null puts the dentition away. The teeth are plain enamel: a lesson shows no one's chart.
   */
  lightTeeth(teeth: readonly number[] | null): void {
    if (teeth === null) {
      this.dentition?.setVisible(false);
      this.litTeeth = null;
      return;
    }
    if (!this.dentition) {
      this.dentition = new Dentition(this.scene, null);
      const plain = new Map<number, ToothState>();
      for (let q = 1; q <= 4; q++)
        for (let n = 1; n <= 8; n++) plain.set(q * 10 + n, { colour: "#f4efe4", label: "", alarm: null });
      this.dentition.setStates(plain);
    }
    this.dentition.setVisible(true);
    this.dentition.standAt([CIRCLE_MIDDLE.x, 1.05, CIRCLE_MIDDLE.z]);
    this.dentition.highlight(teeth);
    this.litTeeth = [...teeth];
  }

  /** This person's pose for the relay: the headset's head and hands, or sitting in their chair. */
  localPose(): Pose {
    const head = this.xr?.head();
    if (head) {
      const hand = (side: "left" | "right") => {
        const h = this.xr?.hand(side);
        return h ? poseTransform(h.position, h.rotation) : null;
      };
      return { head: poseTransform(head.position, head.rotation), left: hand("left"), right: hand("right") };
    }
    return seatedCirclePose(this.mySeat(), this.handRaised);
  }

  testState(): CircleTestState {
    const spec = this.panel.spec;
    const cp = this.scene.activeCamera?.globalPosition ?? Vector3.Zero();
    const ottoAt = this.otto.holder.position;
    return {
      xrState: this.xrState,
      people: this.avatars.testState(),
      ottoSeat: this.members.some((m) => m.role === "otto") ? { x: ottoAt.x, z: ottoAt.z } : null,
      ottoSpeech: this.otto.bubbleText,
      you: this.selfId,
      yourSeat: this.selfId ? (this.seats.get(this.selfId) ?? null) : null,
      panel: spec ? { title: spec.title, body: spec.body, buttons: spec.buttons.map((b) => b.value) } : null,
      panelButtons: Object.fromEntries(
        (spec?.buttons ?? []).map((b) => [
          b.value,
          { screen: this.panelButtonScreenPosition(b.value), rig: this.panelButtonRigPoint(b.value) },
        ]),
      ),
      litTeeth: this.litTeeth,
      meshCount: this.scene.meshes.length,
      frames: this.stage.frames,
      cameraPosition: [cp.x, cp.y, cp.z],
      headsOnCanvas: this.headsOnCanvas(),
      viewInsetPx: this.viewInsetPx,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.cleanups) c();
    this.xr?.dispose();
    this.panel.dispose();
    this.dentition?.dispose();
    this.otto.dispose();
    this.avatars.dispose();
    this.glow.dispose();
    this.onPanelChoiceObservable.clear();
    this.onXRStateObservable.clear();
    this.stage.dispose();
  }

  private headsOnCanvas(): Record<string, { x: number; y: number } | null> {
    const out: Record<string, { x: number; y: number } | null> = {};
    for (const m of this.members) {
      const head =
        m.role === "otto" ? this.otto.holder.getAbsolutePosition() : this.avatars.headOf(m.memberId);
      if (!head) continue;
      out[m.role === "otto" ? "otto" : m.memberId] = projectToCanvas(
        this.scene,
        this.canvas,
        new Vector3(head.x, head.y + (m.role === "otto" ? OTTO_HOVER_HEIGHT + 0.3 : 0), head.z),
      );
    }
    return out;
  }

  /**
   * Makes room for the page's inset on a flat screen: the camera steps back until the ring of
   * people fits the part of the canvas left free (never closer than the usual view), and the view
   * moves sideways (in the view's plane, so turning still circles the middle) to centre the circle
   * there. Recomputed only when the canvas or the inset changes, so a pinch's zoom stays.
   */
  private applyViewInset(): void {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const fitted = this.insetFitted;
    if (h <= 0 || (fitted.w === w && fitted.h === h && fitted.inset === this.viewInsetPx)) return;
    fitted.w = w;
    fitted.h = h;
    fitted.inset = this.viewInsetPx;
    const tan = Math.tan(this.camera.fov / 2);
    const free = Math.max(1, w - this.viewInsetPx - 2 * FIT_MARGIN_PX);
    // The widest point of a ring of reach R seen from r away is R/√(r²−R²) of the depth across (to
    // one side); it fits half the free width, k = free·tan(fov/2)/h, from r = R·√(1 + 1/k²) back.
    const reach = CIRCLE_RADIUS + PERSON_REACH;
    const k = (free * tan) / h;
    const fit = reach * Math.sqrt(1 + 1 / (k * k));
    this.camera.radius = Math.min(this.camera.upperRadiusLimit ?? fit, Math.max(FLAT_VIEW_RADIUS, fit));
    const metresPerPx = (2 * this.camera.radius * tan) / h;
    this.camera.targetScreenOffset.x = (-this.viewInsetPx / 2) * metresPerPx;
  }

  private mySeat(): Seat {
    const index = this.selfId ? this.seats.get(this.selfId) : undefined;
    return seatAt(index ?? 1);
  }

  /** The flat view looks over this chair's shoulder at the middle; the panel turns to the chair. */
  private placeViewer(seat: Seat): void {
    this.camera.alpha = Math.atan2(seat.z, seat.x);
    this.camera.beta = 1.12;
    this.camera.radius = FLAT_VIEW_RADIUS;
    this.insetFitted.w = -1;
    const at = panelPlace(seat);
    const eye = seatedEye(seat);
    this.panel.placeFacing(new Vector3(at.x, at.y, at.z), new Vector3(eye.x, eye.y, eye.z));
  }

  private onXRStatus(status: XRStatus): void {
    // A headset draws each eye: no bloom pass, no shadow map.
    this.glow.isEnabled = this.quality === "high" && status !== "in_xr";
    this.scene.shadowsEnabled = this.quality === "high" && status !== "in_xr";
    if (status === "exited") {
      this.scene.activeCamera = this.camera;
      this.placeViewer(this.mySeat());
    }
    this.onXRStateObservable.notifyObservers(status);
  }

  /** Otto turns to whoever has a hand up, else to the host, else to the middle. */
  private ottoTarget(): Vector3 {
    const raised = this.members.find((m) => m.handRaised && m.role !== "otto");
    const host = this.members.find((m) => m.role === "host");
    const who = raised ?? host;
    const head = who ? this.avatars.headOf(who.memberId) : null;
    return head ? new Vector3(head.x, head.y, head.z) : new Vector3(0, 1.1, 0);
  }

  private tick(): void {
    const now = performance.now();
    const inXR = this.xrState === "in_xr";
    if (!inXR) this.applyViewInset();
    this.avatars.setSelf(this.localPose(), !inXR);
    this.avatars.update(now);
    this.otto.update(now, this.ottoTarget());
    this.panel.update(now);
    this.dentition?.update(now);
  }
}
