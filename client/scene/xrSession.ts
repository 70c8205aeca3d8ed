/**
 * Immersive VR for the patient, with nothing fetched from the network: no online controller
 * profiles, no controller or hand models (we draw small hand blocks ourselves), no teleport, no
 * locomotion. The user's head is placed at the chair's eye point on entry. Stop signals: the A/X
 * button, a firm squeeze held briefly, or a hand raised above the head for half a second.
 */

import { Quaternion, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { Observable } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { WebXRDefaultExperience } from "@babylonjs/core/XR/webXRDefaultExperience.js";
import type { WebXRInputSource } from "@babylonjs/core/XR/webXRInputSource.js";
import { WebXRSessionManager } from "@babylonjs/core/XR/webXRSessionManager.js";
import { WebXRState } from "@babylonjs/core/XR/webXRTypes.js";
import "@babylonjs/core/XR/motionController/webXRMotionControllerManager.js";
import "@babylonjs/core/XR/motionController/webXROculusTouchMotionController.js";
import "@babylonjs/core/XR/motionController/webXRGenericMotionController.js";
import { matte } from "./palette.ts";
import { roundedBox } from "./shapes.ts";

export type XRStatus = "unavailable" | "ready" | "entering" | "in_xr" | "exited";
export type XRStopKind = "button" | "raised_hand";

/** Where the user's head goes on entry: a point, a facing (yaw, radians) and whether to keep real height. */
export interface XRPlacement {
  position: Vector3;
  yaw: number;
  keepHeight: boolean;
}

export interface TrackedTransform {
  position: Vector3;
  rotation: Quaternion;
}

/** Tuning of the stop gestures. */
export const STOP_GESTURES = {
  /** xr-standard gamepad index of the primary face button (A on the right, X on the left). */
  primaryButton: 4,
  squeezeButton: 1,
  squeezeThreshold: 0.9,
  squeezeHoldMs: 300,
  raisedAboveHeadM: 0.15,
  raisedHoldMs: 500,
} as const;

interface HandTrack {
  source: WebXRInputSource;
  mesh: AbstractMesh;
  primaryWasDown: boolean;
  squeezeSince: number | null;
  squeezeFired: boolean;
  raisedSince: number | null;
  raisedFired: boolean;
}

/** A headset may show a permission prompt first; give up waiting after this long. */
const ENTER_TIMEOUT_MS = 30_000;

export class XRSessionController {
  readonly onStatusObservable = new Observable<XRStatus>();
  readonly onStopSignalObservable = new Observable<XRStopKind>();
  private statusNow: XRStatus;
  private readonly hands = new Map<string, HandTrack>();
  /**
   * The XR camera's parent. We place the user by moving this rig rather than by offsetting the
   * reference space: it is plain scene math, and it also works with emulated runtimes whose
   * getOffsetReferenceSpace is incomplete (IWER 2.5).
   */
  private readonly rig: TransformNode;

  private constructor(
    private readonly scene: Scene,
    private readonly xr: WebXRDefaultExperience | null,
    private readonly placement: () => XRPlacement,
    private readonly handColour: string,
  ) {
    this.statusNow = xr ? "ready" : "unavailable";
    this.rig = new TransformNode("xr-rig", scene);
    this.rig.rotationQuaternion = Quaternion.Identity();
    if (!xr) return;
    const base = xr.baseExperience;
    base.camera.parent = this.rig;
    // Babylon copies the flat camera's place into the XR camera on entry; start from the rig's
    // origin instead, so the first frame leaves the reference space alone and the rig does the rest.
    base.onInitialXRPoseSetObservable.add((cam) => {
      cam.position.setAll(0);
      cam.rotationQuaternion = Quaternion.Identity();
    });
    base.onStateChangedObservable.add((state) => {
      switch (state) {
        case WebXRState.ENTERING_XR:
          this.setStatus("entering");
          break;
        case WebXRState.IN_XR:
          // The first frame has been applied; move that head pose to the chair.
          this.recenter();
          this.setStatus("in_xr");
          break;
        case WebXRState.NOT_IN_XR:
          // After a session: "exited". After an entry that never got going: back to "ready".
          this.setStatus(this.statusNow === "in_xr" ? "exited" : "ready");
          break;
        case WebXRState.EXITING_XR:
          break;
      }
    });
    base.sessionManager.onXRFrameObservable.add(() => this.onFrame());
    // Before each render, after Babylon's pointer selection (attached on entry) has set its lasers.
    scene.onBeforeRenderObservable.add(() => {
      if (this.statusNow === "in_xr") this.quietLasers();
    });
    xr.input.onControllerAddedObservable.add((source) => this.addHand(source));
    xr.input.onControllerRemovedObservable.add((source) => this.removeHand(source));
  }

  /** Checks for immersive VR and sets Babylon's XR up without touching the network. */
  static async createAsync(
    scene: Scene,
    placement: () => XRPlacement,
    handColour: string,
    quality: "high" | "low" = "high",
  ): Promise<XRSessionController> {
    const supported = await WebXRSessionManager.IsSessionSupportedAsync("immersive-vr");
    if (!supported) return new XRSessionController(scene, null, placement, handColour);
    const xr = await WebXRDefaultExperience.CreateAsync(scene, {
      disableDefaultUI: true,
      disableTeleportation: true,
      disableNearInteraction: true,
      // Either hand can point and press: a patient should not have to find "the right" controller.
      pointerSelectionOptions: { enablePointerSelectionOnAllControllers: true },
      inputOptions: { disableOnlineControllerRepository: true, doNotLoadControllerMeshes: true },
      handSupportOptions: { handMeshes: { disableDefaultMeshes: true }, jointMeshes: { invisible: true } },
      uiOptions: { sessionMode: "immersive-vr", referenceSpaceType: "local-floor" },
      // Low quality renders the headset's eyes at a sixteenth of the pixels (slow GPUs, emulation).
      outputCanvasOptions: {
        canvasOptions: {
          antialias: quality === "high",
          depth: true,
          stencil: true,
          alpha: true,
          framebufferScaleFactor: quality === "high" ? 1 : 0.25,
        },
      },
    });
    // Without WebXR the default experience comes back without a base experience.
    if (!xr.baseExperience) {
      xr.dispose();
      return new XRSessionController(scene, null, placement, handColour);
    }
    return new XRSessionController(scene, xr, placement, handColour);
  }

  get available(): boolean {
    return this.xr !== null;
  }

  get status(): XRStatus {
    return this.statusNow;
  }

  /** Enters immersive VR; resolves true once the session is really presenting (state IN_XR). */
  async enterAsync(): Promise<boolean> {
    const xr = this.xr;
    if (!xr) return false;
    if (this.statusNow === "in_xr") return true;
    const inXR = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        xr.baseExperience.onStateChangedObservable.remove(observer);
        resolve(false);
      }, ENTER_TIMEOUT_MS);
      const observer = xr.baseExperience.onStateChangedObservable.add((state) => {
        if (state !== WebXRState.IN_XR && state !== WebXRState.NOT_IN_XR) return;
        clearTimeout(timer);
        xr.baseExperience.onStateChangedObservable.remove(observer);
        resolve(state === WebXRState.IN_XR);
      });
    });
    try {
      await xr.baseExperience.enterXRAsync("immersive-vr", "local-floor", xr.renderTarget);
    } catch {
      // Refused (no user gesture, permission denied, device busy): Babylon reports NOT_IN_XR.
      return false;
    }
    return inXR;
  }

  async exitAsync(): Promise<void> {
    if (this.xr && this.statusNow === "in_xr") await this.xr.baseExperience.exitXRAsync();
  }

  /** Puts the user's head back at the placement point, facing the placement yaw (turning about y only). */
  recenter(): void {
    const cam = this.xr?.baseExperience.camera;
    if (!cam) return;
    const target = this.placement();
    const local = cam.position;
    const localYaw = (cam.rotationQuaternion ?? Quaternion.Identity()).toEulerAngles().y;
    const turn = Quaternion.RotationAxis(Vector3.Up(), target.yaw - localYaw);
    const turned = local.rotateByQuaternionToRef(turn, new Vector3());
    const goal = new Vector3(
      target.position.x,
      target.keepHeight ? local.y : target.position.y,
      target.position.z,
    );
    this.rig.rotationQuaternion = turn;
    this.rig.position.copyFrom(goal.subtract(turned));
    this.rig.computeWorldMatrix(true);
  }

  /** A room point in the XR rig's frame (for aiming emulated controllers in tests). */
  rigLocalPoint(world: Vector3): Vector3 {
    return Vector3.TransformCoordinates(world, this.rig.computeWorldMatrix(true).clone().invert());
  }

  /** The headset pose in room coordinates, while in XR. */
  head(): TrackedTransform | null {
    const cam = this.xr?.baseExperience.camera;
    if (!cam || this.statusNow !== "in_xr") return null;
    cam.computeWorldMatrix();
    const rig = this.rig.rotationQuaternion ?? Quaternion.Identity();
    return {
      position: cam.globalPosition.clone(),
      rotation: rig.multiply(cam.rotationQuaternion ?? Quaternion.Identity()),
    };
  }

  /** A controller's (or tracked hand's) grip pose in room coordinates, while in XR. */
  hand(side: "left" | "right"): TrackedTransform | null {
    if (this.statusNow !== "in_xr") return null;
    for (const h of this.hands.values()) {
      if (h.source.inputSource.handedness !== side) continue;
      const node = h.source.grip ?? h.source.pointer;
      node.computeWorldMatrix(true);
      return {
        position: node.getAbsolutePosition().clone(),
        rotation: (node.absoluteRotationQuaternion ?? Quaternion.Identity()).clone(),
      };
    }
    return null;
  }

  private setStatus(status: XRStatus): void {
    if (status === this.statusNow) return;
    this.statusNow = status;
    this.onStatusObservable.notifyObservers(status);
  }

  private addHand(source: WebXRInputSource): void {
    const side = source.inputSource.handedness;
    const mesh = roundedBox(`xr-hand-${side}`, this.scene, 0.06, 0.035, 0.11, 0.45, 10);
    mesh.material = matte(this.scene, `xr-hand-${side}`, this.handColour, { specular: 0.3 });
    mesh.isPickable = false;
    mesh.parent = source.grip ?? source.pointer;
    this.hands.set(source.uniqueId, {
      source,
      mesh,
      primaryWasDown: false,
      squeezeSince: null,
      squeezeFired: false,
      raisedSince: null,
      raisedFired: false,
    });
  }

  private removeHand(source: WebXRInputSource): void {
    const h = this.hands.get(source.uniqueId);
    if (!h) return;
    h.mesh.material?.dispose();
    h.mesh.dispose();
    this.hands.delete(source.uniqueId);
  }

  /**
   * A controller's laser shows only while it points at something to press (a panel, a tooth):
   * a calm view without two beams sweeping the room, and two draw calls per eye fewer. Runs after
   * Babylon's pointer selection has picked for this frame; picking itself is unchanged.
   */
  private quietLasers(): void {
    const xr = this.xr;
    if (!xr?.pointerSelection) return;
    for (const c of xr.input.controllers) {
      const laser = c.pointer.getChildMeshes(true).find((m) => m.name === "laserPointer");
      if (!laser?.isVisible) continue;
      const under = xr.pointerSelection.getMeshUnderPointer(c.uniqueId);
      laser.isVisible = under?.metadata?.interactive === true;
    }
  }

  /** A controller's stop button is down as the last XR frame saw it (tests wait for its release). */
  get stopButtonHeld(): boolean {
    for (const h of this.hands.values()) if (h.primaryWasDown) return true;
    return false;
  }

  private onFrame(): void {
    if (this.statusNow !== "in_xr") return;
    const now = performance.now();
    const head = this.head();
    for (const h of this.hands.values()) {
      const pad = h.source.inputSource.gamepad;
      if (pad) {
        const primary = pad.buttons[STOP_GESTURES.primaryButton]?.pressed ?? false;
        if (primary && !h.primaryWasDown) this.onStopSignalObservable.notifyObservers("button");
        h.primaryWasDown = primary;
        const squeeze = pad.buttons[STOP_GESTURES.squeezeButton]?.value ?? 0;
        if (squeeze >= STOP_GESTURES.squeezeThreshold) {
          h.squeezeSince ??= now;
          if (!h.squeezeFired && now - h.squeezeSince >= STOP_GESTURES.squeezeHoldMs) {
            h.squeezeFired = true;
            this.onStopSignalObservable.notifyObservers("button");
          }
        } else {
          h.squeezeSince = null;
          h.squeezeFired = false;
        }
      }
      if (!head) continue;
      const node = h.source.grip ?? h.source.pointer;
      const y = node.getAbsolutePosition().y;
      if (y > head.position.y + STOP_GESTURES.raisedAboveHeadM) {
        h.raisedSince ??= now;
        if (!h.raisedFired && now - h.raisedSince >= STOP_GESTURES.raisedHoldMs) {
          h.raisedFired = true;
          this.onStopSignalObservable.notifyObservers("raised_hand");
        }
      } else if (y < head.position.y) {
        // Re-arm only once the hand is back below the head (hysteresis against flicker).
        h.raisedSince = null;
        h.raisedFired = false;
      } else {
        h.raisedSince = null;
      }
    }
  }

  dispose(): void {
    for (const h of this.hands.values()) {
      h.mesh.material?.dispose();
      h.mesh.dispose();
    }
    this.hands.clear();
    this.onStatusObservable.clear();
    this.onStopSignalObservable.clear();
    this.xr?.dispose();
    this.rig.dispose();
  }
}
