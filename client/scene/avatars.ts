/**
 * Remote participants: a head with a visor (so you can tell where they look), two hands and a
 * billboard name tag, coloured by role. Poses come from snapshot interpolation, so they move
 * smoothly at the viewer's frame rate whatever the network does. The local user is not drawn.
 */
import type { ShadowGenerator } from "@babylonjs/core/Lights/Shadows/shadowGenerator.js";
import type { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Quaternion, type Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Pose, PoseBatch, Transform } from "../../shared/poseCodec.ts";
import type { MemberView } from "../../shared/protocol.ts";
import type { Role } from "../../shared/roles.ts";
import { matte, PALETTE, roleColour } from "./palette.ts";
import { PoseInterpolator } from "./poseInterpolation.ts";
import { roundedBox } from "./shapes.ts";
import { font, roundRectPath, TextPlane } from "./textTexture.ts";

interface Avatar {
  member: MemberView;
  root: TransformNode;
  /** Follows the pose: the eyes, as cameras report them. */
  head: TransformNode;
  skull: Mesh;
  left: Mesh;
  right: Mesh;
  tag: TextPlane;
  materials: StandardMaterial[];
  tagKey: string;
  visible: boolean;
}

const ROLE_CAPTION: Record<Role, string> = {
  patient: "patient",
  clinician: "clinician",
  assistant: "assistant",
  observer: "observer",
  presenter: "demo screen",
  otto: "assistant AI",
};

function applyTransform(node: TransformNode, t: Transform): void {
  node.position.set(t.p.x, t.p.y, t.p.z);
  if (!node.rotationQuaternion) node.rotationQuaternion = new Quaternion();
  node.rotationQuaternion.set(t.q.x, t.q.y, t.q.z, t.q.w);
}

export class AvatarSet {
  private readonly interp = new PoseInterpolator({ delayMs: 100 });
  private readonly avatars = new Map<string, Avatar>();
  private readonly slotOwner = new Map<number, string>();

  constructor(
    private readonly scene: Scene,
    private readonly shadows: ShadowGenerator | null,
  ) {}

  setMembers(members: readonly MemberView[], selfMemberId: string): void {
    const keep = new Set<string>();
    for (const m of members) {
      // Otto has its own body; the presenter (the demo screen) has none and sends no pose.
      if (m.memberId === selfMemberId || m.role === "otto" || m.role === "presenter") continue;
      keep.add(m.memberId);
      // A slot handed to somebody else must not inherit the previous owner's poses.
      const previousOwner = this.slotOwner.get(m.slot);
      if (previousOwner !== undefined && previousOwner !== m.memberId) this.interp.forget(m.slot);
      this.slotOwner.set(m.slot, m.memberId);
      const existing = this.avatars.get(m.memberId);
      if (existing && existing.member.role !== m.role) {
        this.disposeAvatar(existing);
        this.avatars.delete(m.memberId);
      }
      const avatar = this.avatars.get(m.memberId) ?? this.create(m);
      if (avatar.member.slot !== m.slot) this.interp.forget(avatar.member.slot);
      avatar.member = m;
      this.refreshTag(avatar);
      this.avatars.set(m.memberId, avatar);
    }
    for (const [id, avatar] of this.avatars) {
      if (keep.has(id)) continue;
      this.interp.forget(avatar.member.slot);
      if (this.slotOwner.get(avatar.member.slot) === id) this.slotOwner.delete(avatar.member.slot);
      this.disposeAvatar(avatar);
      this.avatars.delete(id);
    }
  }

  pushPoseBatch(batch: PoseBatch, receivedAtMs: number): void {
    this.interp.push(batch, receivedAtMs);
  }

  /** Moves every avatar to its interpolated pose; call once per frame with the local clock. */
  update(nowMs: number): void {
    const renderTime = this.interp.renderTime(nowMs);
    for (const avatar of this.avatars.values()) {
      const pose: Pose | null =
        renderTime === null ? null : this.interp.sampleAt(avatar.member.slot, renderTime);
      avatar.visible = pose !== null;
      avatar.root.setEnabled(pose !== null);
      if (!pose) continue;
      applyTransform(avatar.head, pose.head);
      avatar.left.setEnabled(pose.left !== null);
      if (pose.left) applyTransform(avatar.left, pose.left);
      avatar.right.setEnabled(pose.right !== null);
      if (pose.right) applyTransform(avatar.right, pose.right);
      avatar.tag.mesh.position.set(pose.head.p.x, pose.head.p.y + 0.22, pose.head.p.z);
    }
  }

