/**
 * The people of the support group's circle (issue 12): one seated figure per person, in their
 * chair, under the name they chose and nothing else (no role colour that tells a patient from
 * staff beyond "host"). The figure, its one skinned mesh, its pose and its tag are the treatment
 * room's person (avatars.ts `buildPerson`, `posePerson`, `drawNameTag`); its head node keeps the
 * room's name (`avatarHeadNodeName`) so the voice's speaking halo and spatial audio find it. What
 * differs is here: calm clothes instead of role scrubs, and someone who sends no pose yet sits
 * still in their chair, looking at the middle; a relayed pose (a headset's head and hands) moves
 * them smoothly.
 */

import type { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Quaternion } from "@babylonjs/core/Maths/math.vector.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Pose, PoseBatch, Transform } from "../../shared/poseCodec.ts";
import type { GroupMemberView } from "../../shared/supportGroup.ts";
import {
  buildAvatarFigure,
  buildPerson,
  disposePerson,
  drawNameTag,
  handShown,
  type Person,
  personLook,
  pick,
  posePerson,
} from "./avatars.ts";
import { type Seat, seatAt, seatedEye } from "./groupCircleLayout.ts";
import { matte } from "./palette.ts";
import { PoseInterpolator } from "./poseInterpolation.ts";

/** Soft clothes in the nature scene's colours: nothing that reads as a uniform. */
const CLOTHES = ["#7fa7c9", "#c98f7f", "#8fb58a", "#b59ac9", "#d1b36f", "#7fbfb5"];
/** The host's clothes: the same calm family, a little deeper, so newcomers can find them. */
const HOST_CLOTHES = "#5f7fae";
const HAND_RAISED = "#e59a2b";
/** The name tag floats this far above the eyes. */
const TAG_LIFT = 0.3;

function clothesFor(member: GroupMemberView): string {
  return member.role === "host" ? HOST_CLOTHES : pick(CLOTHES, member.memberId, 5);
}

/**
 * Someone sitting in `seat`, looking at the middle: hands on the knees, or the right hand up when
 * their hand is raised. What a page without a headset sends, and what the circle draws until a
 * person's first pose arrives.
 */
export function seatedCirclePose(seat: Seat, handRaised: boolean): Pose {
  const eye = seatedEye(seat);
  const q = Quaternion.FromEulerAngles(0.12, seat.yaw, 0);
  const head: Transform = { p: eye, q: { x: q.x, y: q.y, z: q.z, w: q.w } };
  const side = (s: number) => ({ x: Math.cos(seat.yaw) * s, z: -Math.sin(seat.yaw) * s });
  const knee = (s: number): Transform => {
    const o = side(s);
    return {
      p: { x: eye.x + o.x + Math.sin(seat.yaw) * 0.3, y: 0.62, z: eye.z + o.z + Math.cos(seat.yaw) * 0.3 },
      q: head.q,
    };
  };
  const right = side(0.22);
  return {
    head,
    left: knee(-0.16),
    right: handRaised
      ? {
          p: { x: eye.x + right.x + Math.sin(seat.yaw) * 0.1, y: eye.y + 0.38, z: eye.z + right.z },
          q: head.q,
        }
      : knee(0.16),
  };
}

interface CirclePerson extends Person {
  member: GroupMemberView;
  seat: Seat;
  tagKey: string;
  /** Whether the last frame drew a relayed pose (false: sitting still in the chair). */
  tracked: boolean;
}

export interface CircleAvatarState {
  name: string;
  seat: number;
  head: [number, number, number];
  tracked: boolean;
  /** Where the right hand is drawn (world metres); null while it is folded away (untracked). */
  right: [number, number, number] | null;
  handRaised: boolean;
  tag: string;
}

export class CircleAvatars {
  private readonly interp = new PoseInterpolator({ delayMs: 100 });
  private readonly people = new Map<string, CirclePerson>();
  private material: StandardMaterial | null = null;
  private selfId = "";
  /** The local person's own pose (drawn from this page, not from the relay). */
  private selfPose: Pose | null = null;
  private selfVisible = true;

  constructor(private readonly scene: Scene) {}

