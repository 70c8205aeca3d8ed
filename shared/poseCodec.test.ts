import { describe, expect, it } from "vitest";
import {
  BATCH_ENTRY_BYTES,
  BATCH_HEADER_BYTES,
  batchBytes,
  decodeBatch,
  decodePose,
  encodeBatch,
  encodeBatchText,
  encodePose,
  encodePoseText,
  fromBase64,
  isValidPoseBytes,
  POSE_BYTES,
  POSE_TEXT_CHARS,
  type Pose,
  PoseDecodeError,
  poseBytesOf,
  type Quat,
  toBase64,
} from "./poseCodec.ts";
import { mulberry32 } from "./random.ts";

function randomQuat(rand: () => number): Quat {
  // Uniform random rotation (Shoemake).
  const u1 = rand();
  const u2 = rand() * 2 * Math.PI;
  const u3 = rand() * 2 * Math.PI;
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  return { x: a * Math.sin(u2), y: a * Math.cos(u2), z: b * Math.sin(u3), w: b * Math.cos(u3) };
}

/** Angle between two rotations in degrees (q and -q are the same rotation). */
function angleDeg(a: Quat, b: Quat): number {
  const dot = Math.abs(a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w);
  return (2 * Math.acos(Math.min(1, dot)) * 180) / Math.PI;
}

function randomPose(rand: () => number): Pose {
  const t = () => ({
    p: { x: (rand() - 0.5) * 20, y: rand() * 3, z: (rand() - 0.5) * 20 },
    q: randomQuat(rand),
  });
  return { head: t(), left: rand() < 0.8 ? t() : null, right: rand() < 0.8 ? t() : null };
}

