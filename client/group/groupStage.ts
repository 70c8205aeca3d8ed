/**
 * The group page's hook for a 3D view of the circle (issue 12: the circle in VR and above the flat
 * page). The flat page (groupPage.ts) stays the whole tool on a phone; a stage module registers a
 * factory here, and once the page has joined it mounts the stage into a box above the flat page and
 * hands it the circle's view on every change. The page knows nothing about Babylon, and a stage
 * knows nothing about the page's DOM beyond its own box.
 *
 * A stage module registers itself on import:
 *
 *   import { registerGroupStage } from "./groupStage.ts";
 *   registerGroupStage((ctx) => new CircleStage(ctx));
 *
 * and is imported once by the page (a marked line in groupPage.ts). Registering after the page
 * joined mounts at once, so import order does not matter.
 */
import type { GroupCommand, GroupView } from "../../shared/supportGroup.ts";
import type { VoiceSession } from "../voice/voiceSession.ts";
import { type GroupSocket, sendAsync } from "./groupConnection.ts";

/** What a mounted stage gets from the page. */
export interface GroupStageContext {
  /** The stage's own box, above the flat page; empty when mounted. Style it as you like. */
  readonly host: HTMLElement;
  readonly groupId: string;
  /** The page's `/group` socket: poses go out as `Ev.pose` and come in as `Ev.poses` batches. */
  readonly socket: GroupSocket;
  /** The page's voice: `testState()` names who speaks (for the speaking halo). */
  readonly voice: VoiceSession;
  /** The circle as the server last sent it (the same object `update` receives). */
  view(): GroupView | null;
  /** This page's clock minus the server's: `Date.now() - skew()` is the server's time (topic timers). */
  skew(): number;
  /** Sends one group command (raise hand, …) and resolves with the answer, like the flat page's buttons. */
  send(event: GroupCommand, payload: unknown): ReturnType<typeof sendAsync>;
}

/** A mounted 3D view of the circle. */
export interface GroupStage {
  /** The circle changed (someone joined, raised a hand, the topic moved on, …). */
  update(view: GroupView): void;
  /** The page leaves the circle (closed, removed, ended): free the engine and the box's children. */
  dispose(): void;
}

export type GroupStageFactory = (ctx: GroupStageContext) => GroupStage;

const factories: GroupStageFactory[] = [];
const mounted: GroupStage[] = [];
let context: GroupStageContext | null = null;

/** Adds a 3D view of the circle; it mounts as soon as the page has joined (at once if it already has). */
export function registerGroupStage(factory: GroupStageFactory): void {
  factories.push(factory);
  if (context) mountOne(factory, context);
}

function mountOne(factory: GroupStageFactory, ctx: GroupStageContext): void {
  try {
    const stage = factory(ctx);
    mounted.push(stage);
    const view = ctx.view();
    if (view) stage.update(view);
  } catch (err) {
    // A broken 3D view must never take the flat page (the whole tool) down with it.
    console.error("group stage failed to mount", err);
  }
}

/** Called by the page once it has a socket and a voice session. */
export function mountGroupStages(
  ctx: Omit<GroupStageContext, "send"> & { send?: GroupStageContext["send"] },
): void {
  if (context) return;
  const socket = ctx.socket;
  context = { ...ctx, send: ctx.send ?? ((event, payload) => sendAsync(socket, event, payload)) };
  for (const f of factories) mountOne(f, context);
}

/** Called by the page on every view from the server. */
export function updateGroupStages(view: GroupView): void {
  for (const s of mounted) {
    try {
      s.update(view);
    } catch (err) {
      console.error("group stage failed to update", err);
    }
  }
}

/** Called by the page when it leaves the circle. */
export function disposeGroupStages(): void {
  for (const s of mounted.splice(0)) s.dispose();
  context?.host.replaceChildren();
  context = null;
}
