/**
 * Draw-call budget for figures that move in parts (Otto, the avatars): a headset draws every mesh
 * once per eye, so a figure of a dozen moving parts costs two dozen draws. Here the parts become
 * one skinned mesh per look: each vertex is bound, with full weight, to the pivot it hung from,
 * and a skeleton whose bones follow those pivots (`Bone.linkTransformNode`) moves the vertices on
 * the GPU. The code that animates the figure keeps moving its pivots as before. Each part's plain
 * colour moves into its vertex colours (as in staticBatch), so one material serves a whole look.
 */
import { Bone } from "@babylonjs/core/Bones/bone.js";
import { Skeleton } from "@babylonjs/core/Bones/skeleton.js";
import { BoundingInfo } from "@babylonjs/core/Culling/boundingInfo.js";
import type { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import type { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Matrix, Quaternion, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import type { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";

/** One merged mesh: its parts, the material they share, and each part's colour. */
export interface SkinLook {
  name: string;
  parts: readonly Mesh[];
  material: StandardMaterial;
  /** The colour baked into a part's vertices (multiplied by the material's colours). */
  tint: (part: Mesh) => Color3;
}

/** A part's vertices in the figure root's space, with the bone they follow. */
interface Piece {
  data: VertexData;
  bone: number;
  tint: Color3;
}

/** Bones in parent-first order, so each bone's parent exists when it is made. */
function parentFirst(pivots: readonly TransformNode[]): TransformNode[] {
  const depth = (n: TransformNode) => {
    let d = 0;
    for (let p = n.parent; p; p = p.parent) d++;
    return d;
  };
  return [...pivots].sort((a, b) => depth(a) - depth(b));
}

function localMatrix(node: TransformNode): Matrix {
  const q = node.rotationQuaternion ?? Quaternion.FromEulerVector(node.rotation);
  return Matrix.Compose(node.scaling, q, node.position);
}

/**
 * A figure whose parts are merged into skinned meshes (one per look), parented to `root` with no
 * transform of their own. Every pivot's parent must be another pivot or `root`.
 */
export class SkinnedFigure {
  readonly skeleton: Skeleton;
  readonly meshes: Mesh[] = [];
  private readonly bones = new Map<TransformNode, number>();
  /** Each bone's vertex box in its bind space, to keep the culling box around the moving parts. */
  private readonly boxes: { min: Vector3; max: Vector3 }[] = [];
  private readonly pivots: TransformNode[];

  constructor(
    private readonly root: TransformNode,
    pivots: readonly TransformNode[],
    looks: readonly SkinLook[],
  ) {
    const scene = root.getScene();
    this.skeleton = new Skeleton(`${root.name}-skeleton`, `${root.name}-skeleton`, scene);
    this.pivots = parentFirst(pivots);
    for (const pivot of this.pivots) {
      const parentIndex = pivot.parent ? this.bones.get(pivot.parent as TransformNode) : undefined;
      if (pivot.parent !== root && parentIndex === undefined)
        throw new Error(`skinnedFigure: ${pivot.name} hangs from neither a pivot nor the root`);
      const parentBone = parentIndex === undefined ? null : this.skeleton.bones[parentIndex]!;
      const bone = new Bone(pivot.name, this.skeleton, parentBone, localMatrix(pivot));
      bone.linkTransformNode(pivot);
      this.bones.set(pivot, this.skeleton.bones.length - 1);
      this.boxes.push({
        min: new Vector3(Infinity, Infinity, Infinity),
        max: new Vector3(-Infinity, -Infinity, -Infinity),
      });
    }
    const toRoot = Matrix.Invert(root.computeWorldMatrix(true));
    for (const look of looks) {
      const pieces: Piece[] = [];
      for (const part of look.parts) {
        if (part.getTotalVertices() === 0) continue;
        const data = VertexData.ExtractFromMesh(part, true, true);
        data.transform(part.computeWorldMatrix(true).multiply(toRoot));
        pieces.push({ data, bone: this.boneOf(part), tint: look.tint(part) });
        this.growBox(pieces[pieces.length - 1]!);
      }
      for (const part of look.parts) part.dispose(false, false);
      if (pieces.length === 0) continue;
      const mesh = new Mesh(look.name, scene);
      merge(pieces).applyToMesh(mesh);
      mesh.parent = root;
      mesh.material = look.material;
      mesh.skeleton = this.skeleton;
      mesh.numBoneInfluencers = 1;
      mesh.isPickable = false;
      this.meshes.push(mesh);
    }
    this.refreshBounds();
  }

  /** The bone of the nearest pivot above a part (the root's parts follow the first bone). */
  private boneOf(part: Mesh): number {
    for (let p = part.parent; p; p = p.parent) {
      const i = this.bones.get(p as TransformNode);
      if (i !== undefined) return i;
    }
    return 0;
  }

  /** Grows the piece's bone box by its vertices, in the bone's bind space. */
  private growBox(piece: Piece): void {
    const positions = piece.data.positions ?? [];
    const bind = this.skeleton.bones[piece.bone]!.getAbsoluteInverseBindMatrix();
    const box = this.boxes[piece.bone]!;
    const v = new Vector3();
    for (let i = 0; i < positions.length; i += 3) {
      Vector3.TransformCoordinatesFromFloatsToRef(
        positions[i]!,
        positions[i + 1]!,
        positions[i + 2]!,
        bind,
        v,
      );
      box.min.minimizeInPlace(v);
      box.max.maximizeInPlace(v);
    }
  }

  /**
   * Fits the meshes' culling box around where the pivots are now (the GPU moves the vertices, so
   * the box made at bind time would cull a hand held far from it). Call after moving the pivots.
   */
  refreshBounds(): void {
    const min = new Vector3(Infinity, Infinity, Infinity);
    const max = new Vector3(-Infinity, -Infinity, -Infinity);
    const toRoot = Matrix.Invert(this.root.computeWorldMatrix(true));
    const corner = new Vector3();
    this.pivots.forEach((pivot, i) => {
      const box = this.boxes[i]!;
      if (box.min.x > box.max.x) return;
      const m = pivot.computeWorldMatrix(true).multiply(toRoot);
      for (let c = 0; c < 8; c++) {
        corner.set(
          c & 1 ? box.max.x : box.min.x,
          c & 2 ? box.max.y : box.min.y,
          c & 4 ? box.max.z : box.min.z,
        );
        const p = Vector3.TransformCoordinates(corner, m);
        min.minimizeInPlace(p);
        max.maximizeInPlace(p);
      }
    });
    if (min.x > max.x) return;
    for (const mesh of this.meshes) mesh.setBoundingInfo(new BoundingInfo(min, max));
  }

  dispose(): void {
    for (const mesh of this.meshes) mesh.dispose(false, false);
    this.skeleton.dispose();
  }
}

/** Concatenates the pieces' positions, normals and indices, with tints and one bone per vertex. */
function merge(pieces: readonly Piece[]): VertexData {
  const positions: number[] = [];
  const normals: number[] = [];
  const indices: number[] = [];
  const colors: number[] = [];
  const matricesIndices: number[] = [];
  const matricesWeights: number[] = [];
  for (const { data, bone, tint } of pieces) {
    const base = positions.length / 3;
    const pos = data.positions ?? [];
    const count = pos.length / 3;
    const own = data.colors;
    for (let i = 0; i < count; i++) {
      positions.push(pos[i * 3]!, pos[i * 3 + 1]!, pos[i * 3 + 2]!);
      const n = data.normals;
      normals.push(n ? n[i * 3]! : 0, n ? n[i * 3 + 1]! : 1, n ? n[i * 3 + 2]! : 0);
      colors.push(
        tint.r * (own ? own[i * 4]! : 1),
        tint.g * (own ? own[i * 4 + 1]! : 1),
        tint.b * (own ? own[i * 4 + 2]! : 1),
        1,
      );
      matricesIndices.push(bone, 0, 0, 0);
      matricesWeights.push(1, 0, 0, 0);
    }
    for (const index of data.indices ?? []) indices.push(index + base);
  }
  const out = new VertexData();
  out.positions = positions;
  out.normals = normals;
  out.indices = indices;
  out.colors = colors;
  out.matricesIndices = matricesIndices;
  out.matricesWeights = matricesWeights;
  return out;
}
