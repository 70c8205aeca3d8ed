/**
 * SOE batches as storage receives them, for the storage tests (the contract on both backends,
 * SQLite's own upgrades, retention): one reading, one small batch, and seeded random batches over
 * two patients, several devices and signals, old and recent, some invalid or retracted.
 */
import type { StoredBatch } from "../server/storage/storage.ts";
import { mulberry32 } from "../shared/random.ts";
import { type CheckedReading, SIGNAL_SPECS, type Signal } from "../shared/soe/signals.ts";

export const DAY = 24 * 60 * 60_000;
export const NOW = Date.UTC(2026, 10, 26, 12);
export const OLD = NOW - 40 * DAY;
const SIGNALS: Signal[] = ["ph", "biteForce", "heartRate"];

/** What `storeBatch` answers for each case. */
export const outcome = {
  stored: { duplicate: false, conflict: false, stored: 2 },
  duplicate: { duplicate: true, conflict: false, stored: 0 },
  conflict: { duplicate: false, conflict: true, stored: 0 },
} as const;

export function reading(t: number, value: number, deviceId = "soe-julian-36"): CheckedReading {
  return {
    deviceId,
    signal: "ph",
    t,
    value,
    unit: "[pH]",
    tooth: 36,
    quality: "valid",
    status: "final",
    receivedAt: t + 5,
  };
}

/** Julian's device's batch `seq`: two pH readings. */
export function batch(seq: number, firmware = "2.3.1", bootId = "boot-one", digest = `d${seq}`): StoredBatch {
  return {
    deviceId: "soe-julian-36",
    bootId,
    patientId: "julian",
    seq,
    digest,
    firmware,
    readings: [reading(seq * 1000, 7.1), reading(seq * 1000 + 500, 7.0)],
  };
}

/**
 * `count` random batches (the same seed gives the same data, so a failure can be replayed); those
 * up to `oldUpTo` are 40 days old, the rest a day old. Sorted in the order the server would have
 * received them (rowid order is receive order).
 */
export function randomBatches(
  seed: number,
  { count = 40, oldUpTo = 30, maxExtraReadings = 20 } = {},
): StoredBatch[] {
  const rnd = mulberry32(seed);
  const batches: StoredBatch[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const patientId = rnd() < 0.5 ? "julian" : "amara";
    const deviceId = `soe-${patientId}-${Math.floor(rnd() * 2)}`;
    const base = (seq <= oldUpTo ? OLD : NOW - DAY) + Math.floor(rnd() * 10 * 60_000);
    const readings: CheckedReading[] = [];
    for (let i = 0; i < 5 + Math.floor(rnd() * maxExtraReadings); i++) {
      const signal = SIGNALS[Math.floor(rnd() * SIGNALS.length)]!;
      const spec = SIGNAL_SPECS[signal];
      const invalid = rnd() < 0.1;
      readings.push({
        deviceId,
        signal,
        t: base + i * 700 + Math.floor(rnd() * 300),
        value: invalid ? spec.max + 1 + rnd() : spec.min + rnd() * (spec.max - spec.min),
        unit: spec.unit,
        ...(spec.perTooth ? { tooth: rnd() < 0.5 ? 36 : 11 } : {}),
        quality: invalid ? "invalid" : rnd() < 0.1 ? "suspect" : "valid",
        status: rnd() < 0.08 ? "entered-in-error" : "final",
        receivedAt: base + i * 700 + 400,
      });
    }
    batches.push({ deviceId, bootId: "b1", patientId, seq, digest: `d${seq}`, firmware: "2.3.1", readings });
  }
  return batches.sort((a, b) => a.readings[0]!.receivedAt - b.readings[0]!.receivedAt);
}
