/** Colours and the few material recipes the scene uses: a calm clinical palette. */
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import type { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Role } from "../../shared/roles.ts";

export const PALETTE = {
  clear: "#e8eef1",
  floor: "#d7dcdf",
  floorLine: "#c5ccd1",
  wall: "#f3f5f6",
  accentWall: "#cfe6e4",
  ceiling: "#fbfbfb",
  cabinet: "#f1f3f4",
  cabinetDoor: "#a9d6d1",
  counter: "#dde2e5",
  metal: "#b9c2ca",
  chromeDark: "#6f7c88",
  upholstery: "#3f98a8",
  upholsteryDark: "#2f7d8c",
  chairShell: "#eef2f4",
  gown: "#9fc9dc",
  bib: "#bfe0f0",
  skin: "#d9ab8f",
  glove: "#a9cdf2",
  navy: "#1f3346",
  text: "#1f3346",
  softText: "#4a6072",
  panelBg: "#f7fafb",
  panelButton: "#e2eff1",
  panelButtonHover: "#c7e6e9",
  primary: "#2f8f9d",
  stop: "#d9534f",
  gumPink: "#e7a1a6",
  toothUnknown: "#8e9db2",
  highlight: "#7df3ff",
} as const;

/** Role colours for avatars and name tags. Otto has its own look. */
export function roleColour(role: Role): string {
  switch (role) {
    case "patient":
      return "#4fb3a9";
    case "clinician":
      return "#3b7dd8";
    case "assistant":
      return "#8e6fd1";
    case "observer":
    case "presenter":
      return "#8f9aa6";
    case "otto":
      return "#5ee0d0";
  }
}

export function colour(hex: string): Color3 {
  return Color3.FromHexString(hex);
}

export interface MatteOptions {
  specular?: number;
  emissive?: string;
  alpha?: number;
}

/** A plain, softly lit material. */
export function matte(scene: Scene, name: string, hex: string, opts: MatteOptions = {}): StandardMaterial {
  const m = new StandardMaterial(name, scene);
  m.diffuseColor = colour(hex);
  const s = opts.specular ?? 0.08;
  m.specularColor = new Color3(s, s, s);
  m.specularPower = 48;
  if (opts.emissive) m.emissiveColor = colour(opts.emissive);
  if (opts.alpha !== undefined) m.alpha = opts.alpha;
  return m;
}

/** A self-lit material (lights, screens, sky) that ignores scene lights and fog. */
export function glowing(scene: Scene, name: string, hex: string, alpha = 1): StandardMaterial {
  const m = new StandardMaterial(name, scene);
  m.diffuseColor = Color3.Black();
  m.specularColor = Color3.Black();
  m.emissiveColor = colour(hex);
  m.disableLighting = true;
  m.fogEnabled = false;
  m.alpha = alpha;
  return m;
}

/** A self-lit material showing a texture as is (windows, sky). */
export function glowingTexture(scene: Scene, name: string, texture: BaseTexture): StandardMaterial {
  const m = glowing(scene, name, "#000000");
  // With lighting off, Babylon adds the emissive texture to the emissive colour: keep that black.
  m.emissiveTexture = texture;
  return m;
}
