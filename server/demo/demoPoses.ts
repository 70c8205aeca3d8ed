/**
 * Where the demo's simulated people are, from the shared room layout (the same numbers the scene
 * uses): Julian in the chair with his hands on the armrests, Dr. Ray and Noah standing at their
 * stations, turned toward Julian's head. Hand-typed positions once put Julian's head at lap height
 * and Dr. Ray's at the headrest; these cannot drift from the room.
 */
import type { Pose, Transform } from "../../shared/poseCodec.ts";
import type { InviteRole } from "../../shared/roles.ts";
import { ARMREST_HANDS, PATIENT_HEAD, roleStation, type V3, yawToward } from "../../shared/roomLayout.ts";

/** Babylon's `Quaternion.FromEulerAngles(pitch, yaw, 0)`, without the engine. */
function yawPitch(yaw: number, pitch: number): Transform["q"] {
  const cy = Math.cos(yaw / 2);
  const sy = Math.sin(yaw / 2);
  const cp = Math.cos(pitch / 2);
  const sp = Math.sin(pitch / 2);
  return { x: cy * sp, y: sy * cp, z: -sy * sp, w: cy * cp };
}

const at = (p: V3, q: Transform["q"]): Transform => ({ p: { x: p[0], y: p[1], z: p[2] }, q });
const LEVEL = yawPitch(0, 0);

/** The resting pose of one simulated person, as a browser at that role's place would send it. */
export function demoPose(role: InviteRole): Pose {
  const station = roleStation(role);
  if (role === "patient") {
    return {
      head: at(station, LEVEL),
      left: at(ARMREST_HANDS.left, LEVEL),
      right: at(ARMREST_HANDS.right, LEVEL),
    };
  }
  // Standing beside the chair, looking down at the patient's head, hands in front at waist height.
  const yaw = yawToward(station, PATIENT_HEAD);
  const flat = Math.hypot(PATIENT_HEAD[0] - station[0], PATIENT_HEAD[2] - station[2]);
  const pitch = Math.atan2(station[1] - PATIENT_HEAD[1], flat);
  const side: V3 = [Math.cos(yaw), 0, -Math.sin(yaw)];
  const ahead: V3 = [Math.sin(yaw), 0, Math.cos(yaw)];
  const hand = (s: number): Transform =>
    at(
      [
        station[0] + side[0] * 0.17 * s + ahead[0] * 0.3,
        station[1] - 0.42,
        station[2] + side[2] * 0.17 * s + ahead[2] * 0.3,
      ],
      yawPitch(yaw, 0.5),
    );
  return { head: at(station, yawPitch(yaw, pitch)), left: hand(-1), right: hand(1) };
}
