/**
 * Remote participants as people: a human-proportioned head (skin, hair, ears, nose; a headset
 * visor only on the patient, the one person in VR), a torso in role-coloured scrubs that follows
 * the head, two hands (gloved for the care team) and a billboard name tag. The whole person is one
 * skinned mesh (skinnedFigure) with a material shared by everybody, to keep the headset's draw
 * calls low. Poses come from snapshot interpolation, so they move smoothly at the viewer's frame
 * rate whatever the network does. The local user is not drawn; the patient's body is the chair's,
 * so a patient avatar has no torso. The person itself (`buildPerson`, `posePerson`, `drawNameTag`)
 * is shared with the support group's circle (groupCircleAvatars.ts), which seats the same figure.
 */
import type { ShadowGenerator } from "@babylonjs/core/Lights/Shadows/shadowGenerator.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Quaternion, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Node } from "@babylonjs/core/node.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Pose, PoseBatch, Transform } from "../../shared/poseCodec.ts";
import type { MemberView } from "../../shared/protocol.ts";
import type { Role } from "../../shared/roles.ts";
import type { V3 } from "../../shared/roomLayout.ts";
import { personPoints } from "./archChartPlacement.ts";
import { contractNodes, type ModelTemplate, rigFrom } from "./modelsLoader.ts";
import { colour, matte, PALETTE, roleColour } from "./palette.ts";
import { PoseInterpolator } from "./poseInterpolation.ts";
import { rod, roundedBox } from "./shapes.ts";
import { SkinnedFigure } from "./skinnedFigure.ts";
import { font, roundRectPath, TextPlane } from "./textTexture.ts";

