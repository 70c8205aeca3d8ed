/**
 * Readings stored compactly (issue 9): a row per reading cost ~165 bytes on disk (patient, device,
 * firmware, signal and unit repeated, three indexes), 161 MB per patient-hour from 5 SOEs, and its
 * index upkeep held the storage thread back at full ingest. Now the readings of one device batch
 * that share a stream (patient, device, firmware, signal, tooth, unit) are one row, their times and
 * values packed in a BLOB: varint deltas of the device times, and of the values too when they are
 * decimals with a few places (exactly: the value is rebuilt bit for bit, else float64 is kept).
 * What is rarely set (a quality other than valid, a reason, a retraction, a receive time that
 * differs within the batch) costs bytes only where it occurs. Pure: no SQLite here.
 */
import { Quality, ReadingStatus } from "../../shared/soe/signals.ts";

/** One reading of a stream as it is packed: the stream's fields are stored once, on its row. */
export interface PackedReading {
  t: number;
  value: number;
  quality: Quality;
  reason?: string;
  status: ReadingStatus;
  receivedAt: number;
}

/** A packed run of readings: what a `reading_packs` row holds besides its stream. */
export interface Pack {
  /** Earliest device time in the pack. */
  t0: number;
  /** Latest device time in the pack minus `t0` (readings need not come in time order). */
  span: number;
  /** Latest receive time in the pack (a read of what arrived since a time finds the pack by it). */
  receivedAt: number;
  n: number;
  body: Uint8Array;
}

const Flag = {
  /** Values are float64 (else zigzag varint deltas of value × 10^scale). */
  float64: 1,
  quality: 2,
  reason: 4,
  status: 8,
  received: 16,
} as const;

const QUALITIES: readonly Quality[] = [Quality.valid, Quality.suspect, Quality.invalid];
const STATUSES: readonly ReadingStatus[] = [ReadingStatus.final, ReadingStatus.enteredInError];
/** Decimal places tried before falling back to float64. */
const MAX_SCALE = 6;
const SAFE = 2 ** 50;

/** The number of decimal places (0..6) that rebuilds every value exactly, or -1 when none does. */
function decimalScale(values: readonly number[]): number {
  for (let scale = 0; scale <= MAX_SCALE; scale++) {
    const f = 10 ** scale;
    let ok = true;
    for (const v of values) {
      const i = Math.round(v * f);
      if (!Number.isFinite(v) || Math.abs(i) >= SAFE || i / f !== v || Object.is(v, -0)) {
        ok = false;
        break;
      }
    }
    if (ok) return scale;
  }
  return -1;
}

class Writer {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + extra));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  /** Unsigned varint of a non-negative safe integer (7 bits a byte). */
  uvarint(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.length++] = n;
  }

  /** Signed varint (zigzag). */
  svarint(n: number): void {
    this.uvarint(n < 0 ? -2 * n - 1 : 2 * n);
  }

  float64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  text(s: string): void {
    const bytes = new TextEncoder().encode(s);
    this.uvarint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class Reader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  byte(): number {
    if (this.at >= this.buf.length) throw new Error("reading pack ends early");
    return this.buf[this.at++]!;
  }

  uvarint(): number {
    let n = 0;
    let f = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * f;
      if (b < 0x80) return n;
      f *= 0x80;
    }
  }

  svarint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  float64(): number {
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  text(): string {
    const len = this.uvarint();
    const s = new TextDecoder().decode(this.buf.subarray(this.at, this.at + len));
    this.at += len;
    return s;
  }
}

/** Packs readings of one stream (at least one), in the order given. */
export function encodePack(readings: readonly PackedReading[]): Pack {
  const first = readings[0];
  if (!first) throw new Error("a reading pack needs at least one reading");
  const values = readings.map((r) => r.value);
  const scale = decimalScale(values);
  let flags = scale < 0 ? Flag.float64 : 0;
  let received = first.receivedAt;
  for (const r of readings) if (r.receivedAt > received) received = r.receivedAt;
  for (const r of readings) {
    if (r.quality !== Quality.valid) flags |= Flag.quality;
    if (r.reason !== undefined) flags |= Flag.reason;
    if (r.status !== ReadingStatus.final) flags |= Flag.status;
    if (r.receivedAt !== first.receivedAt) flags |= Flag.received;
  }
  const w = new Writer();
  w.byte(flags);
  if (scale >= 0) w.byte(scale);
  w.uvarint(readings.length);
  let minT = first.t;
  let maxT = first.t;
  for (const r of readings) {
    if (r.t < minT) minT = r.t;
    if (r.t > maxT) maxT = r.t;
  }
  let prevT = minT;
  for (const r of readings) {
    w.svarint(r.t - prevT);
    prevT = r.t;
  }
  if (scale < 0) for (const v of values) w.float64(v);
  else {
    const f = 10 ** scale;
    let prev = 0;
    for (const v of values) {
      const i = Math.round(v * f);
      w.svarint(i - prev);
      prev = i;
    }
  }
  if (flags & Flag.quality) for (const r of readings) w.byte(QUALITIES.indexOf(r.quality));
  if (flags & Flag.reason)
    for (const r of readings) {
      w.byte(r.reason === undefined ? 0 : 1);
      if (r.reason !== undefined) w.text(r.reason);
    }
  if (flags & Flag.status) for (const r of readings) w.byte(STATUSES.indexOf(r.status));
  if (flags & Flag.received) for (const r of readings) w.svarint(r.receivedAt - received);
  return { t0: minT, span: maxT - minT, receivedAt: received, n: readings.length, body: w.done() };
}

/** Unpacks a row's readings, in the order they were packed. */
export function decodePack(t0: number, receivedAt: number, body: Uint8Array): PackedReading[] {
  const r = new Reader(body);
  const flags = r.byte();
  const scale = flags & Flag.float64 ? -1 : r.byte();
  const n = r.uvarint();
  const out: PackedReading[] = new Array(n);
  let t = t0;
  for (let i = 0; i < n; i++) {
    t += r.svarint();
    out[i] = { t, value: 0, quality: Quality.valid, status: ReadingStatus.final, receivedAt };
  }
  if (scale < 0) for (const p of out) p.value = r.float64();
  else {
    const f = 10 ** scale;
    let i = 0;
    for (const p of out) {
      i += r.svarint();
      p.value = i / f;
    }
  }
  if (flags & Flag.quality) for (const p of out) p.quality = QUALITIES[r.byte()] ?? Quality.invalid;
  if (flags & Flag.reason)
    for (const p of out) {
      if (r.byte() === 1) p.reason = r.text();
    }
  if (flags & Flag.status) for (const p of out) p.status = STATUSES[r.byte()] ?? ReadingStatus.final;
  if (flags & Flag.received) for (const p of out) p.receivedAt = receivedAt + r.svarint();
  return out;
}

/** A reading's status on its row: retracted when the row's retraction covers its time. */
export function effectiveStatus(p: PackedReading, retractedSince: number | null): ReadingStatus {
  return retractedSince !== null && p.t >= retractedSince ? ReadingStatus.enteredInError : p.status;
}
