/**
 * Crown geometry for the permanent teeth, in millimetres. Crowns are built from a deformed
 * sphere: incisors flat with a straight incisal edge, canines pointed, premolars with two cusps,
 * molars wider and squarer with four. Local frame: +y occlusal, x mesiodistal, +z buccal.
 */
import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { deformedSphere, spow } from "./shapes.ts";

export type ToothKind = "incisor" | "canine" | "premolar" | "molar";

export interface ToothDims {
  /** Mesiodistal width. */
  width: number;
  /** Buccolingual depth. */
  depth: number;
  /** Crown height. */
  height: number;
}

/** Typical crown sizes (mm), tooth 1..8 from the midline. */
const UPPER: readonly ToothDims[] = [
  { width: 8.6, depth: 7.0, height: 10.5 },
  { width: 6.6, depth: 6.2, height: 9.0 },
  { width: 7.6, depth: 8.0, height: 10.0 },
  { width: 7.0, depth: 9.0, height: 8.3 },
  { width: 6.6, depth: 9.0, height: 7.8 },
  { width: 10.2, depth: 11.0, height: 7.4 },
  { width: 9.2, depth: 10.8, height: 7.0 },
  { width: 8.6, depth: 10.2, height: 6.6 },
];
const LOWER: readonly ToothDims[] = [
  { width: 5.2, depth: 6.0, height: 9.0 },
  { width: 5.8, depth: 6.2, height: 9.4 },
  { width: 7.0, depth: 7.6, height: 10.6 },
  { width: 7.0, depth: 7.6, height: 8.4 },
  { width: 7.2, depth: 8.0, height: 8.0 },
  { width: 11.0, depth: 10.4, height: 7.5 },
  { width: 10.4, depth: 10.0, height: 7.0 },
  { width: 10.0, depth: 9.6, height: 6.8 },
];

export function toothKind(fdi: number): ToothKind {
  const t = fdi % 10;
  if (t <= 2) return "incisor";
  if (t === 3) return "canine";
  if (t <= 5) return "premolar";
  return "molar";
}

export function isUpper(fdi: number): boolean {
  const q = Math.floor(fdi / 10);
  return q === 1 || q === 2;
}

export function toothDims(fdi: number): ToothDims {
  const t = fdi % 10;
  return (isUpper(fdi) ? UPPER : LOWER)[t - 1]!;
}

function bump(x: number, z: number, cx: number, cz: number, r: number): number {
  const dx = x - cx;
  const dz = z - cz;
  return Math.exp(-(dx * dx + dz * dz) / (r * r));
}

/** Occlusal relief in unit coordinates (x, z in -1..1): cusps up, fissures down. */
function relief(kind: ToothKind, x: number, z: number): number {
  switch (kind) {
    case "incisor":
      return 0;
    case "canine":
      return 0.5 * bump(x, z, 0, 0.1, 0.55);
    case "premolar":
      return (
        0.3 * bump(x, z, 0, 0.5, 0.45) + 0.22 * bump(x, z, 0, -0.5, 0.45) - 0.12 * bump(x, z, 0, 0, 0.25)
      );
    case "molar":
      return (
        0.22 * (bump(x, z, 0.45, 0.45, 0.42) + bump(x, z, -0.45, 0.45, 0.42)) +
        0.18 * (bump(x, z, 0.45, -0.45, 0.42) + bump(x, z, -0.45, -0.45, 0.42)) -
        0.1 * bump(x, z, 0, 0, 0.3)
      );
  }
}

/** Millimetres of crown per repeat of a surface texture (the "unknown" hatching). */
const UV_MM = 8;

/**
 * Builds one crown (mm), occlusal/incisal surface toward +y, buccal toward +z. UVs are an oblique
 * planar projection, so a hatch texture runs in even stripes instead of swirling at the poles.
 */
export function createCrown(name: string, scene: Scene, kind: ToothKind, dims: ToothDims): Mesh {
  const mesh = crownGeometry(name, scene, kind, dims);
  const positions = mesh.getVerticesData(VertexBuffer.PositionKind) ?? [];
  const uvs: number[] = [];
  for (let i = 0; i < positions.length; i += 3) {
    const x = positions[i]!;
    const y = positions[i + 1]!;
    const z = positions[i + 2]!;
    uvs.push((x - 0.6 * z) / UV_MM, (y + 0.45 * z) / UV_MM);
  }
  mesh.setVerticesData(VertexBuffer.UVKind, uvs);
  return mesh;
}

function crownGeometry(name: string, scene: Scene, kind: ToothKind, dims: ToothDims): Mesh {
  const square = kind === "molar" ? 0.55 : kind === "premolar" ? 0.7 : 0.8;
  return deformedSphere(
    name,
    scene,
    (ux, uy, uz) => {
      const top = Math.max(0, uy);
      let x = spow(ux, square);
      let z = spow(uz, square);
      let y = spow(uy, 0.7);
      // Narrower at the neck of the tooth.
      const neck = 1 - 0.22 * Math.max(0, -uy) ** 1.5;
      x *= neck;
      z *= neck;
      switch (kind) {
        case "incisor":
          z *= 1 - 0.72 * top ** 1.2;
          x *= 1 + 0.06 * uy;
          y = uy > 0 ? Math.min(y, 0.92 + 0.08 * (1 - Math.abs(x))) : y;
          break;
        case "canine":
          x *= 1 - 0.55 * top ** 1.6;
          z *= 1 - 0.45 * top ** 1.6;
          y += 0.22 * top ** 3 * (1 - Math.abs(x));
          break;
        case "premolar":
        case "molar":
          y = uy > 0 ? 0.55 + 0.3 * y : y;
          y += top ** 2 * relief(kind, x, z) * 1.2;
          break;
      }
      return [(x * dims.width) / 2, (y * dims.height) / 2, (z * dims.depth) / 2];
    },
    14,
  );
}

// Arches ------------------------------------------------------------------------------------

/** An arch curve in the occlusal plane (mm): z = depth - depth * (|x| / halfWidth)^power, a U shape. */
export interface ArchShape {
  halfWidth: number;
  depth: number;
  power: number;
}
export const UPPER_ARCH: ArchShape = { halfWidth: 26, depth: 27, power: 2.8 };
export const LOWER_ARCH: ArchShape = { halfWidth: 23.5, depth: 23, power: 2.8 };
/** Points along one side of an arch (x >= 0), with cumulative arc length from the midline. */
export function archSamples(shape: ArchShape): { x: number; z: number; s: number }[] {
  const out = [{ x: 0, z: shape.depth, s: 0 }];
  for (let x = 0.1; x <= 60; x += 0.1) {
    const z = shape.depth - shape.depth * (x / shape.halfWidth) ** shape.power;
    const prev = out[out.length - 1]!;
    out.push({ x, z, s: prev.s + Math.hypot(x - prev.x, z - prev.z) });
  }
  return out;
}

/** Position and outward normal at arc length `s` on the +x side. */
export function archAt(
  samples: ReturnType<typeof archSamples>,
  s: number,
): { x: number; z: number; nx: number; nz: number } {
  let i = 1;
  while (i < samples.length - 1 && samples[i]!.s < s) i++;
  const a = samples[i - 1]!;
  const b = samples[i]!;
  const t = (s - a.s) / (b.s - a.s || 1);
  const tx = b.x - a.x;
  const tz = b.z - a.z;
  const len = Math.hypot(tx, tz) || 1;
  return { x: a.x + (b.x - a.x) * t, z: a.z + (b.z - a.z) * t, nx: -tz / len, nz: tx / len };
}
