/**
 * The support group's 3D circle on the group page (issue 12): a canvas above the flat page that
 * shows the circle (client/scene/groupCircle.ts), with "Enter VR" where the browser has a headset.
 * It relays this person's pose over the group's own pose path (the room's 31-byte pose on
 * `/group`), draws everyone else's, and turns the panel's "Raise my hand" into the same group
 * command as the page's button. The topic's panel is a readable card over the canvas on a flat
 * screen (circleCard.ts) and the world panel in a headset. The flat page below keeps working
 * without it (no WebGL, a phone that prefers the list): nothing here is needed to take part.
 */
import { decodeBatch, encodePose, type Pose } from "../../shared/poseCodec.ts";
import { Ev, RATES } from "../../shared/protocol.ts";
import { GroupEv, type GroupView } from "../../shared/supportGroup.ts";
import { maybeEmulateXRAsync, qualityFromUrl } from "../room/status.ts";
import type { CircleTestState, GroupCircleScene } from "../scene/groupCircle.ts";
import type { PanelSpec } from "../scene/worldPanel.ts";
import { type CircleCardState, createCircleCard } from "./circleCard.ts";
import { startCircleLesson } from "./circleLesson.ts";
import { CirclePanelValue, circlePanel } from "./circlePanel.ts";
import { type GroupStage, type GroupStageContext, registerGroupStage } from "./groupStage.ts";
import "./circle.css";

declare global {
  interface Window {
    __chairsideCircle?: () => {
      ready: boolean;
      error: string | null;
      /** The page's `/group` link is up (poses go out only then). */
      link: boolean;
      /** Poses this page sent, and pose batches it received. */
      posesOut: number;
      batchesIn: number;
      /** The topic's card over the canvas (a flat screen's panel). */
      card: CircleCardState;
      scene: CircleTestState | null;
    };
  }
}

/** The mounted circle: group12's stage (update, dispose), plus what a lesson for the circle needs. */
export interface CircleMount extends GroupStage {
  readonly element: HTMLElement;
  /** A panel to show instead of the topic (a lesson's step), or null for the topic again. */
  setPanelOverride(spec: PanelSpec | null, onChoice: ((value: string) => void) | null): void;
  /** Teeth to light on the circle's dentition, null to put it away. */
  lightTeeth(teeth: readonly number[] | null): void;
}

