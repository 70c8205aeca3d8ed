/**
 * Where the clinician keeps the dental arch chart: docked beside the patient (the layout's
 * anchor) or dragged somewhere on the floor plan, remembered per person in the browser, so a
 * shared surgery PC keeps each clinician's place. Docked, it never hides a person from the viewer:
 * if the anchor would cover someone (Noah at the demo screen's gallery seat), it moves to the
 * nearest of a few dock spots beside the patient that covers nobody. Pure: parsing, clamping,
 * facing, and what the chart covers.
 */
import { z } from "zod";
import { DENTITION_ANCHOR, ROOM, type V3 } from "../../shared/roomLayout.ts";

export const ChartPlacement = z.object({
  docked: z.boolean(),
  /** Position of the chart's centre in the room (metres). */
  x: z.number().finite(),
  y: z.number().finite(),
  z: z.number().finite(),
});
export type ChartPlacement = z.infer<typeof ChartPlacement>;

export const DOCKED: ChartPlacement = {
  docked: true,
  x: DENTITION_ANCHOR[0],
  y: DENTITION_ANCHOR[1],
  z: DENTITION_ANCHOR[2],
};

/** Heights a chart may be dragged to: readable seated or standing, never on the floor. */
export const CHART_HEIGHT = { min: 0.95, max: 2.0 } as const;

/** Keep the chart inside the room, clear of the walls. */
const WALL_MARGIN_M = 0.35;

export function placementKey(personId: string): string {
  return `chairside.archChart.${personId}`;
}

export function clampToRoom(x: number, y: number, z: number): { x: number; y: number; z: number } {
  const hx = ROOM.halfX - WALL_MARGIN_M;
  const hz = ROOM.halfZ - WALL_MARGIN_M;
  return {
    x: Math.min(hx, Math.max(-hx, x)),
    y: Math.min(CHART_HEIGHT.max, Math.max(CHART_HEIGHT.min, y)),
    z: Math.min(hz, Math.max(-hz, z)),
  };
}

/** A stored placement, or docked when there is none or it does not parse. */
export function parsePlacement(raw: string | null): ChartPlacement {
  if (!raw) return DOCKED;
  try {
    const p = ChartPlacement.safeParse(JSON.parse(raw));
    if (!p.success || p.data.docked) return DOCKED;
    return { docked: false, ...clampToRoom(p.data.x, p.data.y, p.data.z) };
  } catch {
    return DOCKED;
  }
}

/** A drag to (x, y, z) undocks the chart there (within the room, at a readable height). */
export function draggedTo(x: number, y: number, z: number): ChartPlacement {
  return { docked: false, ...clampToRoom(x, y, z) };
}

/** The chart's position in the room. */
export function chartPosition(p: ChartPlacement): V3 {
  return [p.x, p.y, p.z];
}

/** Yaw (about +y) that turns the chart's front (+z) toward a viewer at `eye`. */
export function facingYaw(chart: V3, eye: V3): number {
  const dx = eye[0] - chart[0];
  const dz = eye[2] - chart[2];
  if (Math.hypot(dx, dz) < 1e-6) return 0;
  return Math.atan2(dx, dz);
}

/** The chart seen as a disc of this radius (the board is about 50 × 45 cm with its title bar). */
export const CHART_RADIUS_M = 0.34;
/** Each point of a person to keep in sight is a ball of this radius (a head, a chest). */
export const PERSON_RADIUS_M = 0.14;

/** The box beside the patient where a docked chart may go (metres; above the chair, below the lamp). */
const DOCK_BOX = { x: [-0.4, 0.9], y: [1.2, 1.9], z: [-0.2, 0.9] } as const;
const DOCK_STEP_M = 0.1;

/**
 * Spots the docked chart may take, best first: the layout's anchor, then a 10 cm grid over the
 * box beside the patient, nearest the anchor first.
 */
export const DOCK_SPOTS: readonly V3[] = (() => {
  const spots: V3[] = [];
  const steps = (r: readonly [number, number]) => Math.round((r[1] - r[0]) / DOCK_STEP_M);
  for (let i = 0; i <= steps(DOCK_BOX.x); i++)
    for (let j = 0; j <= steps(DOCK_BOX.y); j++)
      for (let k = 0; k <= steps(DOCK_BOX.z); k++) {
        const round = (v: number) => Math.round(v * 100) / 100;
        spots.push([
          round(DOCK_BOX.x[0] + i * DOCK_STEP_M),
          round(DOCK_BOX.y[0] + j * DOCK_STEP_M),
          round(DOCK_BOX.z[0] + k * DOCK_STEP_M),
        ]);
      }
  const far = (v: V3) =>
    Math.hypot(v[0] - DENTITION_ANCHOR[0], v[1] - DENTITION_ANCHOR[1], v[2] - DENTITION_ANCHOR[2]);
  return [DENTITION_ANCHOR, ...spots.sort((p, q) => far(p) - far(q))];
})();

