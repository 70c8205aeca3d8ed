/**
 * Remote participants as people: a human-proportioned head (skin, hair, ears, nose; a headset
 * visor only on the patient, the one person in VR), a torso in role-coloured scrubs that follows
 * the head, two hands (gloved for the care team) and a billboard name tag. Each body part is baked
 * into one mesh (staticBatch) to keep the headset's draw calls low. Poses come from snapshot
 * interpolation, so they move smoothly at the viewer's frame rate whatever the network does. The
 * local user is not drawn; the patient's body is the chair's, so a patient avatar has no torso.
 */
import type { ShadowGenerator } from "@babylonjs/core/Lights/Shadows/shadowGenerator.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Quaternion, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Pose, PoseBatch, Transform } from "../../shared/poseCodec.ts";
import type { MemberView } from "../../shared/protocol.ts";
import type { Role } from "../../shared/roles.ts";
import { contractNodes, type ModelTemplate, rigFrom } from "./modelsLoader.ts";
import { colour, matte, PALETTE, roleColour } from "./palette.ts";
import { PoseInterpolator } from "./poseInterpolation.ts";
import { rod, roundedBox } from "./shapes.ts";
import { batchStatic } from "./staticBatch.ts";
import { font, roundRectPath, TextPlane } from "./textTexture.ts";