  /** Everyone in the circle but Otto, with their chairs. */
  setMembers(members: readonly GroupMemberView[], seats: ReadonlyMap<string, number>, selfId: string): void {
    this.selfId = selfId;
    const keep = new Set<string>();
    for (const m of members) {
      const seatIndex = seats.get(m.memberId);
      if (m.role === "otto" || seatIndex === undefined) continue;
      keep.add(m.memberId);
      let person = this.people.get(m.memberId);
      if (person && person.member.slot !== m.slot) this.interp.forget(person.member.slot);
      person ??= this.create(m, seatAt(seatIndex));
      person.member = m;
      person.seat = seatAt(seatIndex);
      this.refreshTag(person);
      this.people.set(m.memberId, person);
    }
    for (const [id, p] of this.people) {
      if (keep.has(id)) continue;
      this.interp.forget(p.member.slot);
      disposePerson(p);
      this.people.delete(id);
    }
  }

  pushPoseBatch(batch: PoseBatch, receivedAtMs: number): void {
    this.interp.push(batch, receivedAtMs);
  }

  /** This page's own pose, and whether to draw the local person (not from inside a headset). */
  setSelf(pose: Pose | null, visible: boolean): void {
    this.selfPose = pose;
    this.selfVisible = visible;
  }

  update(nowMs: number): void {
    const renderTime = this.interp.renderTime(nowMs);
    for (const p of this.people.values()) {
      const self = p.member.memberId === this.selfId;
      const relayed = self || renderTime === null ? null : this.interp.sampleAt(p.member.slot, renderTime);
      const pose = (self ? this.selfPose : relayed) ?? seatedCirclePose(p.seat, p.member.handRaised);
      p.tracked = self ? this.selfPose !== null : relayed !== null;
      p.root.setEnabled(!self || this.selfVisible);
      posePerson(p, pose, TAG_LIFT);
    }
  }

  /** A person's head now (world metres), for Otto to turn to; null when not in the circle. */
  headOf(memberId: string): { x: number; y: number; z: number } | null {
    const p = this.people.get(memberId);
    if (!p) return null;
    const h = p.head.position;
    return { x: h.x, y: h.y, z: h.z };
  }

  testState(): Record<string, CircleAvatarState> {
    const out: Record<string, CircleAvatarState> = {};
    for (const [id, p] of this.people) {
      const h = p.head.position;
      const r = p.right.position;
      out[id] = {
        name: p.member.name,
        seat: p.seat.index,
        head: [h.x, h.y, h.z],
        tracked: p.tracked,
        right: handShown(p.right) ? [r.x, r.y, r.z] : null,
        handRaised: p.member.handRaised,
        tag: p.tagKey,
      };
    }
    return out;
  }

  private create(member: GroupMemberView, seat: Seat): CirclePerson {
    // Nobody in the circle wears a visible headset: everyone looks like themselves.
    const person = buildPerson(this.scene, {
      memberId: member.memberId,
      prefix: "circle",
      source: [buildAvatarFigure(this.scene)],
      look: personLook(member.memberId, clothesFor(member), "skin"),
      visor: false,
      torso: true,
      material: this.figureMaterial(),
    });
    return { ...person, member, seat, tagKey: "", tracked: false };
  }

  /** One material for everybody in the circle: each person's colours are in their vertices. */
  private figureMaterial(): StandardMaterial {
    this.material ??= matte(this.scene, "circle-figure", "#ffffff", { specular: 0.1 });
    return this.material;
  }

  private refreshTag(p: CirclePerson): void {
    const m = p.member;
    const self = m.memberId === this.selfId;
    const caption = m.handRaised
      ? "hand raised"
      : !m.connected
        ? "reconnecting…"
        : m.role === "host"
          ? "host"
          : self
            ? "you"
            : "";
    const key = `${m.name}|${caption}`;
    if (key === p.tagKey) return;
    p.tagKey = key;
    drawNameTag(p.tag, {
      name: m.name,
      caption,
      stripe: m.handRaised ? HAND_RAISED : null,
      captionColour: m.handRaised ? "#8a5a12" : undefined,
      captionBold: m.handRaised,
    });
    const alpha = m.connected ? 1 : 0.4;
    for (const mesh of p.parts) mesh.visibility = alpha;
  }

  dispose(): void {
    for (const p of this.people.values()) disposePerson(p);
    this.people.clear();
    this.material?.dispose();
    this.material = null;
  }
}
