/**
 * Device batches on their way to the storage thread, packed into typed arrays (issue 7). Cloned as
 * they are, the readings of a group commit were the main thread's costliest message: structured
 * clone writes every key of every reading object (~0.8 µs a reading, 45 µs for one second of a
 * 5-signal SOE), and at 500 devices that alone took 2 % of the event loop that every room shares.
 * Here the numbers go as Float64Arrays and the few strings (signal, unit, quality, status, reason)
 * as small codes into a table sent once per message; the storage thread rebuilds the batches.
 *
 * Only what storage keeps crosses: a reading's own `deviceId` and its `rule` are not stored (the
 * batch names the device). Anything this format cannot carry exactly (a non-number time, say)
 * makes `packBatches` answer null, and the caller clones the batches as before. Pure.
 */
import type { CheckedReading, Quality, ReadingStatus, Signal } from "../../shared/soe/signals.ts";
import type { StoredBatch } from "./storage.ts";

/** The batches of one `storeBatches` call, packed. */
export interface PackedBatches {
  kind: "packed-batches";
  /** Per batch: deviceId, bootId, patientId, seq, digest, firmware, number of readings. */
  heads: (string | number)[];
  /** Per reading: t, value, receivedAt. */
  numbers: Float64Array;
  /** Per reading: signal, unit, quality, status, reason (index into `strings`; 0 = none), tooth (0 = none). */
  codes: Uint16Array;
  /** The strings the codes name; index 0 is unused (it means "none"). */
  strings: string[];
}

const HEAD_FIELDS = 7;
const NUMBERS = 3;
const CODES = 6;
/** Largest code: the table must stay within Uint16. */
const MAX_STRINGS = 65_535;

export function isPackedBatches(value: unknown): value is PackedBatches {
  return (
    typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "packed-batches"
  );
}

/** Packs the batches, or null when one of them holds what the format cannot carry exactly. */
export function packBatches(batches: readonly StoredBatch[]): PackedBatches | null {
  let total = 0;
  for (const b of batches) {
    if (!Array.isArray(b.readings)) return null;
    total += b.readings.length;
  }
  const heads: (string | number)[] = [];
  const numbers = new Float64Array(total * NUMBERS);
  const codes = new Uint16Array(total * CODES);
  const strings: string[] = [""];
  const index = new Map<string, number>();
  const code = (s: unknown): number => {
    if (typeof s !== "string") return -1;
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      if (i > MAX_STRINGS) return -1;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  let k = 0;
  for (const b of batches) {
    if (
      typeof b.deviceId !== "string" ||
      typeof b.bootId !== "string" ||
      typeof b.patientId !== "string" ||
      typeof b.seq !== "number" ||
      typeof b.digest !== "string" ||
      typeof b.firmware !== "string"
    )
      return null;
    heads.push(b.deviceId, b.bootId, b.patientId, b.seq, b.digest, b.firmware, b.readings.length);
    for (const r of b.readings) {
      const { t, value, receivedAt, tooth, reason } = r;
      if (typeof t !== "number" || typeof value !== "number" || typeof receivedAt !== "number") return null;
      // Teeth are FDI numbers 11–48; 0 stands for "no tooth".
      if (tooth !== undefined && !(Number.isInteger(tooth) && tooth > 0 && tooth < 65_536)) return null;
      const signal = code(r.signal);
      const unit = code(r.unit);
      const quality = code(r.quality);
      const status = code(r.status);
      const why = reason === undefined ? 0 : code(reason);
      if (signal < 0 || unit < 0 || quality < 0 || status < 0 || why < 0) return null;
      numbers[k * NUMBERS] = t;
      numbers[k * NUMBERS + 1] = value;
      numbers[k * NUMBERS + 2] = receivedAt;
      const c = k * CODES;
      codes[c] = signal;
      codes[c + 1] = unit;
      codes[c + 2] = quality;
      codes[c + 3] = status;
      codes[c + 4] = why;
      codes[c + 5] = tooth ?? 0;
      k++;
    }
  }
  return { kind: "packed-batches", heads, numbers, codes, strings };
}

/** The batches again, as storage needs them (each reading named by its batch's device). */
export function unpackBatches(packed: PackedBatches): StoredBatch[] {
  const { heads, numbers, codes, strings } = packed;
  const batches: StoredBatch[] = [];
  let k = 0;
  for (let h = 0; h < heads.length; h += HEAD_FIELDS) {
    const deviceId = heads[h] as string;
    const count = heads[h + 6] as number;
    const readings: CheckedReading[] = [];
    for (let end = k + count; k < end; k++) {
      const c = k * CODES;
      const reading: CheckedReading = {
        deviceId,
        signal: strings[codes[c]!] as Signal,
        t: numbers[k * NUMBERS]!,
        value: numbers[k * NUMBERS + 1]!,
        unit: strings[codes[c + 1]!]!,
        quality: strings[codes[c + 2]!] as Quality,
        status: strings[codes[c + 3]!] as ReadingStatus,
        receivedAt: numbers[k * NUMBERS + 2]!,
      };
      if (codes[c + 5] !== 0) reading.tooth = codes[c + 5]!;
      if (codes[c + 4] !== 0) reading.reason = strings[codes[c + 4]!]!;
      readings.push(reading);
    }
    batches.push({
      deviceId,
      bootId: heads[h + 1] as string,
      patientId: heads[h + 2] as string,
      seq: heads[h + 3] as number,
      digest: heads[h + 4] as string,
      firmware: heads[h + 5] as string,
      readings,
    });
  }
  return batches;
}
