/**
 * The speaking indicator on an avatar: a soft halo that rings the head of whoever is
 * talking, and the spatial audio's anchor. It finds a person's head by the node name the models
 * slice documents (`avatarHeadNodeName`: `avatar-eyes-<memberId>`, the same for the built-in and a
 * GLB avatar) so it never reaches into avatar internals. One material for every ring.
 */

import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { CreateTorus } from "@babylonjs/core/Meshes/Builders/torusBuilder.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Scene } from "@babylonjs/core/scene.js";

/** Same as client/scene/avatars.ts `avatarHeadNodeName` (models slice's contract). */
export function headNodeName(memberId: string): string {
  return `avatar-eyes-${memberId}`;
}

export class SpeakingIndicators {
  private readonly rings = new Map<string, Mesh>();
  private readonly material: StandardMaterial;

  constructor(private readonly scene: Scene) {
    this.material = new StandardMaterial("voice-speaking", scene);
    // A calm teal, lit from within so it reads in the dim nature scene and the clinic alike.
    this.material.emissiveColor = new Color3(0.25, 0.85, 0.8);
    this.material.disableLighting = true;
    this.material.alpha = 0.85;
  }

  /** The head node of a member drawn in the scene, or null. */
  head(memberId: string): TransformNode | null {
    return this.scene.getTransformNodeByName(headNodeName(memberId));
  }

  /** Where a member's head is now, in world metres (for the voice's panner). */
  headPosition(memberId: string): { x: number; y: number; z: number } | null {
    const head = this.head(memberId);
    if (!head?.isEnabled()) return null;
    const p = head.getAbsolutePosition();
    return { x: p.x, y: p.y, z: p.z };
  }

  /** Shows the ring over each speaking member's head; hides the rest. */
  update(speaking: ReadonlySet<string>, members: readonly string[]): void {
    for (const id of members) {
      const head = this.head(id);
      let ring = this.rings.get(id);
      if (head && !ring) {
        ring = CreateTorus(
          `voice-ring-${id}`,
          { diameter: 0.2, thickness: 0.015, tessellation: 24 },
          this.scene,
        );
        ring.material = this.material;
        ring.isPickable = false;
        ring.parent = head;
        ring.position.set(0, 0.2, -0.04);
        this.rings.set(id, ring);
      }
      if (ring && ring.parent !== head) {
        ring.dispose();
        this.rings.delete(id);
        continue;
      }
      if (ring) {
        const on = speaking.has(id);
        ring.setEnabled(on);
        if (on) ring.scaling.setAll(1 + 0.08 * Math.sin(performance.now() / 160));
      }
    }
    for (const [id, ring] of this.rings) {
      if (!members.includes(id)) {
        ring.dispose();
        this.rings.delete(id);
      }
    }
  }

  /** Which rings show now, by member (for the page's test state). */
  shown(): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const [id, ring] of this.rings) out[id] = ring.isEnabled();
    return out;
  }

  dispose(): void {
    for (const ring of this.rings.values()) ring.dispose();
    this.rings.clear();
    this.material.dispose();
  }
}
