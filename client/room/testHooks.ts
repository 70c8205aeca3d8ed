/** Pose sending loop and the read-only state that end-to-end tests inspect (window.__chairside). */
import { RATES } from "../../shared/protocol.ts";
import type { RoomConnection } from "../connection.ts";
import type { TreatmentScene } from "../scene/treatmentScene.ts";

declare global {
  interface Window {
    __chairside?: () => unknown;
  }
}

export function exposeTestState(read: () => unknown): void {
  window.__chairside = read;
}

/** Sends this participant's pose at the fixed protocol rate, whatever the frame rate. */
export function startPoseLoop(connection: RoomConnection, scene: TreatmentScene): () => void {
  const timer = setInterval(() => connection.sendPose(scene.localPose()), 1000 / RATES.poseSendHz);
  return () => clearInterval(timer);
}
