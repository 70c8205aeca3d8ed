import { describe, expect, it } from "vitest";
import {
  allSeats,
  assignSeats,
  CIRCLE_RADIUS,
  CIRCLE_SEATS,
  panelPlace,
  seatAt,
  seatedEye,
} from "./groupCircleLayout.ts";

const member = (memberId: string, slot: number, role = "participant") => ({ memberId, slot, role });

describe("the circle's chairs", () => {
  it("thirteen chairs on a ring, each facing the middle, far enough apart to sit in", () => {
    const seats = allSeats();
    expect(seats).toHaveLength(CIRCLE_SEATS);
    for (const s of seats) {
      expect(Math.hypot(s.x, s.z)).toBeCloseTo(CIRCLE_RADIUS, 6);
      // Facing: a step forward from the chair goes toward the middle.
      const ahead = { x: s.x + Math.sin(s.yaw) * 0.1, z: s.z + Math.cos(s.yaw) * 0.1 };
      expect(Math.hypot(ahead.x, ahead.z)).toBeCloseTo(CIRCLE_RADIUS - 0.1, 6);
    }
    const gap = Math.hypot(seats[0]!.x - seats[1]!.x, seats[0]!.z - seats[1]!.z);
    expect(gap).toBeGreaterThan(0.75);
  });

  it("Otto takes chair 0, a slot names a chair, and a stranger's slot takes the next free chair", () => {
    const seats = assignSeats([
      member("ana", 3),
      member("otto", 0, "otto"),
      member("noah", 1, "host"),
      member("zoe", 40),
      member("ben", 13),
    ]);
    expect(Object.fromEntries(seats)).toEqual({ otto: 0, noah: 1, ana: 3, ben: 2, zoe: 4 });
  });

  it("the same members give the same chairs whatever their order, and leaving moves nobody", () => {
    const all = [member("otto", 0, "otto"), member("noah", 1, "host"), member("ana", 2), member("ben", 3)];
    const a = assignSeats(all);
    expect(assignSeats([...all].reverse())).toEqual(a);
    const left = assignSeats(all.filter((m) => m.memberId !== "ana"));
    expect(left.get("ben")).toBe(a.get("ben"));
  });

  it("nobody gets a chair twice, even when more people come than chairs", () => {
    const many = Array.from({ length: 16 }, (_, i) => member(`p${i}`, i + 1));
    const seats = [...assignSeats(many).values()];
    expect(new Set(seats).size).toBe(seats.length);
    expect(seats.length).toBe(CIRCLE_SEATS - 1);
  });

  it("the panel floats about two metres ahead of the viewer's eyes, over the middle", () => {
    for (const s of [seatAt(1), seatAt(7)]) {
      const eye = seatedEye(s);
      const p = panelPlace(s);
      const distance = Math.hypot(p.x - eye.x, p.y - eye.y, p.z - eye.z);
      expect(distance).toBeGreaterThan(1.7);
      expect(distance).toBeLessThan(2.3);
      expect(Math.hypot(p.x, p.z)).toBeLessThan(0.5);
    }
  });
});
