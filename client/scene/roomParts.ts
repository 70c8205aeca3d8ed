/**
 * Everything that stands in the room, built once: light and surroundings, the dental unit, the
 * dentition model, the avatars, Otto, and the patient's world UI and breathing coach. The clinic
 * room, the chair, the people and Otto come from replaceable GLB files (models.ts); each one that
 * is missing or broken is built in instead, with a logged warning.
 */
import { GlowLayer } from "@babylonjs/core/Layers/glowLayer.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { AvatarSet } from "./avatars.ts";
import { BreathingCoach } from "./breathingCoach.ts";
import { buildDentalUnitFigure, createDentalUnit, type DentalUnit, placeDentalUnit } from "./chair.ts";
import { Dentition } from "./dentition.ts";
import { PATIENT_EYE, PATIENT_UI, patientViewPoint, toV3 } from "./layout.ts";
import { loadAllModelsAsync, type ModelReport, type ModelTemplate } from "./modelsLoader.ts";
import { buildOttoFigure, OttoAvatar } from "./ottoAvatar.ts";
import { PatientHud } from "./patientHud.ts";
import { buildClinicRoomFigure } from "./room.ts";
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
  /** Settles once every model is in place (from its file or built in). */
  models: Promise<ModelReport>;
  /** The loaded files, kept for new avatars and disposed with the parts. */
  templates: ModelTemplate[];
  disposed: boolean;
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
  const unit = createDentalUnit(scene);
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
  const unpickDecor = () => {
    for (const m of scene.meshes) if (!m.metadata?.interactive) m.isPickable = false;
  };
  unpickDecor();
  const built = {
    glow,
    surroundings,
    unit,
    dentition,
    avatars,
    otto,
    hud,
    coach,
    templates: [],
    disposed: false,
  };
  const models = placeModelsAsync(built, scene).then((report) => {
    unpickDecor();
    return report;
  });
  return Object.assign(built, { models });
}

/** Loads the four models and puts each (or its built-in stand-in) in place. Never rejects. */
async function placeModelsAsync(parts: Omit<RoomParts, "models">, scene: Scene): Promise<ModelReport> {
  const { loaded, report } = await loadAllModelsAsync(scene, {
    room: () => [parts.surroundings.clinicRoot],
    chair: () => [parts.unit.root],
    avatar: () => parts.avatars.roots(),
    otto: () => [parts.otto.holder],
  });
  for (const l of Object.values(loaded)) if (l.template) parts.templates.push(l.template);
  if (parts.disposed) {
    for (const t of parts.templates) t.dispose();
    return report;
  }
  const { room, chair, avatar, otto } = loaded;
  parts.surroundings.placeClinic(room.template?.instantiate() ?? [buildClinicRoomFigure(scene)]);
  placeDentalUnit(
    parts.unit,
    chair.template?.instantiate() ?? [buildDentalUnitFigure(scene)],
    parts.surroundings.shadows,
  );
  parts.otto.useFigure(otto.template?.instantiate() ?? [buildOttoFigure(scene)]);
  parts.avatars.useTemplate(avatar.template);
  return report;
}

export function disposeRoomParts(parts: RoomParts): void {
  parts.disposed = true;
  for (const t of parts.templates) t.dispose();
  parts.hud.dispose();
  parts.coach.dispose();
  parts.otto.dispose();
  parts.avatars.dispose();
  parts.dentition.dispose();
  parts.unit.dispose();
  parts.surroundings.dispose();
  parts.glow.dispose();
}
