/**
 * A calm sky dome for the circle and the lesson stage (issue 12): a soft gradient from a warm, hazy
 * horizon to blue overhead, self-lit, one draw. The nature surroundings' own dome is drawn black
 * today (staticBatch multiplies its vertex colours by the sky material's black diffuse); this one
 * sits just inside it, so these two scenes stay daylight whatever the shared builder does.
 */
import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { CreateSphere } from "@babylonjs/core/Meshes/Builders/sphereBuilder.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { glowing } from "./palette.ts";

/** Colour stops by height on the dome (-1 nadir … 1 zenith). */
const STOPS: readonly [number, string][] = [
  [-1, "#cfe0c8"],
  [-0.02, "#e9efe6"],
  [0.03, "#f3ead9"],
  [0.14, "#dbe9f2"],
  [0.4, "#a6cdee"],
  [1, "#6aa6dc"],
];

/** The colour of the sky at normalised height `h` (-1 … 1). Pure. */
export function skyColour(h: number): Color3 {
  const y = Math.max(-1, Math.min(1, h));
  let k = 1;
  while (k < STOPS.length - 1 && STOPS[k]![0] < y) k++;
  const [a, ca] = STOPS[k - 1]!;
  const [b, cb] = STOPS[k]!;
  return Color3.Lerp(
    Color3.FromHexString(ca),
    Color3.FromHexString(cb),
    Math.max(0, Math.min(1, (y - a) / (b - a || 1))),
  );
}

export function buildCircleSky(scene: Scene): Mesh {
  const radius = 85;
  const sky = CreateSphere(
    "circle-sky",
    { diameter: radius * 2, segments: 24, sideOrientation: Mesh.BACKSIDE },
    scene,
  );
  const positions = sky.getVerticesData(VertexBuffer.PositionKind) ?? [];
  const colors: number[] = [];
  for (let i = 0; i < positions.length; i += 3) {
    const c = skyColour(positions[i + 1]! / radius);
    colors.push(c.r, c.g, c.b, 1);
  }
  sky.setVerticesData(VertexBuffer.ColorKind, colors);
  sky.material = glowing(scene, "circle-sky", "#ffffff");
  sky.isPickable = false;
  sky.infiniteDistance = false;
  return sky;
}
