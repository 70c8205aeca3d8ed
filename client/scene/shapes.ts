/** Procedural solids built by deforming a sphere: rounded boxes, cushions, tooth crowns. */
import { Quaternion, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateCylinder } from "@babylonjs/core/Meshes/Builders/cylinderBuilder.js";
import { CreateSphereVertexData } from "@babylonjs/core/Meshes/Builders/sphereBuilder.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import type { Scene } from "@babylonjs/core/scene.js";

/** Maps a point of the unit sphere to a point of the new solid. */
export type Deform = (x: number, y: number, z: number) => readonly [number, number, number];

/** Signed power: the superellipse trick (e < 1 squares a circle off, e = 1 leaves it). */
export function spow(v: number, e: number): number {
  return Math.sign(v) * Math.abs(v) ** e;
}

/**
 * A mesh made by moving every vertex of a unit sphere, with smooth normals. Normals are averaged
 * over vertices that share a position so the sphere's UV seam does not show as a crease.
 */
export function deformedSphere(name: string, scene: Scene, deform: Deform, segments = 16): Mesh {
  const data = CreateSphereVertexData({ diameter: 2, segments });
  const positions = Array.from(data.positions ?? []);
  const indices = Array.from(data.indices ?? []);
  for (let i = 0; i < positions.length; i += 3) {
    const [x, y, z] = deform(positions[i]!, positions[i + 1]!, positions[i + 2]!);
    positions[i] = x;
    positions[i + 1] = y;
    positions[i + 2] = z;
  }
  const normals: number[] = [];
  VertexData.ComputeNormals(positions, indices, normals);
  weldNormals(positions, normals);
  const out = new VertexData();
  out.positions = positions;
  out.indices = indices;
  out.normals = normals;
  out.uvs = data.uvs ? Array.from(data.uvs) : null;
  const mesh = new Mesh(name, scene);
  out.applyToMesh(mesh);
  return mesh;
}

function weldNormals(positions: number[], normals: number[]): void {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < positions.length; i += 3) {
    const key = `${positions[i]!.toFixed(5)},${positions[i + 1]!.toFixed(5)},${positions[i + 2]!.toFixed(5)}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    let x = 0;
    let y = 0;
    let z = 0;
    for (const i of g) {
      x += normals[i]!;
      y += normals[i + 1]!;
      z += normals[i + 2]!;
    }
    const len = Math.hypot(x, y, z) || 1;
    for (const i of g) {
      normals[i] = x / len;
      normals[i + 1] = y / len;
      normals[i + 2] = z / len;
    }
  }
}

/** A box with rounded edges (superellipsoid): roundness 1 is an ellipsoid, 0.15 nearly a box. */
export function roundedBox(
  name: string,
  scene: Scene,
  width: number,
  height: number,
  depth: number,
  roundness = 0.3,
  segments = 16,
): Mesh {
  return deformedSphere(
    name,
    scene,
    (x, y, z) => [
      (spow(x, roundness) * width) / 2,
      (spow(y, roundness) * height) / 2,
      (spow(z, roundness) * depth) / 2,
    ],
    segments,
  );
}

/** A cylinder from `from` to `to`. */
export function rod(
  name: string,
  scene: Scene,
  from: Vector3,
  to: Vector3,
  diameter: number,
  tessellation = 12,
): Mesh {
  const delta = to.subtract(from);
  const length = delta.length();
  const mesh = CreateCylinder(name, { diameter, height: length, tessellation }, scene);
  mesh.position.copyFrom(from).addInPlace(to).scaleInPlace(0.5);
  mesh.rotationQuaternion = new Quaternion();
  Quaternion.FromUnitVectorsToRef(Vector3.Up(), delta.scale(1 / length), mesh.rotationQuaternion);
  return mesh;
}