/** Sends a pose only when it moved (a seated flat screen sends one now and then, a headset every tick). */
function samePose(a: Uint8Array | null, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function mountCircle(ctx: GroupStageContext): CircleMount {
  const { socket } = ctx;
  const section = document.createElement("section");
  section.className = "gc-stage";
  section.dataset.testid = "circle-stage";
  section.setAttribute("aria-label", "The circle in 3D");
  const canvas = document.createElement("canvas");
  canvas.className = "gc-canvas";
  canvas.dataset.testid = "circle-canvas";
  canvas.setAttribute("aria-hidden", "true");
  const bar = document.createElement("div");
  bar.className = "gc-bar";
  const hint = document.createElement("p");
  hint.className = "gc-hint";
  hint.textContent = "Drag to look around the circle.";
  const enter = document.createElement("button");
  enter.type = "button";
  enter.className = "g-button primary gc-enter";
  enter.dataset.testid = "circle-enter-vr";
  enter.textContent = "Enter VR";
  enter.hidden = true;
  bar.append(hint, enter);
  const card = createCircleCard((value) => onChoice(value));
  const stage = document.createElement("div");
  stage.className = "gc-view";
  stage.append(canvas, card.element);
  section.append(stage, bar);
  ctx.host.append(section);

  let scene: GroupCircleScene | null = null;
  let error: string | null = null;
  let view: GroupView | null = ctx.view();
  let override: { spec: PanelSpec; onChoice: ((value: string) => void) | null } | null = null;
  let teeth: readonly number[] | null = null;
  let lastSent: Uint8Array | null = null;
  let disposed = false;
  let posesOut = 0;
  let batchesIn = 0;
  window.__chairsideCircle = () => ({
    ready: scene !== null,
    error,
    link: socket.connected,
    posesOut,
    batchesIn,
    card: card.testState(canvas),
    scene: scene?.testState() ?? null,
  });

  /**
   * The world panel is a headset's: there it says the topic or the lesson's step. A flat screen
   * shows the topic on the card over the circle, and a lesson's step on the lesson's own card
   * under it (circleLesson.ts), leaving the middle of the circle to the lit dentition.
   */
  const refreshPanel = () => {
    if (!view) return;
    const topic = override ? null : circlePanel(view, Date.now() - ctx.skew());
    const inXR = scene?.xrState === "in_xr";
    card.show(inXR ? null : topic);
    if (!scene) return;
    scene.showPanel(inXR ? (override?.spec ?? topic) : null);
    scene.setViewInset(card.insetPx());
  };
  const send = (pose: Pose) => {
    if (!socket.connected) return;
    const bytes = encodePose(pose);
    if (samePose(lastSent, bytes)) return;
    lastSent = bytes;
    posesOut += 1;
    socket.volatile.emit(Ev.pose, bytes);
  };

  socket.on(Ev.poses, (bytes) => {
    batchesIn += 1;
    if (!scene) return;
    try {
      scene.pushPoseBatch(decodeBatch(bytes), performance.now());
    } catch {
      // A malformed batch is dropped; the next keyframe brings everyone back.
    }
  });
  /** A hand raised or lowered while the link was down, sent again once it is back. */
  let pendingHand: boolean | null = null;
  // After a reconnect the server has forgotten this person's pose: send it again.
  socket.on("connect", () => {
    lastSent = null;
    if (pendingHand === null) return;
    const raised = pendingHand;
    pendingHand = null;
    void ctx.send(GroupEv.hand, { raised });
  });

  refreshPanel();
  const timers = [
    setInterval(() => {
      if (scene) send(scene.localPose());
    }, 1000 / RATES.poseSendHz),
    setInterval(refreshPanel, 1_000),
  ];

  const startAsync = async () => {
    await maybeEmulateXRAsync().then((device) => {
      (window as unknown as { __xrDevice?: unknown }).__xrDevice = device;
    });
    const { GroupCircleScene } = await import("../scene/groupCircle.ts");
    const made = await GroupCircleScene.createAsync(canvas, qualityFromUrl());
    if (disposed) return made.dispose();
    scene = made;
    made.onPanelChoiceObservable.add((choice) => onChoice(choice.value));
    made.onXRStateObservable.add((s) => {
      enter.textContent = s === "in_xr" ? "Leave VR" : "Enter VR";
      section.dataset.xr = s;
      refreshPanel();
    });
    enter.hidden = !made.xrAvailable;
    if (made.xrAvailable) hint.textContent = "Drag to look around, or put on your headset and enter VR.";
    if (view) made.setMembers(view.members, view.you, view.otto);
    made.lightTeeth(teeth);
    refreshPanel();
  };
  enter.addEventListener("click", () => {
    if (!scene) return;
    if (scene.xrState === "in_xr") void scene.exitXRAsync();
    else void scene.enterXRAsync();
  });
  /** A press on the card or the world panel: the lesson's answer, or this person's hand. */
  function onChoice(value: string): void {
    if (override) {
      override.onChoice?.(value);
      return;
    }
    if (value !== CirclePanelValue.hand || !view) return;
    const me = view.members.find((m) => m.memberId === view!.you);
    if (!me) return;
    // A headset's link can drop for a moment (slow frames): the press still counts once it is back.
    const raised = !me.handRaised;
    void ctx.send(GroupEv.hand, { raised }).then((r) => {
      if (!r.ok && r.error.code === "timeout") pendingHand = raised;
    });
  }
  startAsync().catch((e: unknown) => {
    // No WebGL (an old phone, a locked-down PC): the flat page below is the whole group.
    error = e instanceof Error ? e.message : String(e);
    section.hidden = true;
    console.warn(`[chairside circle] ${error}`);
  });

  const mount: CircleMount = {
    element: section,
    update(v) {
      view = v;
      scene?.setMembers(v.members, v.you, v.otto);
      refreshPanel();
      lesson.update(v);
    },
    setPanelOverride(spec, onChoice) {
      override = spec ? { spec, onChoice } : null;
      refreshPanel();
    },
    lightTeeth(t) {
      teeth = t;
      scene?.lightTeeth(t);
    },
    dispose() {
      disposed = true;
      lesson.dispose();
      for (const t of timers) clearInterval(t);
      scene?.dispose();
      scene = null;
      section.remove();
      if (current === mount) current = null;
    },
  };
  const lesson = startCircleLesson(ctx, mount);
  current = mount;
  return mount;
}

let current: CircleMount | null = null;

/** The circle on this page, once mounted (a lesson for the circle draws on it). */
export function currentCircle(): CircleMount | null {
  return current;
}

registerGroupStage((ctx) => mountCircle(ctx));
