import { describe, expect, it } from "vitest";
import { Quality, ReadingStatus } from "../../shared/soe/signals.ts";
import { packBatches, unpackBatches } from "./batchWire.ts";
import type { StoredBatch } from "./storage.ts";

const T = Date.UTC(2026, 10, 27, 9);

function batch(seq: number, readings: StoredBatch["readings"], over: Partial<StoredBatch> = {}): StoredBatch {
  return {
    deviceId: "soe-julian-36",
    bootId: "boot-1",
    patientId: "julian",
    seq,
    digest: `digest-${seq}`,
    firmware: "2.3.1",
    readings,
    ...over,
  };
}

const ph = (t: number, value: number, extra: Partial<StoredBatch["readings"][number]> = {}) => ({
  deviceId: "soe-julian-36",
  signal: "ph" as const,
  t,
  value,
  unit: "[pH]",
  tooth: 36,
  quality: Quality.valid,
  status: ReadingStatus.final,
  receivedAt: T + 1000,
  ...extra,
});

describe("device batches packed for the storage thread", () => {
  it("rebuilds every stored field exactly: odd numbers, reasons, no tooth, several batches", () => {
    const batches = [
      batch(1, [
        ph(T, 6.81),
        ph(T + 20, -0),
        ph(T + 40, Number.NaN, { quality: Quality.invalid, reason: "pH sensor reads out of range" }),
        ph(T + 60, 1e-300, { status: ReadingStatus.enteredInError }),
      ]),
      batch(2, [], { deviceId: "hr-julian", firmware: "1.0.0-β" }),
      batch(
        3,
        [
          {
            deviceId: "hr-julian",
            signal: "heartRate",
            t: T + 5,
            value: 72,
            unit: "/min",
            quality: Quality.suspect,
            reason: "pH sensor reads out of range",
            status: ReadingStatus.final,
            receivedAt: T + 999.5,
          },
        ],
        { deviceId: "hr-julian" },
      ),
    ];
    const packed = packBatches(batches);
    expect(packed).not.toBeNull();
    const back = unpackBatches(structuredClone(packed!));
    expect(back).toEqual(batches);
    expect(Object.is(back[0]!.readings[1]!.value, -0)).toBe(true);
    expect("tooth" in back[2]!.readings[0]!).toBe(false);
    // A reason shared by two readings is one entry of the string table.
    expect(packed!.strings.filter((s) => s === "pH sensor reads out of range")).toHaveLength(1);
  });

  it("leaves out what storage does not keep: the rule and a reading's own device id", () => {
    const ruled = { ...ph(T, 7), rule: "stuck", deviceId: "other" };
    const [back] = unpackBatches(packBatches([batch(1, [ruled])])!);
    expect(back!.readings[0]).toEqual(ph(T, 7));
  });

  it("declines what it cannot carry exactly, so the batches are cloned as they are", () => {
    const odd = (reading: object) =>
      packBatches([batch(1, [{ ...ph(T, 7), ...reading } as StoredBatch["readings"][number]])]);
    expect(odd({ t: "soon" })).toBeNull();
    expect(odd({ value: null })).toBeNull();
    expect(odd({ tooth: 3.5 })).toBeNull();
    expect(odd({ tooth: -1 })).toBeNull();
    expect(odd({ unit: 42 })).toBeNull();
    expect(packBatches([{ ...batch(1, []), seq: "1" } as unknown as StoredBatch])).toBeNull();
    expect(packBatches([{ ...batch(1, []), readings: null } as unknown as StoredBatch])).toBeNull();
  });
});
