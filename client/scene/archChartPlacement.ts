/**
 * Where the clinician keeps the dental arch chart: docked beside the patient (the layout's
 * anchor) or dragged somewhere on the floor plan, remembered per person in the browser, so a
 * shared surgery PC keeps each clinician's place. Pure: parsing, clamping and facing.
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
