import { describe, expect, it } from "vitest";
import { DENTITION_ANCHOR, ROOM } from "../../shared/roomLayout.ts";
import {
  CHART_HEIGHT,
  chartPosition,
  DOCKED,
  draggedTo,
  facingYaw,
  parsePlacement,
  placementKey,
} from "./archChartPlacement.ts";

describe("arch chart placement", () => {
  it("is docked beside the patient when nothing is stored or the store holds junk", () => {
    for (const raw of [null, "", "{", "[]", '{"docked":false,"x":"a","y":1,"z":0}', '{"x":1}'])
      expect(parsePlacement(raw)).toEqual(DOCKED);
    expect(chartPosition(DOCKED)).toEqual(DENTITION_ANCHOR);
  });

  it("restores a dragged place, and a stored docked place stays the layout's anchor", () => {
    const moved = draggedTo(-1, 1.3, 0.8);
    expect(parsePlacement(JSON.stringify(moved))).toEqual(moved);
    expect(parsePlacement(JSON.stringify({ docked: true, x: 2, y: 1.2, z: 2 }))).toEqual(DOCKED);
  });

  it("keeps a drag inside the room and at a readable height", () => {
    const p = draggedTo(99, -5, -99);
    expect(p.docked).toBe(false);
    expect(p.x).toBeLessThan(ROOM.halfX);
    expect(p.z).toBeGreaterThan(-ROOM.halfZ);
    expect(p.y).toBe(CHART_HEIGHT.min);
    expect(parsePlacement(JSON.stringify({ docked: false, x: 50, y: 9, z: 0 })).y).toBe(CHART_HEIGHT.max);
  });

  it("is remembered per person", () => {
    expect(placementKey("p-ray")).not.toBe(placementKey("p-noah"));
  });

  it("turns its front (+z) toward the viewer", () => {
    expect(facingYaw([0, 1.5, 0], [0, 1.5, 2])).toBeCloseTo(0);
    expect(facingYaw([0, 1.5, 0], [2, 1.5, 0])).toBeCloseTo(Math.PI / 2);
    expect(Math.abs(facingYaw([0, 1.5, 0], [0, 1.5, -2]))).toBeCloseTo(Math.PI);
    expect(facingYaw([1, 1, 1], [1, 3, 1])).toBe(0);
  });
});
