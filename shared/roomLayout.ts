/**
 * Where things are in the room, in metres (Babylon's left-handed frame: +y up).
 * The chair stands at the origin; the patient faces +z, so the patient's right is +x.
 * Everybody shares these numbers (the browser scene and the server's demo people alike), so poses
 * sent by one client land in the same place for all. Plain numbers only: no engine types here.
 */
import type { Role } from "./roles.ts";

export type V3 = readonly [number, number, number];

/** Backrest recline from vertical, radians. */
export const RECLINE = (35 * Math.PI) / 180;
/** Where the backrest meets the seat. */
export const BACK_HINGE: V3 = [0, 0.62, -0.2];
export const BACKREST_LENGTH = 0.72;
/** Unit vector up the backrest, and the backrest's front normal. */
export const BACK_UP: V3 = [0, Math.cos(RECLINE), -Math.sin(RECLINE)];
export const BACK_NORMAL: V3 = [0, Math.sin(RECLINE), Math.cos(RECLINE)];

/** A point on the backrest plane: `along` metres up from the hinge, `out` metres in front of it. */
export function backrestPoint(along: number, out: number): V3 {
  return [
    BACK_HINGE[0],
    BACK_HINGE[1] + BACK_UP[1] * along + BACK_NORMAL[1] * out,
    BACK_HINGE[2] + BACK_UP[2] * along + BACK_NORMAL[2] * out,
  ];
}

/** Centre of the headrest pad. */
export const HEADREST: V3 = backrestPoint(BACKREST_LENGTH + 0.13, 0.03);
/** Centre of the patient's head when resting on the headrest. */
export const PATIENT_HEAD: V3 = backrestPoint(BACKREST_LENGTH + 0.15, 0.165);
/** The seated patient's eyes: the flat-screen camera and the XR head origin. */
export const PATIENT_EYE: V3 = backrestPoint(BACKREST_LENGTH + 0.18, 0.235);
/** Default look direction from the chair, degrees: a little to the clinician's side, slightly down. */
export const PATIENT_LOOK = { yawDeg: 0, pitchDeg: -2 } as const;
/** Hands resting on the armrests. */
export const ARMREST_HANDS = { left: [-0.29, 0.77, 0.2] as V3, right: [0.29, 0.77, 0.2] as V3 };

/** Otto hovers at the patient's front left, where the patient and the team both see it. */
export const OTTO_BASE: V3 = [-0.78, 0, 0.86];
export const OTTO_HOVER_HEIGHT = 1.02;

/** The enlarged dentition model floats at the patient's front right, facing the clinician. */
export const DENTITION_ANCHOR: V3 = [0.3, 1.5, 0.3];
/** Model yaw, radians: its anterior side turned toward the clinician's working side. */
export const DENTITION_YAW = (92 * Math.PI) / 180;
/** Millimetres of tooth to metres of model (a 4.7× enlargement: the model is about 30 × 45 cm). */
export const DENTITION_SCALE = 0.0047;

/** Overhead operatory light: pole behind the chair, lamp above the mouth. */
export const LIGHT_LAMP: V3 = [0.18, 2.05, -0.35];

/** Where a desktop participant's avatar stands (their camera moves freely; the avatar does not). */
export function roleStation(role: Role): V3 {
  switch (role) {
    case "clinician":
      return [0.74, 1.62, -0.06];
    case "assistant":
      return [-0.72, 1.58, -0.42];
    case "observer":
    case "presenter":
      return [1.7, 1.64, 1.55];
    case "patient":
      return PATIENT_EYE;
    case "otto":
      return [OTTO_BASE[0], 1.3, OTTO_BASE[2]];
  }
}

/** Yaw (radians, about +y) that turns someone standing at `from` to face `to`. */
export function yawToward(from: V3, to: V3): number {
  return Math.atan2(to[0] - from[0], to[2] - from[2]);
}

/** Where a headset user is put on entering VR: the patient's eyes at the headrest; others at their station, facing the chair, keeping their real height. */
export function xrPlacementFor(role: Role): { position: V3; yaw: number; keepHeight: boolean } {
  if (role === "patient") return { position: PATIENT_EYE, yaw: 0, keepHeight: false };
  const station = roleStation(role);
  return { position: station, yaw: yawToward(station, PATIENT_HEAD), keepHeight: true };
}

/** Desktop orbit camera: target, angles (radians) and radius of the default framing. */
export const DESKTOP_VIEW = {
  target: [0.1, 1.26, 0.06] as V3,
  alpha: 0.1,
  beta: 1.24,
  radius: 2.0,
  minRadius: 0.35,
  maxRadius: 5,
} as const;
/** Close-up on the dentition model: straight onto its front, a little from above. */
export const DESKTOP_DENTITION_VIEW = {
  alpha: Math.PI / 2 - DENTITION_YAW,
  beta: 1.45,
  radius: 1.0,
  /** Aim a little above the model's centre so the tooltip fits in. */
  lift: 0.04,
} as const;

/** Room extents (clinic surroundings). */
export const ROOM = { halfX: 3.2, halfZ: 3.4, height: 2.8 } as const;

/** World UI placements in the patient's view (distance m, yaw°, pitch°). */
export const PATIENT_UI = {
  panel: { distance: 1.15, yawDeg: 0, pitchDeg: -5 },
  /** The STOP / ready bar sits low in the middle, where a seated person's hands rest. */
  controls: { distance: 0.85, yawDeg: 0, pitchDeg: -23 },
  stepLine: { distance: 1.4, yawDeg: 0, pitchDeg: 14 },
  calmCue: { distance: 1.4, yawDeg: 0, pitchDeg: 21 },
  breathing: { distance: 1.6, yawDeg: 28, pitchDeg: 7 },
} as const;
