/**
 * Everything that stands in the room, built once: light and surroundings, the dental unit, the
 * dentition model, the avatars, Otto, and the patient's world UI and breathing coach.
 */
import { GlowLayer } from "@babylonjs/core/Layers/glowLayer.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { AvatarSet } from "./avatars.ts";
import { BreathingCoach } from "./breathingCoach.ts";
import { buildDentalUnit, type DentalUnit } from "./chair.ts";
import { Dentition } from "./dentition.ts";
import { PATIENT_EYE, PATIENT_UI, patientViewPoint, toV3 } from "./layout.ts";
import { OttoAvatar } from "./ottoAvatar.ts";
import { PatientHud } from "./patientHud.ts";
import { batchStatic } from "./staticBatch.ts";
import { SurroundingsController } from "./surroundings.ts";

export type SceneMode = "desktop" | "patient";
/** "low": no shadows or glow and a coarser canvas, for weak GPUs and software-rendered tests. */
export type SceneQuality = "high" | "low";

export interface RoomParts {
  glow: GlowLayer;
  surroundings: SurroundingsController;
  unit: DentalUnit;
  dentition: Dentition;
  avatars: AvatarSet;
  otto: OttoAvatar;
  hud: PatientHud;
  coach: BreathingCoach;
}

/** `stopControls`: the patient's own page gets the STOP / ready bar; a viewer from the chair does not. */
export function buildRoomParts(
  scene: Scene,
  mode: SceneMode,
  quality: SceneQuality,
  stopControls: boolean,
): RoomParts {
  // Only meshes that ask for it glow (Otto's eyes, the breathing coach), not every emissive text.
  const glow = new GlowLayer("glow", scene, { mainTextureRatio: 0.25, blurKernelSize: 32 });
  glow.intensity = 0.45;
  const surroundings = new SurroundingsController(scene);
  const unit = buildDentalUnit(scene);
  for (const m of unit.casters) surroundings.shadows.addShadowCaster(m, false);
  batchStatic(unit.root, "dental-unit", { exclude: [unit.patientBody], shadows: surroundings.shadows });
  batchStatic(unit.patientBody, "patient-body", { shadows: surroundings.shadows });
  const dentition = new Dentition(scene);
  // Heat maps are clinical data: the patient's view starts without the dentition model.
  dentition.setVisible(mode === "desktop");
  const avatars = new AvatarSet(scene, surroundings.shadows);
  const otto = new OttoAvatar(scene, glow, surroundings.shadows);
  const hud = new PatientHud(scene, stopControls);
  const coach = new BreathingCoach(scene, glow);
  const p = PATIENT_UI.breathing;
  coach.placeFacing(patientViewPoint(p.distance, p.yawDeg, p.pitchDeg), toV3(PATIENT_EYE));
  unit.patientBody.setEnabled(mode === "patient");

  if (quality === "low") {
    scene.shadowsEnabled = false;
    glow.isEnabled = false;
    scene.getEngine().setHardwareScalingLevel(1.5);
  }
  // Only teeth and panels are pickable: picking stays cheap and decor never blocks a tooth.
  for (const m of scene.meshes) if (!m.metadata?.interactive) m.isPickable = false;
  return { glow, surroundings, unit, dentition, avatars, otto, hud, coach };
}

export function disposeRoomParts(parts: RoomParts): void {
  parts.hud.dispose();
  parts.coach.dispose();
  parts.otto.dispose();
  parts.avatars.dispose();
  parts.dentition.dispose();
  parts.unit.dispose();
  parts.surroundings.dispose();
  parts.glow.dispose();
}
