/**
 * Where everyone sits in the support group's circle (issue 12): thirteen chairs on the nature
 * scene's round deck, Otto's first, every chair facing the middle. Each page works out the same
 * seats from the same view (the room core's pose slots), so nobody's chair moves when someone else
 * joins or leaves. Pure numbers: no Babylon, no DOM, tested on its own.
 */
import { GROUP_CAPACITY } from "../../shared/supportGroup.ts";

/** Chairs in the circle: the group's capacity plus Otto's. */
export const CIRCLE_SEATS = GROUP_CAPACITY + 1;
/** Radius of the ring of chairs (metres): about 0.85 m of arc per chair, inside the 2.6 m deck. */
export const CIRCLE_RADIUS = 1.8;
/** A seated adult's eye height above the deck. */
export const SEATED_EYE_Y = 1.18;
/** The height of a chair's seat. */
export const SEAT_Y = 0.46;
/** Otto's chair faces the people from the lake's side (+z: the view across the water stays open behind him). */
const OTTO_ANGLE = 0;

export interface Seat {
  index: number;
  /** Position on the deck (metres); y is the floor. */
  x: number;
  z: number;
  /** Facing about +y (radians; 0 looks along +z): toward the middle of the circle. */
  yaw: number;
}

/** The chair at `index` (0 is Otto's), facing the middle. */
export function seatAt(index: number): Seat {
  const a = OTTO_ANGLE + (index / CIRCLE_SEATS) * Math.PI * 2;
  const x = Math.sin(a) * CIRCLE_RADIUS;
  const z = Math.cos(a) * CIRCLE_RADIUS;
  return { index, x, z, yaw: Math.atan2(-x, -z) };
}

/** Every chair of the circle. */
export function allSeats(): Seat[] {
  return Array.from({ length: CIRCLE_SEATS }, (_, i) => seatAt(i));
}

export interface SeatedMember {
  memberId: string;
  slot: number;
  role: string;
}

/**
 * Chairs by member: Otto takes chair 0; a person's pose slot names their chair (slot 1 chair 1…),
 * and a slot beyond the ring takes the next free chair, in slot order. The same members give the
 * same seats on every page. More people than chairs: the extra ones get none (the room caps at 12).
 */
export function assignSeats(members: readonly SeatedMember[]): Map<string, number> {
  const seats = new Map<string, number>();
  const taken = new Set<number>();
  const people = [...members].sort((a, b) => a.slot - b.slot);
  const otto = people.find((m) => m.role === "otto");
  if (otto) {
    seats.set(otto.memberId, 0);
    taken.add(0);
  }
  const later: SeatedMember[] = [];
  for (const m of people) {
    if (m.role === "otto") continue;
    if (m.slot >= 1 && m.slot < CIRCLE_SEATS && !taken.has(m.slot)) {
      seats.set(m.memberId, m.slot);
      taken.add(m.slot);
    } else later.push(m);
  }
  for (const m of later) {
    for (let i = 1; i < CIRCLE_SEATS; i++) {
      if (taken.has(i)) continue;
      seats.set(m.memberId, i);
      taken.add(i);
      break;
    }
  }
  return seats;
}

/** The eye point of someone sitting in a chair, a little in from its back. */
export function seatedEye(seat: Seat): { x: number; y: number; z: number } {
  return {
    x: seat.x + Math.sin(seat.yaw) * 0.08,
    y: SEATED_EYE_Y,
    z: seat.z + Math.cos(seat.yaw) * 0.08,
  };
}

/** A point at the middle of the circle, at seated eye height: where a flat screen's view looks. */
export const CIRCLE_MIDDLE = { x: 0, y: 0.95, z: 0 } as const;

/**
 * Where the topic panel floats: a little past the middle of the circle as seen from `seat`, high
 * enough to read over the heads of the people opposite, turned toward that chair (each page turns
 * it toward its own). About 2 m from the viewer's eyes.
 */
export function panelPlace(seat: Seat): { x: number; y: number; z: number } {
  const past = 0.2;
  return { x: Math.sin(seat.yaw) * past, y: 1.66, z: Math.cos(seat.yaw) * past };
}
