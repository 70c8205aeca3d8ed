import { UniversalCamera } from "@babylonjs/core/Cameras/universalCamera.js";
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { afterAll, describe, expect, it } from "vitest";
import { keepInView } from "./speechBubble.ts";

const engine = new NullEngine({
  renderWidth: 1280,
  renderHeight: 800,
  textureSize: 64,
  deterministicLockstep: false,
  lockstepMaxSteps: 1,
});
const scene = new Scene(engine);
const cam = new UniversalCamera("c", new Vector3(0, 1.5, 0), scene);
cam.setTarget(new Vector3(0, 1.5, 2));
cam.fov = 0.85;
scene.activeCamera = cam;
afterAll(() => scene.dispose());

/** The box's corners seen from the camera, in normalised device coordinates (-1..1 = in view). */
function ndcCorners(at: Vector3, w: number, h: number): { x: number; y: number }[] {
  const vp = cam.getViewMatrix(true).multiply(cam.getProjectionMatrix(true));
  return [
    [-1, -1],
    [1, 1],
  ].map(([sx, sy]) => {
    const p = Vector3.TransformCoordinates(at.add(new Vector3((sx! * w) / 2, (sy! * h) / 2, 0)), vp);
    return { x: p.x, y: p.y };
  });
}

describe("speech bubble stays in view", () => {
  it("moves a bubble that would be cut at the right and top edges fully into view, at the same depth", () => {
    const anchor = new Vector3(1.4, 2.6, 2);
    expect(ndcCorners(anchor, 1.1, 0.62).some((c) => Math.abs(c.x) > 1 || Math.abs(c.y) > 1)).toBe(true);
    const moved = keepInView(anchor, cam, 1.1, 0.62);
    for (const c of ndcCorners(moved, 1.1, 0.62)) {
      expect(Math.abs(c.x)).toBeLessThanOrEqual(1);
      expect(Math.abs(c.y)).toBeLessThanOrEqual(1);
    }
    expect(moved.z).toBeCloseTo(2);
  });

  it("leaves a bubble that fits, and one behind the viewer, where it is", () => {
    const fits = new Vector3(0.1, 1.6, 2.5);
    expect(keepInView(fits, cam, 1.1, 0.62)).toBe(fits);
    const behind = new Vector3(0, 1.5, -2);
    expect(keepInView(behind, cam, 1.1, 0.62)).toBe(behind);
  });

  it("keeps the bubble's top below a notice over the top of the view (share of the height)", () => {
    // A notice over the top 20 % of the view: in device coordinates y from 1 down to 0.6.
    const anchor = new Vector3(0, 2.3, 2);
    const moved = keepInView(anchor, cam, 1.1, 0.62, 0.2);
    const top = Math.max(...ndcCorners(moved, 1.1, 0.62).map((c) => c.y));
    expect(top).toBeLessThanOrEqual(0.6);
    expect(moved.z).toBeCloseTo(2);
    // Without the notice the same bubble may rise higher.
    const free = Math.max(...ndcCorners(keepInView(anchor, cam, 1.1, 0.62), 1.1, 0.62).map((c) => c.y));
    expect(free).toBeGreaterThan(0.6);
  });

  it("starts a bubble too tall for what the notice leaves right under the notice", () => {
    const moved = keepInView(new Vector3(0, 2.3, 2), cam, 1.1, 0.62, 0.7);
    const ys = ndcCorners(moved, 1.1, 0.62).map((c) => c.y);
    expect(Math.max(...ys)).toBeLessThanOrEqual(1 - 2 * 0.7 + 1e-6);
    expect(Math.max(...ys)).toBeGreaterThan(1 - 2 * 0.7 - 0.2);
  });
});
