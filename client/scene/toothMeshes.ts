/**
 * The 32 crowns and both gums as ONE mesh (one draw call instead of 34), plus the alarm and
 * highlight outlines as two more. A tooth's colour lives in the vertex colours and its "unknown"
 * hatching in its UVs (a hatch texture whose gap is pure white: plain teeth all sample that gap),
 * so a state change rewrites two vertex buffers instead of needing 32 materials. Outlines are
 * inverted hulls whose index buffer holds only the outlined teeth. Picking maps a triangle back to
 * its tooth. Pure geometry on Babylon's VertexData: unit-tested on a NullEngine.
 */
import { type Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";

/** One part's place in the merged buffers. */
export interface PartRange {
  /** FDI number, or null for gum. */
  fdi: number | null;
  vertexStart: number;
  vertexCount: number;
  /** First index (not triangle) in the merged index buffer, and how many. */
  indexStart: number;
  indexCount: number;
  /** Centre of the part in the merged mesh's frame. */
  centre: Vector3;
}

export interface MergedTeeth {
  positions: Float32Array;
  normals: Float32Array;
  indices: Uint32Array;
  /** The hatch UVs each vertex has while its tooth is "unknown". */
  hatchUvs: Float32Array;
  parts: PartRange[];
}

/** Where in the hatch texture a plain tooth samples: the middle of a gap between two stripes. */
export const PLAIN_UV: readonly [number, number] = [72 / 128, 64 / 128];

/**
 * Merges parts (each a mesh with positions, normals, indices and UVs) into one buffer set, in the
 * frame given by `toFrame` (inverse of the merged mesh's parent world matrix). Parts are
 * transformed by their current world matrices.
 */
export function mergeParts(
  parts: readonly { mesh: Mesh; fdi: number | null }[],
  toFrame: Matrix,
): MergedTeeth {
  const positions: number[] = [];
  const normals: number[] = [];
  const indices: number[] = [];
  const uvs: number[] = [];
  const ranges: PartRange[] = [];
  for (const { mesh, fdi } of parts) {
    const data = VertexData.ExtractFromMesh(mesh, true, true);
    const m = mesh.computeWorldMatrix(true).multiply(toFrame);
    data.transform(m);
    const pos = data.positions ?? [];
    const vertexStart = positions.length / 3;
    const indexStart = indices.length;
    const centre = Vector3.Zero();
    for (let i = 0; i < pos.length; i += 3) centre.addInPlaceFromFloats(pos[i]!, pos[i + 1]!, pos[i + 2]!);
    const count = pos.length / 3;
    centre.scaleInPlace(1 / Math.max(1, count));
    for (const p of pos) positions.push(p);
    for (const n of data.normals ?? []) normals.push(n);
    const partUvs = data.uvs ?? [];
    for (let i = 0; i < count * 2; i++) uvs.push(partUvs[i] ?? 0);
    for (const idx of data.indices ?? []) indices.push(idx + vertexStart);
    ranges.push({
      fdi,
      vertexStart,
      vertexCount: count,
      indexStart,
      indexCount: indices.length - indexStart,
      centre,
    });
  }
  return {
    positions: Float32Array.from(positions),
    normals: Float32Array.from(normals),
    indices: Uint32Array.from(indices),
    hatchUvs: Float32Array.from(uvs),
    parts: ranges,
  };
}

/** The tooth a picked triangle belongs to (null for gum or out of range). */
export function toothOfFace(parts: readonly PartRange[], faceId: number): number | null {
  const index = faceId * 3;
  for (const p of parts) if (index >= p.indexStart && index < p.indexStart + p.indexCount) return p.fdi;
  return null;
}

export interface ToothLook {
  /** Linear RGB 0..1. */
  rgb: readonly [number, number, number];
  hatched: boolean;
}

/** Writes every part's colour and UVs: a tooth's look, the gum's fixed colour. */
export function fillLooks(
  merged: MergedTeeth,
  look: (fdi: number) => ToothLook,
  gum: readonly [number, number, number],
  colours: Float32Array,
  uvs: Float32Array,
): void {
  for (const p of merged.parts) {
    const l: ToothLook = p.fdi === null ? { rgb: gum, hatched: false } : look(p.fdi);
    for (let v = p.vertexStart; v < p.vertexStart + p.vertexCount; v++) {
      colours[v * 4] = l.rgb[0];
      colours[v * 4 + 1] = l.rgb[1];
      colours[v * 4 + 2] = l.rgb[2];
      colours[v * 4 + 3] = 1;
      uvs[v * 2] = l.hatched ? merged.hatchUvs[v * 2]! : PLAIN_UV[0];
      uvs[v * 2 + 1] = l.hatched ? merged.hatchUvs[v * 2 + 1]! : PLAIN_UV[1];
    }
  }
}

/** An inverted hull: every vertex pushed out along its normal by `width` (model units). */
export function inflate(merged: MergedTeeth, width: number): Float32Array {
  const out = new Float32Array(merged.positions.length);
  for (let i = 0; i < out.length; i++) out[i] = merged.positions[i]! + merged.normals[i]! * width;
  return out;
}

/** Index buffer holding only the listed teeth (an outline mesh draws just those). */
export function indicesFor(merged: MergedTeeth, teeth: ReadonlySet<number>): Uint32Array {
  const parts = merged.parts.filter((p) => p.fdi !== null && teeth.has(p.fdi));
  const out = new Uint32Array(parts.reduce((n, p) => n + p.indexCount, 0));
  let k = 0;
  for (const p of parts) {
    out.set(merged.indices.subarray(p.indexStart, p.indexStart + p.indexCount), k);
    k += p.indexCount;
  }
  return out;
}

/** Per-vertex outline colours for the listed teeth (others black; they are not drawn anyway). */
export function outlineColours(
  merged: MergedTeeth,
  colourOf: (fdi: number) => readonly [number, number, number] | null,
  out: Float32Array,
): void {
  for (const p of merged.parts) {
    const c = p.fdi === null ? null : colourOf(p.fdi);
    for (let v = p.vertexStart; v < p.vertexStart + p.vertexCount; v++) {
      out[v * 4] = c?.[0] ?? 0;
      out[v * 4 + 1] = c?.[1] ?? 0;
      out[v * 4 + 2] = c?.[2] ?? 0;
      out[v * 4 + 3] = 1;
    }
  }
}

/** Applies buffers to a mesh built once (updatable colours, UVs and indices). */
export function applyMerged(
  mesh: Mesh,
  merged: MergedTeeth,
  positions: Float32Array,
  colours: Float32Array,
  uvs: Float32Array | null,
): void {
  const data = new VertexData();
  data.positions = positions;
  data.normals = merged.normals;
  data.indices = merged.indices;
  data.colors = colours;
  if (uvs) data.uvs = uvs;
  data.applyToMesh(mesh, true);
}

/** A label's box in the viewer's plane (model x, y; mm), centred at x, y. */
export interface LabelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Pushes overlapping label boxes apart (where the arches meet at the molars, and the narrow lower
 * incisors), each pair along its axis of least overlap, until none overlap or `rounds` run out.
 * Returns new boxes; pure.
 */
export function spreadLabels(boxes: readonly LabelBox[], gap = 0.6, rounds = 60): LabelBox[] {
  const out = boxes.map((b) => ({ ...b }));
  for (let r = 0; r < rounds; r++) {
    let moved = false;
    for (let i = 0; i < out.length; i++)
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i]!;
        const b = out[j]!;
        const ox = (a.w + b.w) / 2 + gap - Math.abs(a.x - b.x);
        const oy = (a.h + b.h) / 2 + gap - Math.abs(a.y - b.y);
        if (ox <= 0 || oy <= 0) continue;
        moved = true;
        if (ox < oy) {
          const s = a.x < b.x || (a.x === b.x && i < j) ? -1 : 1;
          a.x += (s * ox) / 2;
          b.x -= (s * ox) / 2;
        } else {
          const s = a.y < b.y || (a.y === b.y && i < j) ? -1 : 1;
          a.y += (s * oy) / 2;
          b.y -= (s * oy) / 2;
        }
      }
    if (!moved) break;
  }
  return out;
}

/** True when no two boxes overlap (tests). */
export function labelsOverlap(boxes: readonly LabelBox[]): boolean {
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (Math.abs(a.x - b.x) < (a.w + b.w) / 2 && Math.abs(a.y - b.y) < (a.h + b.h) / 2) return true;
    }
  return false;
}
