/** The demo's people stand and sit where the shared room layout puts them. */
import { describe, expect, it } from "vitest";
import { ARMREST_HANDS, PATIENT_EYE, PATIENT_HEAD, roleStation } from "../../shared/roomLayout.ts";
import { demoPose } from "./demoPoses.ts";

const xyz = (p: { x: number; y: number; z: number }) => [p.x, p.y, p.z];

/** Where a unit quaternion turns the +z axis (the way a head faces). */
function facing(q: { x: number; y: number; z: number; w: number }): [number, number, number] {
  const { x, y, z, w } = q;
  return [2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)];
}

describe("demo poses", () => {
  it("seats the patient in the chair: eyes at the headrest, hands on the armrests", () => {
    const p = demoPose("patient");
    expect(xyz(p.head.p)).toEqual([...PATIENT_EYE]);
    expect(xyz(p.left!.p)).toEqual([...ARMREST_HANDS.left]);
    expect(xyz(p.right!.p)).toEqual([...ARMREST_HANDS.right]);
  });

  it.each([
    "clinician",
    "assistant",
  ] as const)("stands the %s at the station, facing the patient's head", (role) => {
    const p = demoPose(role);
    const station = roleStation(role);
    expect(xyz(p.head.p)).toEqual([...station]);
    // A standing head is above the reclined patient's head, never down at the headrest.
    expect(p.head.p.y).toBeGreaterThan(PATIENT_HEAD[1] + 0.1);
    const f = facing(p.head.q);
    const to = [PATIENT_HEAD[0] - station[0], PATIENT_HEAD[1] - station[1], PATIENT_HEAD[2] - station[2]];
    const len = Math.hypot(to[0]!, to[1]!, to[2]!);
    const cos = (f[0] * to[0]! + f[1] * to[1]! + f[2] * to[2]!) / len;
    expect(cos).toBeGreaterThan(0.99);
    // Hands below the head, in front of the body.
    expect(p.left!.p.y).toBeLessThan(p.head.p.y - 0.3);
  });

  it("keeps the clinician and the assistant on opposite sides of the chair", () => {
    expect(demoPose("clinician").head.p.x).toBeGreaterThan(0);
    expect(demoPose("assistant").head.p.x).toBeLessThan(0);
  });
});
