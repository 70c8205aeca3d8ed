/**
 * Snapshot interpolation for remote poses (pure: no Babylon, no clock of its own).
 *
 * Each server batch carries the server's clock (ms mod 2^32). We keep a short buffer of samples
 * per slot keyed by unwrapped server time, estimate "server now" from arrival times (the smallest
 * arrival-minus-server offset in a sliding window is the least-delayed packet), and render at
 * `server now - delay`, interpolating position linearly and rotation by slerp between the two
 * samples that bracket the render time. When data stops we hold the newest pose: no
 * extrapolation, so an avatar never drifts off on its own.
 */
import type { Pose, PoseBatch, Quat, Transform, Vec3 } from "../../shared/poseCodec.ts";

const WRAP = 2 ** 32;
const HALF_WRAP = 2 ** 31;

/** Unwraps a u32 millisecond time to the 2^32 epoch nearest `reference`. */
export function unwrapServerTime(raw: number, reference: number): number {
  const diff = (((raw - reference) % WRAP) + WRAP) % WRAP;
  return reference + (diff >= HALF_WRAP ? diff - WRAP : diff);
}

export function lerpVec3(a: Vec3, b: Vec3, t: number): Vec3 {
  return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, z: a.z + (b.z - a.z) * t };
}

/** Spherical interpolation along the shortest arc; normalised lerp when the quaternions are close. */
export function slerpQuat(a: Quat, b: Quat, t: number): Quat {
  let { x: bx, y: by, z: bz, w: bw } = b;
  let cos = a.x * bx + a.y * by + a.z * bz + a.w * bw;
  if (cos < 0) {
    cos = -cos;
    bx = -bx;
    by = -by;
    bz = -bz;
    bw = -bw;
  }
  let wa: number;
  let wb: number;
  if (cos > 0.9995) {
    wa = 1 - t;
    wb = t;
  } else {
    const angle = Math.acos(Math.min(1, cos));
    const sin = Math.sin(angle);
    wa = Math.sin((1 - t) * angle) / sin;
    wb = Math.sin(t * angle) / sin;
  }
  const q = {
    x: a.x * wa + bx * wb,
    y: a.y * wa + by * wb,
    z: a.z * wa + bz * wb,
    w: a.w * wa + bw * wb,
  };
  const len = Math.hypot(q.x, q.y, q.z, q.w) || 1;
  return { x: q.x / len, y: q.y / len, z: q.z / len, w: q.w / len };
}

export function interpolateTransform(a: Transform, b: Transform, t: number): Transform {
  return { p: lerpVec3(a.p, b.p, t), q: slerpQuat(a.q, b.q, t) };
}

function interpolateHand(a: Transform | null, b: Transform | null, t: number): Transform | null {
  if (a && b) return interpolateTransform(a, b, t);
  // A hand that appears or disappears between samples snaps at the midpoint.
  return t < 0.5 ? a : b;
}

export function interpolatePose(a: Pose, b: Pose, t: number): Pose {
  return {
    head: interpolateTransform(a.head, b.head, t),
    left: interpolateHand(a.left, b.left, t),
    right: interpolateHand(a.right, b.right, t),
  };
}

export interface ServerClockOptions {
  /** How long an offset sample stays in the min window (ms). Long enough to catch a fast packet. */
  windowMs?: number;
  /** Largest rate change while converging on a new estimate (0.05 = time runs at most 5% fast/slow). */
  maxSlew?: number;
  /** Beyond this difference the estimate jumps instead of slewing (ms). */
  snapMs?: number;
}

/** Estimates the server clock from batch arrival times, smoothly. */
export class ServerClock {
  private readonly windowMs: number;
  private readonly maxSlew: number;
  private readonly snapMs: number;
  private newest: number | null = null;
  private readonly offsets: { at: number; offset: number }[] = [];
  private applied: number | null = null;
  private lastNow: number | null = null;

  constructor(opts: ServerClockOptions = {}) {
    this.windowMs = opts.windowMs ?? 5_000;
    this.maxSlew = opts.maxSlew ?? 0.05;
    this.snapMs = opts.snapMs ?? 500;
  }

  /** Unwraps a raw u32 server time against the newest one seen. */
  unwrap(raw: number): number {
    return this.newest === null ? raw : unwrapServerTime(raw, this.newest);
  }

  /** Records a batch stamped `serverTime` (unwrapped) that arrived at local `receivedAtMs`. */
  observe(serverTime: number, receivedAtMs: number): void {
    if (this.newest === null || serverTime > this.newest) this.newest = serverTime;
    this.offsets.push({ at: receivedAtMs, offset: receivedAtMs - serverTime });
    while (this.offsets.length > 1 && this.offsets[0]!.at < receivedAtMs - this.windowMs)
      this.offsets.shift();
  }

