/**
 * Compact binary poses: head and both hands, position and rotation.
 *
 * One transform is 10 bytes: position as three int16 millimetres (±32.767 m around the room
 * origin) and rotation as a "smallest three" quaternion packed in a uint32 (2 bits for the index
 * of the dropped largest component, 3 × 10 bits for the others, max error under 0.25°).
 *
 *   client pose  = flags:u8 | head | left | right                          = 31 bytes
 *                  (sent by the browser as base64 text, 44 characters: `encodePoseText`)
 *   server batch = kind:u8 | serverTime:u32 | lastSeq:u32 | n × (slot:u8 | client pose) = 9 + 32 n
 *
 * The batch carries the room's last reliable event number, so a client that missed the newest
 * reliable event notices within one tick and asks for a snapshot.
 *
 * The live relay sends a batch as text: the same bytes in base64 (`encodeBatchText`). A binary
 * Socket.IO event is two WebSocket frames (a text header naming the event, then the bytes), framed
 * again for every receiver; a text event is one frame, which Socket.IO frames once per broadcast and
 * writes as is to every receiver. That halves what each batch costs the server per receiver (see
 * README "Poses"); the bytes on the wire stay about the same (4/3 of the batch, one frame header
 * instead of two). A receiver decodes either form (`decodeBatch`): welcomes, replays and the support
 * group still send bytes.
 */

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}
export interface Quat {
  x: number;
  y: number;
  z: number;
  w: number;
}
export interface Transform {
  p: Vec3;
  q: Quat;
}
export interface Pose {
  head: Transform;
  /** null when the hand (controller) is not tracked. */
  left: Transform | null;
  right: Transform | null;
}
export interface SlotPose {
  slot: number;
  pose: Pose;
}
export interface PoseBatch {
  /** Server clock, milliseconds, modulo 2^32. */
  serverTime: number;
  /** Sequence number of the room's last reliable event when the batch was sent. */
  lastSeq: number;
  poses: SlotPose[];
}

export const TRANSFORM_BYTES = 10;
export const POSE_BYTES = 1 + 3 * TRANSFORM_BYTES;
export const BATCH_HEADER_BYTES = 9;
export const BATCH_ENTRY_BYTES = 1 + POSE_BYTES;
const BATCH_KIND = 1;
const POSITION_LIMIT_MM = 32_767;
const QUAT_BITS = 10;
const QUAT_MAX = (1 << (QUAT_BITS - 1)) - 1; // 511
const QUAT_RANGE = Math.SQRT1_2;

const FLAG_LEFT = 1;
const FLAG_RIGHT = 2;

export const IDENTITY: Quat = Object.freeze({ x: 0, y: 0, z: 0, w: 1 });

/** Why a buffer could not be decoded. */
export class PoseDecodeError extends Error {
  override name = "PoseDecodeError";
}

function writeTransform(view: DataView, offset: number, t: Transform): void {
  view.setInt16(offset, toMillimetres(t.p.x), true);
  view.setInt16(offset + 2, toMillimetres(t.p.y), true);
  view.setInt16(offset + 4, toMillimetres(t.p.z), true);
  view.setUint32(offset + 6, packQuat(t.q), true);
}

function readTransform(view: DataView, offset: number): Transform {
  return {
    p: {
      x: view.getInt16(offset, true) / 1000,
      y: view.getInt16(offset + 2, true) / 1000,
      z: view.getInt16(offset + 4, true) / 1000,
    },
    q: unpackQuat(view.getUint32(offset + 6, true)),
  };
}

function toMillimetres(metres: number): number {
  if (!Number.isFinite(metres)) return 0;
  return Math.max(-POSITION_LIMIT_MM, Math.min(POSITION_LIMIT_MM, Math.round(metres * 1000)));
}

const ZERO_TRANSFORM: Transform = { p: { x: 0, y: 0, z: 0 }, q: IDENTITY };

function writePose(view: DataView, offset: number, pose: Pose): void {
  view.setUint8(offset, (pose.left ? FLAG_LEFT : 0) | (pose.right ? FLAG_RIGHT : 0));
  writeTransform(view, offset + 1, pose.head);
  writeTransform(view, offset + 1 + TRANSFORM_BYTES, pose.left ?? ZERO_TRANSFORM);
  writeTransform(view, offset + 1 + 2 * TRANSFORM_BYTES, pose.right ?? ZERO_TRANSFORM);
}

function readPose(view: DataView, offset: number): Pose {
  const flags = view.getUint8(offset);
  if (flags & ~(FLAG_LEFT | FLAG_RIGHT)) throw new PoseDecodeError(`unknown pose flags ${flags}`);
  return {
    head: readTransform(view, offset + 1),
    left: flags & FLAG_LEFT ? readTransform(view, offset + 1 + TRANSFORM_BYTES) : null,
    right: flags & FLAG_RIGHT ? readTransform(view, offset + 1 + 2 * TRANSFORM_BYTES) : null,
  };
}

