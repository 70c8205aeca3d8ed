import { describe, expect, it } from "vitest";
import type { Pose, PoseBatch, Quat } from "../../shared/poseCodec.ts";
import { mulberry32 } from "../../shared/random.ts";
import {
  PoseInterpolator,
  PoseTrack,
  ServerClock,
  slerpQuat,
  unwrapServerTime,
} from "./poseInterpolation.ts";

const IDENTITY: Quat = { x: 0, y: 0, z: 0, w: 1 };

function yaw(deg: number): Quat {
  const h = (deg * Math.PI) / 360;
  return { x: 0, y: Math.sin(h), z: 0, w: Math.cos(h) };
}

function poseAt(x: number, q: Quat = IDENTITY, hands = true): Pose {
  const hand = { p: { x, y: 1, z: 0.3 }, q };
  return { head: { p: { x, y: 1.6, z: 0 }, q }, left: hands ? hand : null, right: null };
}

function batch(serverTime: number, slot: number, pose: Pose): PoseBatch {
  return { serverTime: serverTime >>> 0, lastSeq: 0, poses: [{ slot, pose }] };
}

function angleDeg(a: Quat, b: Quat): number {
  const dot = Math.abs(a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w);
  return (2 * Math.acos(Math.min(1, dot)) * 180) / Math.PI;
}

describe("unwrapServerTime", () => {
  it.each([
    { raw: 10, reference: 5, expected: 10 },
    { raw: 5, reference: 10, expected: 5 },
    { raw: 3, reference: 2 ** 32 - 10, expected: 2 ** 32 + 3 },
    { raw: 2 ** 32 - 10, reference: 2 ** 32 + 3, expected: 2 ** 32 - 10 },
    { raw: 100, reference: 3 * 2 ** 32 + 50, expected: 3 * 2 ** 32 + 100 },
  ])("$raw against $reference -> $expected", ({ raw, reference, expected }) => {
    expect(unwrapServerTime(raw, reference)).toBe(expected);
  });
});

describe("slerpQuat", () => {
  it("halfway between identity and a 90° yaw is a 45° yaw", () => {
    expect(angleDeg(slerpQuat(IDENTITY, yaw(90), 0.5), yaw(45))).toBeLessThan(0.01);
  });

  it("takes the short way round when the second quaternion is negated", () => {
    const q = yaw(60);
    const negated = { x: -q.x, y: -q.y, z: -q.z, w: -q.w };
    expect(angleDeg(slerpQuat(IDENTITY, negated, 0.5), yaw(30))).toBeLessThan(0.01);
  });

  it("returns unit quaternions at the ends", () => {
    for (const t of [0, 1]) {
      const q = slerpQuat(yaw(10), yaw(170), t);
      expect(Math.hypot(q.x, q.y, q.z, q.w)).toBeCloseTo(1, 9);
    }
  });
});

describe("PoseTrack", () => {
  it("interpolates between bracketing samples and holds outside them", () => {
    const track = new PoseTrack();
    track.push(1000, poseAt(0, IDENTITY));
    track.push(1100, poseAt(1, yaw(90)));
    expect(track.sample(1050)!.head.p.x).toBeCloseTo(0.5, 9);
    expect(angleDeg(track.sample(1050)!.head.q, yaw(45))).toBeLessThan(0.01);
    expect(track.sample(900)!.head.p.x).toBe(0);
    expect(track.sample(5000)!.head.p.x).toBe(1);
  });

  it("accepts samples out of order", () => {
    const track = new PoseTrack();
    track.push(1200, poseAt(2));
    track.push(1000, poseAt(0));
    track.push(1100, poseAt(1));
    expect(track.sample(1150)!.head.p.x).toBeCloseTo(1.5, 9);
  });

  it("snaps a hand that appears between samples at the midpoint", () => {
    const track = new PoseTrack();
    track.push(0, poseAt(0, IDENTITY, false));
    track.push(100, poseAt(1, IDENTITY, true));
    expect(track.sample(40)!.left).toBeNull();
    expect(track.sample(60)!.left).not.toBeNull();
  });

  it("forgets samples older than its history, keeping two", () => {
    const track = new PoseTrack(200);
    for (let t = 0; t <= 1000; t += 50) track.push(t, poseAt(t / 1000));
    expect(track.size).toBeLessThanOrEqual(6);
    expect(track.sample(1000)!.head.p.x).toBe(1);
  });
});

describe("ServerClock", () => {
  it("uses the least-delayed packet in the window", () => {
    const clock = new ServerClock();
    clock.observe(1000, 5080); // 80 ms late
    clock.observe(1033, 5043); // 10 ms late: the best path
    clock.observe(1066, 5120);
    expect(clock.targetOffset()).toBe(4010);
    expect(clock.serverNow(5200)).toBe(1190);
  });

  it("slews instead of jumping when the estimate moves a little", () => {
    const clock = new ServerClock({ maxSlew: 0.05 });
    clock.observe(0, 100);
    expect(clock.serverNow(100)).toBe(0);
    clock.observe(100, 180); // offset improves by 20 ms
    const at200 = clock.serverNow(200)!; // 100 ms later: at most 5 ms of the 20 ms correction
    expect(at200).toBeCloseTo(105, 9);
  });
});

