/**
 * Writes the built-in models as GLB files (run in a browser page by scripts/buildModels.ts, where
 * the painted canvas textures can be read back): each builder's figure goes into its own scene,
 * our materials become glTF metallic-roughness ones by models.ts `pbrFromStandard` (the exact
 * inverse of what the loader does), and Babylon's glTF 2.0 serializer writes the file. Never part
 * of the room's bundle.
 */
import "@babylonjs/serializers/glTF/2.0/Extensions/KHR_materials_unlit.js";
import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import type { Engine } from "@babylonjs/core/Engines/engine.js";
import { Light } from "@babylonjs/core/Lights/light.js";
import { PBRMaterial } from "@babylonjs/core/Materials/PBR/pbrMaterial.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { Scene } from "@babylonjs/core/scene.js";
import { GLTF2Export } from "@babylonjs/serializers/glTF/2.0/glTFSerializer.js";
import { buildAvatarFigure } from "./avatars.ts";
import { buildDentalUnitFigure } from "./chair.ts";
import { MODEL_CONTRACTS, MODEL_KINDS, type ModelKind, pbrFromStandard, type Rgb } from "./models.ts";
import { buildOttoFigure } from "./ottoAvatar.ts";
import { buildClinicRoomFigure } from "./room.ts";

const FIGURES: Record<ModelKind, (scene: Scene) => TransformNode> = {
  room: buildClinicRoomFigure,
  chair: buildDentalUnitFigure,
  avatar: buildAvatarFigure,
  otto: buildOttoFigure,
};

const rgb = (c: Color3): Rgb => [c.r, c.g, c.b];
const color = (c: Rgb) => new Color3(c[0], c[1], c[2]);

function toPbr(scene: Scene): void {
  for (const std of scene.materials.filter((m): m is StandardMaterial => m instanceof StandardMaterial)) {
    const look = pbrFromStandard({
      diffuse: rgb(std.diffuseColor),
      specular: Math.max(std.specularColor.r, std.specularColor.g, std.specularColor.b),
      emissive: rgb(std.emissiveColor),
      alpha: std.alpha,
      unlit: std.disableLighting,
    });
    const pbr = new PBRMaterial(std.name, scene);
    pbr.albedoColor = color(look.baseColor);
    pbr.metallic = 0;
    pbr.roughness = look.roughness;
    pbr.emissiveColor = color(look.emissive);
    pbr.alpha = look.alpha;
    pbr.unlit = look.unlit;
    pbr.backFaceCulling = std.backFaceCulling;
    pbr.albedoTexture = std.diffuseTexture ?? (look.unlit ? std.emissiveTexture : null);
    for (const mesh of std.getBindedMeshes()) mesh.material = pbr;
  }
}

/** Each model's file name and its bytes, base64-encoded for the trip back to Node. */
export async function exportBuiltinModelsAsync(engine: Engine): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const kind of MODEL_KINDS) {
    const scene = new Scene(engine);
    FIGURES[kind](scene);
    toPbr(scene);
    // Texture coordinates only where a texture uses them: a quarter of each plain part's bytes.
    for (const mesh of scene.meshes) {
      const mat = mesh.material;
      if (mat instanceof PBRMaterial && !mat.albedoTexture && mesh instanceof Mesh)
        mesh.removeVerticesData(VertexBuffer.UVKind);
    }
    const name = MODEL_CONTRACTS[kind].file.replace(/\.glb$/, "");
    const data = await GLTF2Export.GLBAsync(scene, name, {
      shouldExportNode: (node) => !(node instanceof Light),
    });
    const blob = data.files[`${name}.glb`];
    if (!(blob instanceof Blob)) throw new Error(`no GLB for ${kind}`);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000)
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    out[MODEL_CONTRACTS[kind].file] = btoa(binary);
    scene.dispose();
  }
  return out;
}