/** A participant's own pose, as sent to the server. */
export function encodePose(pose: Pose): Uint8Array {
  const bytes = new Uint8Array(POSE_BYTES);
  writePose(new DataView(bytes.buffer), 0, pose);
  return bytes;
}

export function decodePose(data: ArrayBuffer | Uint8Array): Pose {
  const view = viewOf(data);
  if (view.byteLength !== POSE_BYTES) {
    throw new PoseDecodeError(`a pose is ${POSE_BYTES} bytes, got ${view.byteLength}`);
  }
  return readPose(view, 0);
}

/**
 * A client's pose as the browser sends it: the same 31 bytes as base64 text (44 characters). A
 * binary Socket.IO event is two WebSocket frames (a text header with a placeholder, then the
 * bytes) that the server parses, bounds-checks and puts back together; a text event is one frame
 * and one short JSON parse. The inbound pose path was the larger part of the relay's cost.
 */
export function encodePoseText(pose: Pose): string {
  return toBase64(encodePose(pose));
}

/** Characters of a pose as base64 text. */
export const POSE_TEXT_CHARS = Math.ceil(POSE_BYTES / 3) * 4;

/** A client's pose as it arrives: its bytes, or their base64 text (`encodePoseText`). */
export type PoseData = ArrayBuffer | Uint8Array | string;

/**
 * The bytes of a client's pose in either form, checked as `isValidPoseBytes` checks them; null
 * when it is not a pose (wrong length, not base64, unknown flags). Nothing here throws.
 */