interface Avatar {
  member: MemberView;
  root: TransformNode;
  /** Follows the pose: the eyes, as cameras report them. */
  head: TransformNode;
  /** Neck down; follows the head's position and yaw (null for the patient, who lies in the chair). */
  body: TransformNode | null;
  /** Every drawn part, for the reconnecting fade. */
  parts: Mesh[];
  left: TransformNode;
  right: TransformNode;
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

const HAIR = ["#3b2a20", "#6b4a2f", "#1f1b18", "#a7774b", "#8c8c8c", "#4a3426"];
const SKIN = ["#e0b497", "#c68e6b", "#8d5a3b", "#f1cdb3", "#a8704f"];

/** A stable pick from a list by member id, so a person looks the same to everyone. */
function pick<T>(list: readonly T[], id: string, salt: number): T {
  let h = salt;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return list[h % list.length]!;
}

/** Yaw (about y) of a pose's rotation, for the torso, which turns with the head but stays upright. */
function yawOf(q: Transform["q"]): number {
  return Math.atan2(2 * (q.w * q.y + q.x * q.z), 1 - 2 * (q.x * q.x + q.y * q.y));
}

function applyTransform(node: TransformNode, t: Transform): void {
  node.position.set(t.p.x, t.p.y, t.p.z);
  if (!node.rotationQuaternion) node.rotationQuaternion = new Quaternion();
  node.rotationQuaternion.set(t.q.x, t.q.y, t.q.z, t.q.w);
}

/** A vertical cylinder centred on its origin. */
function rodY(name: string, scene: Scene, diameter: number, height: number): Mesh {
  return rod(name, scene, new Vector3(0, -height / 2, 0), new Vector3(0, height / 2, 0), diameter);
}

/** Eye height of the built-in figure standing in model space. */
const FIGURE_EYE_Y = 1.6;

/**
 * The built-in person in model space (metres, +y up, facing +z, feet at the origin), also the
 * source of `assets/models/avatar.glb`: "head" at the eyes, "body" 9 cm below and behind them,
 * "hand-left"/"hand-right" at the palms, "visor" on the head; materials named skin, hair, scrubs,
 * gloves and visor get each person's colours.
 */
export function buildAvatarFigure(scene: Scene): TransformNode {
  const root = new TransformNode("avatar-model", scene);
  const skin = matte(scene, "skin", SKIN[0]!, { specular: 0.12 });
  const hair = matte(scene, "hair", HAIR[0]!, { specular: 0.12 });
  const scrubs = matte(scene, "scrubs", roleColour("clinician"), { specular: 0.08 });
  const gloves = matte(scene, "gloves", PALETTE.glove, { specular: 0.12 });
  const visorMat = matte(scene, "visor", PALETTE.navy, { specular: 0.9 });
  const node = (name: string, parent: TransformNode, x: number, y: number, z: number) => {
    const n = new TransformNode(name, scene);
    n.parent = parent;
    n.position.set(x, y, z);
    return n;
  };
  const part = (
    mesh: Mesh,
    parent: TransformNode,
    x: number,
    y: number,
    z: number,
    mat: StandardMaterial,
  ) => {
    mesh.position.set(x, y, z);
    mesh.material = mat;
    mesh.parent = parent;
    return mesh;
  };
  // The head's origin is the eye point (+z is where the head looks): an adult head is about 15 cm
  // wide, 23 cm chin to crown and 20 cm deep, the eyes halfway down.
  const head = node("head", root, 0, FIGURE_EYE_Y, 0);
  part(roundedBox("avatar-skull", scene, 0.15, 0.22, 0.19, 0.7, 14), head, 0, -0.005, -0.045, skin);
  part(roundedBox("avatar-hair", scene, 0.16, 0.1, 0.19, 0.6, 12), head, 0, 0.075, -0.06, hair);
  part(roundedBox("avatar-nose", scene, 0.025, 0.045, 0.03, 0.6, 6), head, 0, -0.03, 0.05, skin);
  for (const side of [-1, 1])
    part(roundedBox("avatar-ear", scene, 0.02, 0.055, 0.04, 0.6, 6), head, side * 0.078, -0.015, -0.05, skin);
  const visor = node("visor", head, 0, 0.005, 0.035);
  part(roundedBox("avatar-visor", scene, 0.17, 0.07, 0.08, 0.4, 10), visor, 0, 0, 0, visorMat);
  const body = node("body", root, 0, FIGURE_EYE_Y - 0.09, -0.09);
  part(rodY("avatar-neck", scene, 0.1, 0.12), body, 0, -0.08, 0, skin);
  part(roundedBox("avatar-torso", scene, 0.38, 0.5, 0.22, 0.5, 14), body, 0, -0.42, 0, scrubs);
  part(roundedBox("avatar-shoulders", scene, 0.44, 0.12, 0.2, 0.7, 12), body, 0, -0.21, 0, scrubs);
  for (const side of [-1, 1]) {
    const arm = part(roundedBox("avatar-upper-arm", scene, 0.09, 0.3, 0.1, 0.7, 10), body, 0, 0, 0, scrubs);
    arm.position.set(side * 0.235, -0.36, 0.01);
    arm.rotation.z = side * 0.12;
  }
  for (const [name, side] of [
    ["hand-left", -1],
    ["hand-right", 1],
  ] as const) {
    const hand = node(name, root, side * 0.22, 1.05, 0.3);
    part(roundedBox(`${name}-palm`, scene, 0.085, 0.03, 0.095, 0.45, 10), hand, 0, 0, 0, gloves);
    part(roundedBox(`${name}-fingers`, scene, 0.08, 0.022, 0.08, 0.5, 8), hand, 0, -0.004, 0.08, gloves);
    part(roundedBox(`${name}-thumb`, scene, 0.025, 0.022, 0.06, 0.6, 6), hand, side * 0.05, 0, 0.03, gloves);
  }
  return root;
}

/**
 * The node a remote person's head hangs from (their eye point, +z where they look): the voice
 * slice attaches its speaking indicator and spatial audio here. Same name with the built-in and a
 * GLB avatar.
 */
export function avatarHeadNodeName(memberId: string): string {
  return `avatar-eyes-${memberId}`;
}

export class AvatarSet {
  private readonly interp = new PoseInterpolator({ delayMs: 100 });
  private readonly avatars = new Map<string, Avatar>();
  private readonly slotOwner = new Map<number, string>();
  private template: ModelTemplate | null = null;
  /** False until the avatar model has loaded (or failed and the built-in one stands in). */
  private ready = false;
  private lastMembers: readonly MemberView[] = [];
  private lastSelf = "";

  constructor(
    private readonly scene: Scene,
    private readonly shadows: ShadowGenerator | null,
  ) {}

  setMembers(members: readonly MemberView[], selfMemberId: string): void {
    this.lastMembers = members;
    this.lastSelf = selfMemberId;
    if (!this.ready) return;
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
      if (avatar.body) {
        // Eyes are ~12 cm above the chin; the torso hangs below, a little behind the eyes.
        const yaw = yawOf(pose.head.q);
        avatar.body.rotation.y = yaw;
        avatar.body.position.set(
          pose.head.p.x - 0.09 * Math.sin(yaw),
          pose.head.p.y - 0.09,
          pose.head.p.z - 0.09 * Math.cos(yaw),
        );
      }
      avatar.left.setEnabled(pose.left !== null);
      if (pose.left) applyTransform(avatar.left, pose.left);
      avatar.right.setEnabled(pose.right !== null);
      if (pose.right) applyTransform(avatar.right, pose.right);
      avatar.tag.mesh.position.set(pose.head.p.x, pose.head.p.y + 0.26, pose.head.p.z);
    }
  }