  /** Interpolated head position of a member, if drawn. */
  headPosition(memberId: string): Vector3 | null {
    const a = this.avatars.get(memberId);
    return a?.visible ? a.head.position.clone() : null;
  }

  testState(): Record<string, { head: [number, number, number]; visible: boolean }> {
    const out: Record<string, { head: [number, number, number]; visible: boolean }> = {};
    for (const [id, a] of this.avatars) {
      const p = a.head.position;
      out[id] = { head: [p.x, p.y, p.z], visible: a.visible };
    }
    return out;
  }

  private create(member: MemberView): Avatar {
    const scene = this.scene;
    const colour = roleColour(member.role);
    const root = new TransformNode(`avatar-${member.memberId}`, scene);
    const skin = matte(scene, `avatar-head-${member.memberId}`, colour, { specular: 0.25 });
    const visorMat = matte(scene, `avatar-visor-${member.memberId}`, PALETTE.navy, { specular: 0.9 });
    const handMat = matte(
      scene,
      `avatar-hand-${member.memberId}`,
      member.role === "patient" ? PALETTE.skin : PALETTE.glove,
      {
        specular: 0.2,
      },
    );
    const head = new TransformNode(`avatar-eyes-${member.memberId}`, scene);
    head.parent = root;
    // The pose is the eye point; the skull sits a little behind and below it.
    const skull = roundedBox(`avatar-head-${member.memberId}`, scene, 0.17, 0.21, 0.19, 0.75, 14);
    skull.position.set(0, -0.03, -0.06);
    skull.material = skin;
    skull.parent = head;
    // Visor on the face (+z is where the head looks) and a small nose-like ridge.
    const visor = roundedBox("avatar-visor", scene, 0.15, 0.055, 0.05, 0.4, 10);
    visor.position.set(0, 0.025, 0.085);
    visor.material = visorMat;
    visor.parent = skull;
    const nose = roundedBox("avatar-nose", scene, 0.025, 0.04, 0.03, 0.6, 6);
    nose.position.set(0, -0.025, 0.098);
    nose.material = skin;
    nose.parent = skull;
    const hand = (name: string) => {
      const h = roundedBox(name, scene, 0.075, 0.03, 0.1, 0.45, 10);
      h.material = handMat;
      h.parent = root;
      return h;
    };
    const left = hand("avatar-left");
    const right = hand("avatar-right");
    const tag = new TextPlane(scene, `avatar-tag-${member.memberId}`, 0.36, 0.1, 512);
    tag.mesh.billboardMode = Mesh.BILLBOARDMODE_ALL;
    tag.mesh.parent = root;
    for (const m of [skull, visor, nose, left, right]) {
      m.isPickable = false;
      this.shadows?.addShadowCaster(m, false);
    }
    root.setEnabled(false);
    return {
      member,
      root,
      head,
      skull,
      left,
      right,
      tag,
      materials: [skin, visorMat, handMat],
      tagKey: "",
      visible: false,
    };
  }

  private refreshTag(avatar: Avatar): void {
    const m = avatar.member;
    const reconnecting = m.connection === "reconnecting";
    const key = `${m.displayName}|${m.role}|${reconnecting}`;
    if (key === avatar.tagKey) return;
    avatar.tagKey = key;
    const colour = roleColour(m.role);
    avatar.tag.draw((ctx, w, h) => {
      ctx.fillStyle = "rgba(247,250,251,0.9)";
      roundRectPath(ctx, 4, 4, w - 8, h - 8, 36);
      ctx.fill();
      ctx.fillStyle = colour;
      roundRectPath(ctx, 4, 4, 22, h - 8, 11);
      ctx.fill();
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillStyle = PALETTE.text;
      ctx.font = font(46, 600);
      ctx.fillText(m.displayName, w / 2 + 8, h * 0.4, w - 60);
      ctx.fillStyle = PALETTE.softText;
      ctx.font = font(28, 400);
      ctx.fillText(reconnecting ? "reconnecting…" : ROLE_CAPTION[m.role], w / 2 + 8, h * 0.76, w - 60);
    });
    const alpha = reconnecting ? 0.4 : 1;
    for (const mesh of [avatar.skull, ...avatar.skull.getChildMeshes(), avatar.left, avatar.right])
      mesh.visibility = alpha;
  }

  private disposeAvatar(a: Avatar): void {
    a.tag.dispose();
    for (const m of a.materials) m.dispose();
    a.root.dispose(false, true);
  }

  dispose(): void {
    for (const a of this.avatars.values()) this.disposeAvatar(a);
    this.avatars.clear();
  }
}