describe("PoseInterpolator", () => {
  it("moves smoothly at the viewer's frame rate despite uneven arrivals (seeded)", () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const rand = mulberry32(seed);
      const interp = new PoseInterpolator({ delayMs: 100 });
      const speed = 0.001; // metres per ms: 1 m/s
      const serverStart = 2 ** 32 - 700; // wraps during the run
      const latency = 40;
      // Server ticks at 30 Hz; each batch arrives 40 ms + 0..60 ms jitter later (can reorder).
      const arrivals: { at: number; batch: PoseBatch }[] = [];
      for (let k = 0; k < 90; k++) {
        const ms = k * 33;
        arrivals.push({
          at: 10_000 + ms + latency + rand() * 60,
          batch: batch(serverStart + ms, 7, poseAt(ms * speed, yaw(ms * 0.03))),
        });
      }
      arrivals.sort((a, b) => a.at - b.at);
      let next = 0;
      const xs: number[] = [];
      for (let now = 10_000; now < 10_000 + 90 * 33; now += 1000 / 90) {
        while (next < arrivals.length && arrivals[next]!.at <= now) {
          interp.push(arrivals[next]!.batch, arrivals[next]!.at);
          next++;
        }
        const pose = interp.sample(7, now);
        if (pose && now > 10_600) xs.push(pose.head.p.x);
      }
      const steps = xs.slice(1).map((x, i) => x - xs[i]!);
      const frame = (1000 / 90) * speed;
      for (const step of steps) {
        expect(step, `seed ${seed}`).toBeGreaterThanOrEqual(0);
        expect(step, `seed ${seed}`).toBeLessThan(frame * 1.6);
      }
      // Mostly the exact frame step: the clock estimate settled.
      const exact = steps.filter((s) => Math.abs(s - frame) < frame * 0.1).length;
      expect(exact / steps.length, `seed ${seed}`).toBeGreaterThan(0.9);
    }
  });

  it("holds the last pose when data stops (no extrapolation)", () => {
    const interp = new PoseInterpolator({ delayMs: 100 });
    for (let k = 0; k <= 10; k++) interp.push(batch(k * 33, 1, poseAt(k * 0.033)), 1000 + k * 33 + 20);
    const last = 10 * 0.033;
    for (const now of [1500, 1600, 3000, 10_000]) {
      expect(interp.sample(1, now)!.head.p.x).toBeCloseTo(last, 9);
    }
    const rt = interp.renderTime(10_000)!;
    expect(interp.staleness(1, rt)).toBeGreaterThan(8000);
  });

  it("renders about delayMs behind the newest sample", () => {
    const interp = new PoseInterpolator({ delayMs: 100 });
    for (let k = 0; k <= 30; k++) interp.push(batch(k * 10, 3, poseAt(k * 10)), 500 + k * 10);
    // Newest sample is t=300 arriving at 800; at local 800 we render server 200.
    expect(interp.sample(3, 800)!.head.p.x).toBeCloseTo(200, 6);
  });

  it("keeps slots apart and forgets them", () => {
    const interp = new PoseInterpolator();
    interp.push(
      {
        serverTime: 0,
        lastSeq: 0,
        poses: [
          { slot: 1, pose: poseAt(1) },
          { slot: 2, pose: poseAt(2) },
        ],
      },
      0,
    );
    expect(interp.slots().sort()).toEqual([1, 2]);
    expect(interp.sample(2, 0)!.head.p.x).toBe(2);
    interp.forget(2);
    expect(interp.sample(2, 0)).toBeNull();
    expect(interp.sample(9, 0)).toBeNull();
  });

  it("keeps an avatar moving through lost poses of a relayed 72 Hz stream (seeded)", () => {
    // The relay (server/poseRelay.ts) sends each pose on its own volatile batch, stamped when it
    // leaves the server. Some are lost, up to five in a row (70 ms): the render delay bridges them.
    for (const seed of [7, 8, 9, 2026]) {
      const rand = mulberry32(seed);
      const interp = new PoseInterpolator({ delayMs: 100 });
      const speed = 0.001;
      const period = 1000 / 72;
      const arrivals: { at: number; batch: PoseBatch }[] = [];
      let run = 0;
      for (let k = 0; k < 300; k++) {
        const sentAt = k * period;
        // One in ten lost, and a loss often followed by more: runs of up to five.
        const lost = k > 5 && k < 295 && run < 5 && rand() < (run > 0 ? 0.6 : 0.1);
        run = lost ? run + 1 : 0;
        if (lost) continue;
        const forwardedAt = sentAt + 0.5 + rand() * 2;
        arrivals.push({
          at: 50_000 + forwardedAt + 1 + rand() * 3,
          batch: batch(Math.round(forwardedAt), 4, poseAt(sentAt * speed)),
        });
      }
      let next = 0;
      const xs: number[] = [];
      for (let now = 50_000; now < 50_000 + 300 * period; now += 1000 / 90) {
        while (next < arrivals.length && arrivals[next]!.at <= now) {
          interp.push(arrivals[next]!.batch, arrivals[next]!.at);
          next++;
        }
        const pose = interp.sample(4, now);
        if (pose && now > 50_300 && now < 50_000 + 290 * period) xs.push(pose.head.p.x);
      }
      expect(arrivals.length, `seed ${seed}`).toBeLessThan(290);
      // Never frozen: every rendered frame moved on, and never backwards.
      for (const [i, x] of xs.slice(1).entries()) expect(x - xs[i]!, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it("brings an avatar whose last pose was lost to where it stopped, with the next keyframe", () => {
    const interp = new PoseInterpolator({ delayMs: 100 });
    const period = 1000 / 72;
    // The member moves for 40 poses and stops at x = 39; poses 36..39 (the last ones) are lost.
    for (let k = 0; k < 36; k++)
      interp.push(batch(Math.round(k * period), 2, poseAt(k)), 9_000 + k * period + 2);
    expect(interp.sample(2, 9_000 + 40 * period + 150)!.head.p.x).toBe(35);
    // The room's keyframe a second later carries the still pose again.
    interp.push(batch(1_000, 2, poseAt(39)), 10_002);
    expect(interp.sample(2, 10_002 + 150)!.head.p.x).toBe(39);
  });
});
