/**
 * The local user's pose when no headset tracks it. Patient on a flat screen: the chair's eye
 * point, turned where they look, hands resting on the armrests. Desktop care team: the avatar
 * stands at the role's station beside the chair and turns its head where the orbit camera looks
 * (the camera itself may be anywhere, so others never see a head floating across the room).
 */
import type { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import type { TargetCamera } from "@babylonjs/core/Cameras/targetCamera.js";
import { Quaternion, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import type { Pose, Transform } from "../../shared/poseCodec.ts";
import type { Role } from "../../shared/roles.ts";
import { ARMREST_HANDS, roleStation, toV3 } from "./layout.ts";

export function poseTransform(position: Vector3, rotation: Quaternion): Transform {
  return {
    p: { x: position.x, y: position.y, z: position.z },
    q: { x: rotation.x, y: rotation.y, z: rotation.z, w: rotation.w },
  };
}

/** Seated patient without a headset: camera pose, hands on the armrests. */
export function seatedPose(camera: TargetCamera): Pose {
  const r = camera.rotation;
  const rest = Quaternion.Identity();
  return {
    head: poseTransform(camera.position, Quaternion.FromEulerAngles(r.x, r.y, r.z)),
    left: poseTransform(toV3(ARMREST_HANDS.left), rest),
    right: poseTransform(toV3(ARMREST_HANDS.right), rest),
  };
}

/** Desktop participant: standing at the role's station, looking where the camera looks. */
export function stationPose(role: Role, camera: ArcRotateCamera): Pose {
  const station = toV3(roleStation(role));
  const forward = camera.getTarget().subtract(camera.position).normalize();
  const yaw = Math.atan2(forward.x, forward.z);
  const pitch = -Math.asin(Math.max(-1, Math.min(1, forward.y)));
  const handQ = Quaternion.FromEulerAngles(0.5, yaw, 0);
  const sideways = new Vector3(Math.cos(yaw), 0, -Math.sin(yaw));
  const ahead = new Vector3(Math.sin(yaw), 0, Math.cos(yaw));
  const hand = (side: number) =>
    poseTransform(
      station
        .add(sideways.scale(0.17 * side))
        .add(ahead.scale(0.3))
        .addInPlaceFromFloats(0, -0.42, 0),
      handQ,
    );
  return {
    head: poseTransform(station, Quaternion.FromEulerAngles(pitch, yaw, 0)),
    left: hand(-1),
    right: hand(1),
  };
}
