import { describe, expect, it } from "vitest";
import {
  DENTITION_ANCHOR,
  OTTO_BASE,
  OTTO_HOVER_HEIGHT,
  PATIENT_HEAD,
  roleStation,
  type V3,
} from "../../shared/roomLayout.ts";
import {
  chartCovers,
  DOCK_SPOTS,
  dockedSpot,
  hiddenBy,
  inView,
  personPoints,
  type ViewFrustum,
} from "./archChartPlacement.ts";
import { DEMO_VIEW, orbitPosition } from "./cameras.ts";

const eye = orbitPosition(DEMO_VIEW);
const norm = (v: V3): V3 => {
  const l = Math.hypot(...v);
  return [v[0] / l, v[1] / l, v[2] / l];
};
/** The demo screen's view at 1280 × 800 (Babylon's default vertical fov of 0.8 rad). */
const forward = norm([
  DEMO_VIEW.target[0] - eye[0],
  DEMO_VIEW.target[1] - eye[1],
  DEMO_VIEW.target[2] - eye[2],
]);
const right = norm([forward[2], 0, -forward[0]]);
const up: V3 = [
  right[1] * forward[2] - right[2] * forward[1],
  right[2] * forward[0] - right[0] * forward[2],
  right[0] * forward[1] - right[1] * forward[0],
];
const view: ViewFrustum = {
  forward,
  up: up[1] < 0 ? [-up[0], -up[1], -up[2]] : up,
  halfVertical: 0.4 * 0.92,
  halfHorizontal: Math.atan(Math.tan(0.4) * 1.6) * 0.92,
};
/** The demo's people where the room layout puts them, with hands, the patient and Otto. */
const people: V3[] = [
  ...personPoints(roleStation("clinician"), true),
  ...personPoints(roleStation("assistant"), true),
  [-0.55, 1.1, -0.3],
  [0.42, 1.32, 0.05],
  [0.5, 1.3, -0.12],
  PATIENT_HEAD,
  [-0.29, 0.77, 0.2],
  [0.29, 0.77, 0.2],
  [OTTO_BASE[0], OTTO_HOVER_HEIGHT + 0.3, OTTO_BASE[2]],
];
const noah = personPoints(roleStation("assistant"), true);

describe("the docked arch chart hides nobody", () => {
  it("at its anchor it hid Noah from the demo screen (the bug)", () => {
    expect(hiddenBy(DENTITION_ANCHOR, eye, noah)).toBeGreaterThan(0);
  });

  it("moves, for the demo screen, to a spot on screen that hides nobody", () => {
    const spot = dockedSpot(eye, people, DENTITION_ANCHOR, view);
    expect(spot).not.toEqual(DENTITION_ANCHOR);
    expect(hiddenBy(spot, eye, people)).toBe(0);
    expect(inView(spot, eye, view)).toBe(true);
    expect(DOCK_SPOTS).toContainEqual(spot);
  });

  it("stays at the anchor when it hides nobody, and where it is while that holds", () => {
    expect(dockedSpot(eye, [], null, view)).toEqual(DENTITION_ANCHOR);
    const clear = dockedSpot(eye, people, null, view);
    expect(dockedSpot(eye, people, clear, view)).toBe(clear);
  });

  it("covers only what is behind it, as the viewer sees it", () => {
    const e: V3 = [0, 1.5, 2];
    expect(chartCovers([0, 1.5, 1], e, [0, 1.5, 0])).toBe(true);
    expect(chartCovers([0, 1.5, 1], e, [0, 1.5, 1.5])).toBe(false); // in front of the chart
    expect(chartCovers([0, 1.5, 1], e, [1.5, 1.5, 0])).toBe(false); // well to the side
  });

  it("keeps a standing person's chest in sight, a lying one's head only", () => {
    expect(personPoints([0, 1.6, 0], true)).toHaveLength(3);
    expect(personPoints([0, 1.4, 0], false)).toEqual([[0, 1.4, 0]]);
  });

  it("is never off screen when a spot on screen exists", () => {
    const behind: ViewFrustum = { ...view, forward: [-forward[0], -forward[1], -forward[2]] };
    expect(inView(DENTITION_ANCHOR, eye, behind)).toBe(false);
    expect(inView(DENTITION_ANCHOR, eye, null)).toBe(true);
  });
});