  /** The offset (local - server) the window suggests: the least-delayed packet. */
  targetOffset(): number | null {
    if (this.offsets.length === 0) return null;
    let min = Number.POSITIVE_INFINITY;
    for (const o of this.offsets) if (o.offset < min) min = o.offset;
    return min;
  }

  /** Estimated server time at local `nowMs`, or null before the first batch. */
  serverNow(nowMs: number): number | null {
    const target = this.targetOffset();
    if (target === null) return null;
    if (this.applied === null || this.lastNow === null || Math.abs(target - this.applied) > this.snapMs) {
      this.applied = target;
    } else {
      const step = Math.max(0, nowMs - this.lastNow) * this.maxSlew;
      this.applied += Math.max(-step, Math.min(step, target - this.applied));
    }
    this.lastNow = nowMs;
    return nowMs - this.applied;
  }
}

interface Sample {
  t: number;
  pose: Pose;
}

/** A time-ordered buffer of one slot's poses. */
export class PoseTrack {
  private readonly samples: Sample[] = [];

  constructor(private readonly historyMs = 1_000) {}

  push(t: number, pose: Pose): void {
    const s = this.samples;
    let i = s.length;
    while (i > 0 && s[i - 1]!.t > t) i--;
    if (i > 0 && s[i - 1]!.t === t) s[i - 1] = { t, pose };
    else s.splice(i, 0, { t, pose });
    const newest = s[s.length - 1]!.t;
    while (s.length > 2 && s[1]!.t < newest - this.historyMs) s.shift();
  }

  get newestTime(): number | null {
    return this.samples.length ? this.samples[this.samples.length - 1]!.t : null;
  }

  get size(): number {
    return this.samples.length;
  }

  /** The pose at server time `t`: interpolated inside the buffer, clamped (held) outside it. */
  sample(t: number): Pose | null {
    const s = this.samples;
    if (s.length === 0) return null;
    if (t <= s[0]!.t) return s[0]!.pose;
    const last = s[s.length - 1]!;
    if (t >= last.t) return last.pose;
    let i = s.length - 2;
    while (i > 0 && s[i]!.t > t) i--;
    const a = s[i]!;
    const b = s[i + 1]!;
    return interpolatePose(a.pose, b.pose, (t - a.t) / (b.t - a.t));
  }
}

export interface PoseInterpolatorOptions extends ServerClockOptions {
  /** How far behind the estimated server clock we render (ms); absorbs arrival jitter. */
  delayMs?: number;
  historyMs?: number;
}

/** Per-slot snapshot interpolation driven by `PoseBatch`es. */
export class PoseInterpolator {
  readonly delayMs: number;
  private readonly clock: ServerClock;
  private readonly tracks = new Map<number, PoseTrack>();
  private readonly historyMs: number;

  constructor(opts: PoseInterpolatorOptions = {}) {
    this.delayMs = opts.delayMs ?? 100;
    this.historyMs = opts.historyMs ?? 1_000;
    this.clock = new ServerClock(opts);
  }

  push(batch: PoseBatch, receivedAtMs: number): void {
    const t = this.clock.unwrap(batch.serverTime >>> 0);
    this.clock.observe(t, receivedAtMs);
    for (const { slot, pose } of batch.poses) {
      let track = this.tracks.get(slot);
      if (!track) {
        track = new PoseTrack(this.historyMs);
        this.tracks.set(slot, track);
      }
      track.push(t, pose);
    }
  }

  /** The server time being rendered at local `nowMs` (null before any batch). */
  renderTime(nowMs: number): number | null {
    const now = this.clock.serverNow(nowMs);
    return now === null ? null : now - this.delayMs;
  }

  /** Pose of `slot` at render time `renderTime` (from `renderTime(now)`, once per frame). */
  sampleAt(slot: number, renderTime: number): Pose | null {
    return this.tracks.get(slot)?.sample(renderTime) ?? null;
  }

  /** Convenience: `sampleAt(slot, renderTime(nowMs))`. Call `renderTime` once per frame for many slots. */
  sample(slot: number, nowMs: number): Pose | null {
    const t = this.renderTime(nowMs);
    return t === null ? null : this.sampleAt(slot, t);
  }

  /** Milliseconds of server time since this slot's newest sample, at render time `renderTime`. */
  staleness(slot: number, renderTime: number): number | null {
    const newest = this.tracks.get(slot)?.newestTime;
    return newest === undefined || newest === null ? null : renderTime + this.delayMs - newest;
  }

  forget(slot: number): void {
    this.tracks.delete(slot);
  }

  slots(): number[] {
    return [...this.tracks.keys()];
  }
}