interface Avatar extends Person {
  member: MemberView;
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
export function pick<T>(list: readonly T[], id: string, salt: number): T {
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

/** Scale of an untracked hand: too small to see, not zero, so its bone's matrix stays invertible. */
const FOLDED = 1e-4;

/** A person's colours, by the figure's material names (skin, hair, scrubs or clothes, gloves). */
export interface PersonLook {
  skin: string;
  hair: string;
  clothes: string;
  gloves: string;
}

/** Skin and hair picked from the member id (the same on every page), with the given clothes. */
export function personLook(memberId: string, clothes: string, gloves: "skin" | string): PersonLook {
  const skin = pick(SKIN, memberId, 7);
  return { skin, hair: pick(HAIR, memberId, 3), clothes, gloves: gloves === "skin" ? skin : gloves };
}

/**
 * One drawn person: the pivots a pose moves, the one skinned mesh they move, and the name tag.
 * Built by `buildPerson`, moved by `posePerson`, shared by the treatment room and the group circle.
 */
export interface Person {
  root: TransformNode;
  /** Follows the pose: the eyes, as cameras report them (named `avatarHeadNodeName`). */
  head: TransformNode;
  /** Neck down; follows the head's position and yaw (null when the figure has no torso). */
  body: TransformNode | null;
  left: TransformNode;
  right: TransformNode;
  /** The skinned mesh the pivots above move (one draw per eye for the whole person). */
  figure: SkinnedFigure;
  /** Every drawn part of the figure, for a fade. */
  parts: Mesh[];
  tag: TextPlane;
}

export interface PersonOptions {
  memberId: string;
  /** Prefix of the person's node names (`<prefix>-<id>` is the root, `<prefix>-body-<id>` …). */
  prefix: string;
  /** The figure's nodes in model space: an avatar file's copy, or `buildAvatarFigure`. */
  source: readonly Node[];
  look: PersonLook;
  /** A headset on the face (the patient in the chair). */
  visor: boolean;
  /** A torso (not for the patient, whose body is the chair's). */
  torso: boolean;
  /** The material everybody's figure shares: each person's colours are in their vertices. */
  material: StandardMaterial;
  shadows?: ShadowGenerator | null;
}

/** Builds one person under a new root: rig, colours, one skinned mesh, a billboard name tag. */
export function buildPerson(scene: Scene, o: PersonOptions): Person {
  const id = o.memberId;
  const root = new TransformNode(`${o.prefix}-${id}`, scene);
  const rig = rigFrom(o.source, contractNodes("avatar"), root);
  const head = rig.pivots.get("head")!;
  head.name = avatarHeadNodeName(id);
  // Body and hands move on their own: straight under the root whatever the file nested them in.
  const [left, right] = (["hand-left", "hand-right"] as const).map((n) => {
    const node = rig.pivots.get(n)!;
    node.setParent(root);
    node.name = `${o.prefix}-${n}-${id}`;
    return node;
  }) as [TransformNode, TransformNode];
  let body: TransformNode | null = rig.pivots.get("body")!;
  body.setParent(root);
  body.name = `${o.prefix}-body-${id}`;
  const figureMaterials = new Set(root.getChildMeshes(false).map((m) => m.material));
  if (!o.visor) rig.pivots.get("visor")?.dispose(false, false);
  if (!o.torso) {
    body.dispose(false, false);
    body = null;
  }
  const tints: Record<string, string> = {
    skin: o.look.skin,
    hair: o.look.hair,
    scrubs: o.look.clothes,
    gloves: o.look.gloves,
  };
  for (const mesh of root.getChildMeshes(false)) {
    const mat = mesh.material;
    const tint = mat ? tints[mat.name] : undefined;
    if (tint && mat instanceof StandardMaterial) mat.diffuseColor = colour(tint);
  }
  // One skinned mesh for the whole person: head, body and hands move through a skeleton whose
  // bones follow their nodes, each person's colours baked into the vertices.
  const figure = new SkinnedFigure(
    root,
    [...rig.pivots.values()].filter((p) => !p.isDisposed()),
    [
      {
        name: `${o.prefix}-${id}-figure`,
        parts: root.getChildMeshes(false).filter((m): m is Mesh => m instanceof Mesh),
        material: o.material,
        tint: (m) =>
          m.material instanceof StandardMaterial ? m.material.diffuseColor.clone() : colour("#ffffff"),
      },
    ],
  );
  // The figure's own materials are baked into the parts now (or belonged to a dropped visor).
  for (const m of figureMaterials) if (m && m.getBindedMeshes().length === 0) m.dispose();
  const tag = new TextPlane(scene, `${o.prefix}-tag-${id}`, 0.44, 0.12, 512);
  tag.mesh.billboardMode = Mesh.BILLBOARDMODE_ALL;
  tag.mesh.parent = root;
  for (const m of figure.meshes) o.shadows?.addShadowCaster(m, false);
  return { root, head, body, left, right, figure, parts: figure.meshes, tag };
}

/**
 * Moves a person to a pose: the head to the eyes, the torso under them turned with the head's yaw
 * (upright), each tracked hand to its controller (an untracked one folds away), the tag `tagLift`
 * above the eyes.
 */
export function posePerson(p: Person, pose: Pose, tagLift: number): void {
  applyTransform(p.head, pose.head);
  if (p.body) {
    // Eyes are ~12 cm above the chin; the torso hangs below, a little behind the eyes.
    const yaw = yawOf(pose.head.q);
    p.body.rotation.y = yaw;
    p.body.position.set(
      pose.head.p.x - 0.09 * Math.sin(yaw),
      pose.head.p.y - 0.09,
      pose.head.p.z - 0.09 * Math.cos(yaw),
    );
  }
  // A hand that is not tracked folds away (its vertices are part of the person's one mesh).
  p.left.scaling.setAll(pose.left ? 1 : FOLDED);
  if (pose.left) applyTransform(p.left, pose.left);
  p.right.scaling.setAll(pose.right ? 1 : FOLDED);
  if (pose.right) applyTransform(p.right, pose.right);
  p.figure.refreshBounds();
  p.tag.mesh.position.set(pose.head.p.x, pose.head.p.y + tagLift, pose.head.p.z);
}

/** Whether a person's hand is drawn (tracked by the last pose). */
export function handShown(hand: TransformNode): boolean {
  return hand.scaling.x === 1;
}

export interface NameTagWords {
  name: string;
  caption: string;
  /** The coloured edge on the left (a role, a raised hand); none when null. */
  stripe: string | null;
  captionColour?: string;
  captionBold?: boolean;
}

/** Draws a name tag: the name large, a caption under it (or the name alone, centred). */
export function drawNameTag(tag: TextPlane, words: NameTagWords): void {
  tag.draw((ctx, w, h) => {
    ctx.fillStyle = "rgba(247,250,251,0.92)";
    roundRectPath(ctx, 4, 4, w - 8, h - 8, 36);
    ctx.fill();
    if (words.stripe) {
      ctx.fillStyle = words.stripe;
      roundRectPath(ctx, 4, 4, 22, h - 8, 11);
      ctx.fill();
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillStyle = PALETTE.text;
    ctx.font = font(46, 600);
    ctx.fillText(words.name, w / 2 + 8, words.caption ? h * 0.4 : h / 2, w - 60);
    if (words.caption) {
      ctx.fillStyle = words.captionColour ?? PALETTE.softText;
      ctx.font = font(28, words.captionBold ? 600 : 400);
      ctx.fillText(words.caption, w / 2 + 8, h * 0.76, w - 60);
    }
  });
}

/** Frees a person's mesh, skeleton, tag and nodes. */
export function disposePerson(p: Person): void {
  p.tag.dispose();
  p.figure.dispose();
  p.root.dispose(false, true);
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
  private sharedMaterial: StandardMaterial | null = null;

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
        disposePerson(existing);
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
      disposePerson(avatar);
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
      if (pose) posePerson(avatar, pose, 0.26);
    }
  }

  /** Interpolated head position of a member, if drawn. */
  headPosition(memberId: string): Vector3 | null {
    const a = this.avatars.get(memberId);
    return a?.visible ? a.head.position.clone() : null;
  }

  /**
   * Points of the drawn people that the docked arch chart must not hide: heads, chests of those
   * standing, and tracked hands.
   */
  sightPoints(): V3[] {
    const out: V3[] = [];
    for (const a of this.avatars.values()) {
      if (!a.visible) continue;
      const p = a.head.position;
      out.push(...personPoints([p.x, p.y, p.z], a.body !== null));
      for (const hand of [a.left, a.right])
        if (handShown(hand)) out.push([hand.position.x, hand.position.y, hand.position.z]);
    }
    return out;
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
    for (const a of this.avatars.values()) disposePerson(a);
    this.avatars.clear();
    this.setMembers(this.lastMembers, this.lastSelf);
  }

  /** Roots of the drawn people, for the model report. */
  roots(): TransformNode[] {
    return [...this.avatars.values()].map((a) => a.root);
  }

  private create(member: MemberView): Avatar {
    const id = member.memberId;
    // Only the patient wears a headset: the care team works at a desk or at the chair. The
    // patient's body is the chair's, so a patient avatar has no torso.
    const patient = member.role === "patient";
    const person = buildPerson(this.scene, {
      memberId: id,
      prefix: "avatar",
      source: this.template ? this.template.instantiate() : [buildAvatarFigure(this.scene)],
      look: personLook(id, roleColour(member.role), patient ? "skin" : PALETTE.glove),
      visor: patient,
      torso: !patient,
      material: this.figureMaterial(),
      shadows: this.shadows,
    });
    person.root.setEnabled(false);
    return { ...person, member, tagKey: "", visible: false };
  }

  /** One material for everybody's figure: each person's colours are in their vertices. */
  private figureMaterial(): StandardMaterial {
    this.sharedMaterial ??= matte(this.scene, "avatar-figure", "#ffffff", { specular: 0.12 });
    return this.sharedMaterial;
  }

  private refreshTag(avatar: Avatar): void {
    const m = avatar.member;
    const reconnecting = m.connection === "reconnecting";
    const key = `${m.displayName}|${m.role}|${reconnecting}`;
    if (key === avatar.tagKey) return;
    avatar.tagKey = key;
    drawNameTag(avatar.tag, {
      name: m.displayName,
      caption: reconnecting ? "reconnecting…" : ROLE_CAPTION[m.role],
      stripe: roleColour(m.role),
    });
    const alpha = reconnecting ? 0.4 : 1;
    for (const mesh of avatar.parts) mesh.visibility = alpha;
  }

  dispose(): void {
    for (const a of this.avatars.values()) disposePerson(a);
    this.avatars.clear();
    this.sharedMaterial?.dispose();
    this.sharedMaterial = null;
  }
}