  /** Interpolated head position of a member, if drawn. */
  headPosition(memberId: string): Vector3 | null {
    const a = this.avatars.get(memberId);
    return a?.visible ? a.head.position.clone() : null;
  }

  /** The head node of a drawn person (see `avatarHeadNodeName`), null when not in the room. */
  headNode(memberId: string): TransformNode | null {
    return this.avatars.get(memberId)?.head ?? null;
  }

  testState(): Record<string, { head: [number, number, number]; visible: boolean }> {
    const out: Record<string, { head: [number, number, number]; visible: boolean }> = {};
    for (const [id, a] of this.avatars) {
      const p = a.head.position;
      out[id] = { head: [p.x, p.y, p.z], visible: a.visible };
    }
    return out;
  }

  /**
   * Uses the avatar file (or, with null, the built-in figure) for everyone: until this is called
   * nobody is drawn, then everybody already in the room is (re)built with it.
   */
  useTemplate(template: ModelTemplate | null): void {
    this.template = template;
    this.ready = true;
    for (const a of this.avatars.values()) this.disposeAvatar(a);
    this.avatars.clear();
    this.setMembers(this.lastMembers, this.lastSelf);
  }

  /** Roots of the drawn people, for the model report. */
  roots(): TransformNode[] {
    return [...this.avatars.values()].map((a) => a.root);
  }

  private create(member: MemberView): Avatar {
    const scene = this.scene;
    const id = member.memberId;
    const patient = member.role === "patient";
    const root = new TransformNode(`avatar-${id}`, scene);
    const rig = rigFrom(
      this.template ? this.template.instantiate() : [buildAvatarFigure(scene)],
      contractNodes("avatar"),
      root,
    );
    const head = rig.pivots.get("head")!;
    head.name = avatarHeadNodeName(id);
    // Body and hands move on their own: straight under the root whatever the file nested them in.
    const [left, right] = (["hand-left", "hand-right"] as const).map((n) => {
      const node = rig.pivots.get(n)!;
      node.setParent(root);
      node.name = `avatar-${n}-${id}`;
      return node;
    }) as [TransformNode, TransformNode];
    let body: TransformNode | null = rig.pivots.get("body")!;
    body.setParent(root);
    body.name = `avatar-body-${id}`;
    // Only the patient wears a headset: the care team works at a desk or at the chair. The
    // patient's body is the chair's, so a patient avatar has no torso.
    const figureMaterials = new Set(root.getChildMeshes(false).map((m) => m.material));
    if (!patient) rig.pivots.get("visor")?.dispose(false, false);
    if (patient) {
      body.dispose(false, false);
      body = null;
    }
    const skinTone = pick(SKIN, id, 7);
    const tints: Record<string, string> = {
      skin: skinTone,
      hair: pick(HAIR, id, 3),
      scrubs: roleColour(member.role),
      gloves: patient ? skinTone : PALETTE.glove,
    };
    for (const mesh of root.getChildMeshes(false)) {
      const mat = mesh.material;
      const tint = mat ? tints[mat.name] : undefined;
      if (tint && mat instanceof StandardMaterial) mat.diffuseColor = colour(tint);
    }
    // One mesh per rigid part: head, body, each hand.
    const parts = [head, body, left, right].flatMap((n) =>
      n ? batchStatic(n, `avatar-${id}-${n.name}`, { freeze: false }) : [],
    );
    // The figure's own materials are baked into the parts now (or belonged to a dropped visor).
    for (const m of figureMaterials) if (m && m.getBindedMeshes().length === 0) m.dispose();
    const tag = new TextPlane(scene, `avatar-tag-${id}`, 0.44, 0.12, 512);
    tag.mesh.billboardMode = Mesh.BILLBOARDMODE_ALL;
    tag.mesh.parent = root;
    for (const m of parts) {
      m.isPickable = false;
      this.shadows?.addShadowCaster(m, false);
    }
    root.setEnabled(false);
    return {
      member,
      root,
      head,
      body,
      parts,
      left,
      right,
      tag,
      materials: parts.map((m) => m.material as StandardMaterial),
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
    for (const mesh of avatar.parts) mesh.visibility = alpha;
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
