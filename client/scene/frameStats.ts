/**
 * What one frame of the room costs: draw calls, meshes, triangles and the CPU time of the render,
 * sampled over a number of frames. `npm run bench:scene` reads it to hold the headset budget
 * (≤ 60 draw calls and ≤ 150k triangles for the patient, ≤ 100 draw calls for the clinician).
 */
import { SceneInstrumentation } from "@babylonjs/core/Instrumentation/sceneInstrumentation.js";
import type { Scene } from "@babylonjs/core/scene.js";

export interface FrameStats {
  frames: number;
  /** Median draw calls per frame (both eyes in VR). */
  drawCalls: number;
  /** Meshes in the scene, and those drawn in the last frame. */
  meshes: number;
  activeMeshes: number;
  /** Triangles drawn in the last camera pass (one eye in VR). */
  triangles: number;
  /** Median and 95th percentile CPU time of `scene.render`, ms. */
  scriptMsP50: number;
  scriptMsP95: number;
  /** The meshes drawn in the last frame, by name (what to merge next). */
  drawn: string[];
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Samples the next `frames` rendered frames. */
export function measureFramesAsync(scene: Scene, frames: number): Promise<FrameStats> {
  const inst = new SceneInstrumentation(scene);
  inst.captureFrameTime = true;
  const drawCalls: number[] = [];
  const times: number[] = [];
  let skipped = false;
  return new Promise((resolve) => {
    const observer = scene.onAfterRenderObservable.add(() => {
      // The first frame after attaching has no complete counters.
      if (!skipped) {
        skipped = true;
        return;
      }
      drawCalls.push(inst.drawCallsCounter.current);
      times.push(inst.frameTimeCounter.current);
      if (drawCalls.length < frames) return;
      scene.onAfterRenderObservable.remove(observer);
      const stats: FrameStats = {
        frames: drawCalls.length,
        drawCalls: percentile(drawCalls, 0.5),
        meshes: scene.meshes.length,
        activeMeshes: scene.getActiveMeshes().length,
        triangles: Math.round(scene.getActiveIndices() / 3),
        scriptMsP50: Math.round(percentile(times, 0.5) * 100) / 100,
        scriptMsP95: Math.round(percentile(times, 0.95) * 100) / 100,
        drawn: scene
          .getActiveMeshes()
          .data.slice(0, scene.getActiveMeshes().length)
          .map((m) => m.name),
      };
      inst.dispose();
      resolve(stats);
    });
  });
}