/** A docked chart keeps this far from the viewer's eye and from every person's points. */
const NEAREST_EYE_M = 0.9;
const NEAREST_PERSON_M = 0.4;

/** The points of a person that must stay in sight: the head and, standing, the chest below it. */
export function personPoints(head: V3, standing: boolean): V3[] {
  if (!standing) return [head];
  return [head, [head[0], head[1] - 0.3, head[2]], [head[0], head[1] - 0.55, head[2]]];
}

function sub(a: V3, b: V3): V3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function len(a: V3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/**
 * Whether a chart at `chart` hides the ball around `point` from `eye`: the chart is nearer than
 * the point and their discs, as seen from the eye, overlap.
 */
export function chartCovers(chart: V3, eye: V3, point: V3): boolean {
  const toChart = sub(chart, eye);
  const toPoint = sub(point, eye);
  const dc = len(toChart);
  const dp = len(toPoint);
  if (dc < 1e-6 || dp < 1e-6 || dc >= dp) return false;
  const cos = (toChart[0] * toPoint[0] + toChart[1] * toPoint[1] + toChart[2] * toPoint[2]) / (dc * dp);
  const apart = Math.acos(Math.min(1, Math.max(-1, cos)));
  return apart < Math.atan(CHART_RADIUS_M / dc) + Math.atan(PERSON_RADIUS_M / dp);
}

/** How many of the points a chart at `spot` hides from `eye`. */
export function hiddenBy(spot: V3, eye: V3, points: readonly V3[]): number {
  return points.filter((p) => chartCovers(spot, eye, p)).length;
}

/** Whether a chart at `spot` would stand in somebody or in the viewer's face. */
function crowds(spot: V3, eye: V3, points: readonly V3[]): boolean {
  return len(sub(spot, eye)) < NEAREST_EYE_M || points.some((p) => len(sub(spot, p)) < NEAREST_PERSON_M);
}

/** Where the viewer looks: forward and up (unit, at right angles) and the half-angles of the view. */
export interface ViewFrustum {
  forward: V3;
  up: V3;
  halfVertical: number;
  halfHorizontal: number;
}

function dot(a: V3, b: V3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** Whether the whole chart at `spot` is on screen for the viewer (always, without a frustum). */
export function inView(spot: V3, eye: V3, view: ViewFrustum | null): boolean {
  if (!view) return true;
  const d = sub(spot, eye);
  const ahead = dot(d, view.forward);
  if (ahead <= CHART_RADIUS_M) return false;
  const f = view.forward;
  const u = view.up;
  const right: V3 = [f[1] * u[2] - f[2] * u[1], f[2] * u[0] - f[0] * u[2], f[0] * u[1] - f[1] * u[0]];
  const margin = Math.atan(CHART_RADIUS_M / len(d));
  return (
    Math.abs(Math.atan2(dot(d, u), ahead)) + margin <= view.halfVertical &&
    Math.abs(Math.atan2(dot(d, right), ahead)) + margin <= view.halfHorizontal
  );
}

/**
 * Where the docked chart goes for a viewer at `eye` (looking along `view`) with these people's
 * points in the room: it stays at `current` while that is in view and hides nobody (so it does
 * not hop about as the camera moves), else takes the first dock spot in view that hides nobody,
 * else the spot that hides the fewest points, in view if any is.
 */
export function dockedSpot(
  eye: V3,
  points: readonly V3[],
  current: V3 | null = null,
  view: ViewFrustum | null = null,
): V3 {
  if (current && inView(current, eye, view) && hiddenBy(current, eye, points) === 0) return current;
  let best = DOCK_SPOTS[0]!;
  let fewest = Number.POSITIVE_INFINITY;
  for (const spot of DOCK_SPOTS) {
    if (crowds(spot, eye, points)) continue;
    const n = hiddenBy(spot, eye, points) + (inView(spot, eye, view) ? 0 : 1_000);
    if (n === 0) return spot;
    if (n < fewest) {
      best = spot;
      fewest = n;
    }
  }
  return best;
}
