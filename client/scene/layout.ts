/**
 * The room layout for the Babylon scene: the numbers live in `shared/roomLayout.ts` (the server's
 * demo places its simulated people with the same ones); this file adds the engine-typed helpers.
 */
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { PATIENT_EYE, type V3 } from "../../shared/roomLayout.ts";

export * from "../../shared/roomLayout.ts";

export function toV3(p: V3): Vector3 {
  return new Vector3(p[0], p[1], p[2]);
}

/** A direction from the patient's eye: yaw right-positive, pitch up-positive (degrees). */
export function lookDirection(yawDeg: number, pitchDeg: number): Vector3 {
  const yaw = (yawDeg * Math.PI) / 180;
  const pitch = (pitchDeg * Math.PI) / 180;
  return new Vector3(Math.sin(yaw) * Math.cos(pitch), Math.sin(pitch), Math.cos(yaw) * Math.cos(pitch));
}

/** A point in the patient's view: distance (m) along a direction from the eye. */
export function patientViewPoint(distance: number, yawDeg: number, pitchDeg: number): Vector3 {
  return toV3(PATIENT_EYE).addInPlace(lookDirection(yawDeg, pitchDeg).scaleInPlace(distance));
}