describe("pose codec", () => {
  it("fits head and two hands in 40 bytes or less on the wire", () => {
    expect(POSE_BYTES).toBeLessThanOrEqual(40);
    expect(BATCH_ENTRY_BYTES).toBeLessThanOrEqual(40);
  });

  it("round-trips random poses within 1 mm and 0.25 degrees", () => {
    const seed = 1234;
    const rand = mulberry32(seed);
    for (let i = 0; i < 2000; i++) {
      const pose = randomPose(rand);
      const back = decodePose(encodePose(pose));
      for (const k of ["head", "left", "right"] as const) {
        const a = pose[k];
        const b = back[k];
        if (a === null) {
          expect(b, `seed ${seed} case ${i} ${k}`).toBeNull();
          continue;
        }
        expect(b).not.toBeNull();
        expect(Math.abs(a.p.x - b!.p.x)).toBeLessThanOrEqual(0.0005 + 1e-9);
        expect(Math.abs(a.p.y - b!.p.y)).toBeLessThanOrEqual(0.0005 + 1e-9);
        expect(Math.abs(a.p.z - b!.p.z)).toBeLessThanOrEqual(0.0005 + 1e-9);
        expect(angleDeg(a.q, b!.q), `seed ${seed} case ${i} ${k}`).toBeLessThan(0.25);
      }
    }
  });

  it("clamps positions beyond ±32.767 m and survives NaN and zero quaternions", () => {
    const pose: Pose = {
      head: { p: { x: 100, y: -100, z: Number.NaN }, q: { x: 0, y: 0, z: 0, w: 0 } },
      left: null,
      right: { p: { x: 0, y: 0, z: 0 }, q: { x: Number.NaN, y: 0, z: 0, w: 1 } },
    };
    const back = decodePose(encodePose(pose));
    expect(back.head.p).toEqual({ x: 32.767, y: -32.767, z: 0 });
    expect(angleDeg(back.head.q, { x: 0, y: 0, z: 0, w: 1 })).toBeLessThan(0.25);
    expect(angleDeg(back.right!.q, { x: 0, y: 0, z: 0, w: 1 })).toBeLessThan(0.25);
  });

  it("handles the quaternion edge cases exactly at ±1 on each axis", () => {
    for (const q of [
      { x: 1, y: 0, z: 0, w: 0 },
      { x: 0, y: -1, z: 0, w: 0 },
      { x: 0, y: 0, z: 1, w: 0 },
      { x: 0, y: 0, z: 0, w: -1 },
      { x: 0.5, y: 0.5, z: 0.5, w: 0.5 },
    ]) {
      const back = decodePose(encodePose({ head: { p: { x: 0, y: 0, z: 0 }, q }, left: null, right: null }));
      expect(angleDeg(back.head.q, q)).toBeLessThan(0.25);
    }
  });

  it("rejects buffers of the wrong size or with unknown flags", () => {
    expect(() => decodePose(new Uint8Array(POSE_BYTES - 1))).toThrow(PoseDecodeError);
    const bad = new Uint8Array(POSE_BYTES);
    bad[0] = 0x80;
    expect(() => decodePose(bad)).toThrow(PoseDecodeError);
    expect(isValidPoseBytes(bad)).toBe(false);
    expect(isValidPoseBytes(new Uint8Array(POSE_BYTES))).toBe(true);
    expect(isValidPoseBytes("hello")).toBe(false);
    expect(isValidPoseBytes(new Uint8Array(1000))).toBe(false);
  });

  it("batches poses by slot with the server time and the last reliable sequence number", () => {
    const rand = mulberry32(7);
    const poses = [randomPose(rand), randomPose(rand), randomPose(rand)];
    const batch = encodeBatch(
      0xffff_ffff + 5,
      77,
      poses.map((p, i) => ({ slot: i + 1, bytes: encodePose(p) })),
    );
    expect(batch.byteLength).toBe(BATCH_HEADER_BYTES + 3 * BATCH_ENTRY_BYTES);
    const back = decodeBatch(batch);
    expect(back.serverTime).toBe(4);
    expect(back.lastSeq).toBe(77);
    expect(back.poses.map((p) => p.slot)).toEqual([1, 2, 3]);
    expect(back.poses[1]!.pose).toEqual(decodePose(encodePose(poses[1]!)));
    expect(() => decodeBatch(batch.subarray(0, batch.byteLength - 1))).toThrow(PoseDecodeError);
    expect(() => decodeBatch(new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(PoseDecodeError);
  });

  it("sends a batch as one text frame: the same bytes in base64, decoded like the binary form", () => {
    const rand = mulberry32(11);
    const entries = [1, 4, 7].map((slot) => ({ slot, bytes: encodePose(randomPose(rand)) }));
    const bytes = encodeBatch(123_456, 42, entries);
    const text = encodeBatchText(123_456, 42, entries);
    expect(text).toBe(Buffer.from(bytes).toString("base64"));
    expect(decodeBatch(text)).toEqual(decodeBatch(bytes));
    expect(batchBytes(text)).toEqual(bytes);
    expect(batchBytes(bytes.buffer as ArrayBuffer)).toEqual(bytes);
    // A frame header and 4/3 of the batch: about what the binary event's two frames carried.
    expect(text.length).toBeLessThanOrEqual(Math.ceil(bytes.byteLength / 3) * 4);
  });

  it("agrees with Node's base64 for every length and refuses what is not base64", () => {
    const rand = mulberry32(5);
    for (let n = 0; n <= 300; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      const text = toBase64(bytes);
      expect(text, `length ${n}`).toBe(Buffer.from(bytes).toString("base64"));
      expect(fromBase64(text), `length ${n}`).toEqual(bytes);
    }
    for (const bad of ["A", "AB=", "A===", "AB=C", "ab$d", "abcé", "=AAA", "AA==AAAA"]) {
      expect(() => fromBase64(bad), bad).toThrow(PoseDecodeError);
    }
    expect(() => decodeBatch("AAAA")).toThrow(PoseDecodeError);
  });

  it("takes a client's pose as its bytes or as their base64 text, and nothing else", () => {
    const rand = mulberry32(17);
    for (let i = 0; i < 200; i++) {
      const pose = randomPose(rand);
      const bytes = encodePose(pose);
      const text = encodePoseText(pose);
      expect(text).toHaveLength(POSE_TEXT_CHARS);
      expect(text).toBe(Buffer.from(bytes).toString("base64"));
      expect(poseBytesOf(text)).toEqual(bytes);
      expect(poseBytesOf(bytes)).toEqual(bytes);
      expect(poseBytesOf(bytes.slice().buffer)).toEqual(bytes);
    }
    const good = encodePoseText(randomPose(rand));
    const badFlags = encodePose(randomPose(rand));
    badFlags[0] = 0x80;
    const refused: [string, unknown][] = [
      ["one character short", good.slice(1)],
      ["one character long", `${good}A`],
      ["a character outside base64", `$${good.slice(1)}`],
      ["a non-ASCII character", `é${good.slice(1)}`],
      ["padding inside", `${good.slice(0, 20)}=${good.slice(21)}`],
      ["unknown flags, as text", Buffer.from(badFlags).toString("base64")],
      ["unknown flags, as bytes", badFlags],
      ["too few bytes", new Uint8Array(POSE_BYTES - 1)],
      ["the text of too many bytes", Buffer.from(new Uint8Array(POSE_BYTES + 3)).toString("base64")],
      ["a number", 42],
      ["null", null],
      ["an object", { head: 1 }],
      ["an array of numbers", Array.from(encodePose(randomPose(rand)))],
    ];
    for (const [what, data] of refused) expect(poseBytesOf(data), what).toBeNull();
  });
});