export function poseBytesOf(data: unknown): Uint8Array | null {
  if (typeof data === "string") {
    if (data.length !== POSE_TEXT_CHARS) return null;
    const bytes = base64Bytes(data);
    return bytes && isValidPoseBytes(bytes) ? bytes : null;
  }
  if (!isValidPoseBytes(data)) return null;
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/** Re-validates a client's pose bytes without building objects (server hot path). */
export function isValidPoseBytes(data: unknown): data is Uint8Array | ArrayBuffer {
  if (!(data instanceof Uint8Array) && !(data instanceof ArrayBuffer)) return false;
  if (data.byteLength !== POSE_BYTES) return false;
  const flags = data instanceof Uint8Array ? data[0]! : new Uint8Array(data, 0, 1)[0]!;
  return (flags & ~(FLAG_LEFT | FLAG_RIGHT)) === 0;
}

/** The server's per-tick batch, built from already-encoded client poses. */
export function encodeBatch(
  serverTime: number,
  lastSeq: number,
  entries: ReadonlyArray<{ slot: number; bytes: Uint8Array }>,
): Uint8Array {
  const out = new Uint8Array(BATCH_HEADER_BYTES + entries.length * BATCH_ENTRY_BYTES);
  const view = new DataView(out.buffer);
  view.setUint8(0, BATCH_KIND);
  view.setUint32(1, serverTime >>> 0, true);
  view.setUint32(5, lastSeq >>> 0, true);
  let offset = BATCH_HEADER_BYTES;
  for (const { slot, bytes } of entries) {
    view.setUint8(offset, slot);
    out.set(bytes, offset + 1);
    offset += BATCH_ENTRY_BYTES;
  }
  return out;
}

/** A pose batch as it arrives: bytes, or the same bytes as base64 text (the live relay's). */
export type PoseBatchData = ArrayBuffer | Uint8Array | string;

/** The server's batch as one text frame: `encodeBatch`'s bytes in base64. */
export function encodeBatchText(
  serverTime: number,
  lastSeq: number,
  entries: ReadonlyArray<{ slot: number; bytes: Uint8Array }>,
): string {
  return toBase64(encodeBatch(serverTime, lastSeq, entries));
}

/** A batch's bytes, whichever form it came in. */
export function batchBytes(data: PoseBatchData): Uint8Array {
  if (typeof data === "string") return fromBase64(data);
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

export function decodeBatch(data: PoseBatchData): PoseBatch {
  const view = viewOf(typeof data === "string" ? fromBase64(data) : data);
  if (view.byteLength < BATCH_HEADER_BYTES || view.getUint8(0) !== BATCH_KIND) {
    throw new PoseDecodeError("not a pose batch");
  }
  const body = view.byteLength - BATCH_HEADER_BYTES;
  if (body % BATCH_ENTRY_BYTES !== 0)
    throw new PoseDecodeError(`ragged pose batch of ${view.byteLength} bytes`);
  const poses: SlotPose[] = [];
  for (let offset = BATCH_HEADER_BYTES; offset < view.byteLength; offset += BATCH_ENTRY_BYTES) {
    poses.push({ slot: view.getUint8(offset), pose: readPose(view, offset + 1) });
  }
  return { serverTime: view.getUint32(1, true), lastSeq: view.getUint32(5, true), poses };
}

function viewOf(data: ArrayBuffer | Uint8Array): DataView {
  return data instanceof Uint8Array
    ? new DataView(data.buffer, data.byteOffset, data.byteLength)
    : new DataView(data);
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_CODES = Array.from(BASE64, (c) => c.charCodeAt(0));
const BASE64_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) BASE64_VALUES[BASE64.charCodeAt(i)] = i;
const PAD = "=".charCodeAt(0);

/**
 * Standard padded base64, by hand: the same in the browser and on the server (no Buffer, no
 * atob/btoa and their Latin-1 strings), and one string built once per batch on the server.
 */
export function toBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const codes = new Array<number>(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes[o++] = BASE64_CODES[v >>> 18]!;
    codes[o++] = BASE64_CODES[(v >>> 12) & 63]!;
    codes[o++] = BASE64_CODES[(v >>> 6) & 63]!;
    codes[o++] = BASE64_CODES[v & 63]!;
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | (i + 1 < n ? bytes[i + 1]! << 8 : 0);
    codes[o++] = BASE64_CODES[v >>> 18]!;
    codes[o++] = BASE64_CODES[(v >>> 12) & 63]!;
    codes[o++] = i + 1 < n ? BASE64_CODES[(v >>> 6) & 63]! : PAD;
    codes[o++] = PAD;
  }
  return String.fromCharCode.apply(null, codes);
}

/** Decodes padded base64; anything else (a stray character, a ragged length) is a PoseDecodeError. */
export function fromBase64(text: string): Uint8Array {
  const n = text.length;
  if (n % 4 !== 0) throw new PoseDecodeError(`base64 of ${n} characters is ragged`);
  const bytes = base64Bytes(text);
  if (!bytes) throw new PoseDecodeError("not base64");
  return bytes;
}

/** Padded base64's bytes, or null for anything else (no exception: the server's inbound hot path). */
function base64Bytes(text: string): Uint8Array | null {
  const n = text.length;
  if (n % 4 !== 0) return null;
  const pad = n === 0 ? 0 : text.charCodeAt(n - 1) === PAD ? (text.charCodeAt(n - 2) === PAD ? 2 : 1) : 0;
  const out = new Uint8Array((n / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n;
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const code = text.charCodeAt(i + k);
      const value = code < 128 ? BASE64_VALUES[code]! : -1;
      if (value < 0 && !(last && code === PAD && k >= 4 - pad)) return null;
      v = (v << 6) | Math.max(0, value);
    }
    out[o++] = v >>> 16;
    if (o < out.length) out[o++] = (v >>> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

/** Smallest-three quaternion packing: drop the largest component, keep its sign positive. */
export function packQuat(q: Quat): number {
  let { x, y, z, w } = q;
  const len = Math.hypot(x, y, z, w);
  if (!Number.isFinite(len) || len < 1e-9) return packQuat(IDENTITY);
  x /= len;
  y /= len;
  z /= len;
  w /= len;
  const c = [x, y, z, w];
  let largest = 0;
  for (let i = 1; i < 4; i++) if (Math.abs(c[i]!) > Math.abs(c[largest]!)) largest = i;
  const sign = c[largest]! < 0 ? -1 : 1;
  let packed = largest;
  for (let i = 0; i < 4; i++) {
    if (i === largest) continue;
    const v = Math.round(((c[i]! * sign) / QUAT_RANGE) * QUAT_MAX);
    const clamped = Math.max(-QUAT_MAX, Math.min(QUAT_MAX, v));
    packed = (packed << QUAT_BITS) | (clamped & 0x3ff);
  }
  return packed >>> 0;
}

export function unpackQuat(packed: number): Quat {
  const largest = (packed >>> (3 * QUAT_BITS)) & 3;
  const rest: number[] = [];
  for (let k = 2; k >= 0; k--) {
    let v = (packed >>> (k * QUAT_BITS)) & 0x3ff;
    if (v & 0x200) v -= 0x400;
    rest.push((v / QUAT_MAX) * QUAT_RANGE);
  }
  const sumSq = rest.reduce((s, v) => s + v * v, 0);
  const big = Math.sqrt(Math.max(0, 1 - sumSq));
  const c: number[] = [];
  let r = 0;
  for (let i = 0; i < 4; i++) c.push(i === largest ? big : rest[r++]!);
  return { x: c[0]!, y: c[1]!, z: c[2]!, w: c[3]! };
}
