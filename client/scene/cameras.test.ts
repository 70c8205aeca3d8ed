import { describe, expect, it } from "vitest";
import {
  DENTITION_ANCHOR,
  DESKTOP_VIEW,
  HEADREST,
  OTTO_BASE,
  OTTO_HOVER_HEIGHT,
  PATIENT_HEAD,
  roleStation,
  type V3,
} from "../../shared/roomLayout.ts";
import { DEMO_VIEW, type OrbitView, orbitPosition } from "./cameras.ts";

const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const len = (a: V3) => Math.sqrt(dot(a, a));

/** Shortest distance from point p to the segment a-b. */
function distanceToSegment(p: V3, a: V3, b: V3): number {
  const ab = sub(b, a);
  const t = Math.max(0, Math.min(1, dot(sub(p, a), ab) / dot(ab, ab)));
  return len(sub(p, [a[0] + ab[0] * t, a[1] + ab[1] * t, a[2] + ab[2] * t]));
}

/** Angle between the camera's forward direction and the direction to p, radians. */
function offAxis(v: OrbitView, p: V3): number {
  const eye = orbitPosition(v);
  const f = sub(v.target, eye);
  const d = sub(p, eye);
  return Math.acos(dot(f, d) / (len(f) * len(d)));
}

/** A head is a sphere of about this radius; a sight line must pass clear of it. */
const HEAD_CLEARANCE_M = 0.22;
const DR_RAY = roleStation("clinician");
const NOAH = roleStation("assistant");

describe("the demo camera", () => {
  it("sees the patient with no avatar's head in the way", () => {
    const eye = orbitPosition(DEMO_VIEW);
    for (const head of [DR_RAY, NOAH])
      expect(distanceToSegment(head, eye, PATIENT_HEAD)).toBeGreaterThan(HEAD_CLEARANCE_M);
    expect(distanceToSegment(NOAH, eye, DR_RAY)).toBeGreaterThan(HEAD_CLEARANCE_M);
    // The docked arch chart (about 0.45 m wide) and Otto (about 0.35 m) stay out of the way too.
    expect(distanceToSegment(DENTITION_ANCHOR, eye, PATIENT_HEAD)).toBeGreaterThan(0.25);
    const otto: V3 = [OTTO_BASE[0], OTTO_HOVER_HEIGHT + 0.3, OTTO_BASE[2]];
    expect(distanceToSegment(otto, eye, PATIENT_HEAD)).toBeGreaterThan(0.25);
    expect(distanceToSegment(DENTITION_ANCHOR, eye, DR_RAY)).toBeGreaterThan(0.25);
    expect(distanceToSegment(otto, eye, DR_RAY)).toBeGreaterThan(0.25);
  });

  it("is not itself inside or just behind anyone's head", () => {
    const eye = orbitPosition(DEMO_VIEW);
    for (const head of [DR_RAY, NOAH, PATIENT_HEAD]) expect(len(sub(eye, head))).toBeGreaterThan(1);
  });

  it("frames the chair, Dr. Ray and the patient (within the vertical half-view of 0.425 rad)", () => {
    for (const p of [PATIENT_HEAD, DR_RAY, HEADREST]) expect(offAxis(DEMO_VIEW, p)).toBeLessThan(0.4);
  });

  it("is a real change: the old overview looked at the patient past Dr. Ray's head", () => {
    const old: OrbitView = { ...DESKTOP_VIEW };
    expect(distanceToSegment(DR_RAY, orbitPosition(old), PATIENT_HEAD)).toBeLessThan(HEAD_CLEARANCE_M);
  });
});
