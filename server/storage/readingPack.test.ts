import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../shared/random.ts";
import { decodePack, effectiveStatus, encodePack, type PackedReading } from "./readingPack.ts";

/** The same seed gives the same data, so a failure can be replayed. */
const random = mulberry32;

const T = Date.UTC(2026, 10, 26, 9);

function reading(t: number, value: number, extra: Partial<PackedReading> = {}): PackedReading {
  return { t, value, quality: "valid", status: "final", receivedAt: T + 2000, ...extra };
}

function roundTrip(readings: PackedReading[]): PackedReading[] {
  const pack = encodePack(readings);
  return decodePack(pack.t0, pack.receivedAt, pack.body);
}

describe("reading packs", () => {
  it("rebuilds 50 Hz bite force with two decimals bit for bit, in a few bytes a reading", () => {
    const readings = Array.from({ length: 50 }, (_, i) =>
      reading(T + i * 20, Math.round((1.5 + Math.sin(i / 7)) * 100) / 100),
    );
    const pack = encodePack(readings);
    expect(decodePack(pack.t0, pack.receivedAt, pack.body)).toEqual(readings);
    // 1 byte of time delta and ~2 of value delta each, against 16 bytes of two doubles.
    expect(pack.body.length).toBeLessThan(50 * 4);
    expect(pack).toMatchObject({ t0: T, span: 49 * 20, n: 50, receivedAt: T + 2000 });
  });

  it("keeps values no decimal scale can rebuild as float64, and odd ones as they are", () => {
    const values = [Math.PI, -0, 4.6e155, Number.MAX_VALUE, 1e-300, 0.1 + 0.2, -7.25];
    const readings = values.map((v, i) => reading(T + i, v));
    const back = roundTrip(readings);
    expect(back.map((r) => r.value)).toEqual(values);
    expect(Object.is(back[1]!.value, -0)).toBe(true);
  });

  it("stores quality, reason, status and receive time only where they differ, and rebuilds them", () => {
    const readings = [
      reading(T + 30, 6.8),
      reading(T, 2.1, { quality: "invalid", reason: "below the sensor's range (3–9)" }),
      reading(T + 10, 7.0, { quality: "suspect", reason: "" }),
      reading(T + 20, 7.1, { status: "entered-in-error", receivedAt: T + 1500 }),
    ];
    const pack = encodePack(readings);
    // Out of time order: the pack starts at the earliest time and spans to the latest.
    expect(pack.t0).toBe(T);
    expect(pack.span).toBe(30);
    expect(pack.receivedAt).toBe(T + 2000);
    expect(decodePack(pack.t0, pack.receivedAt, pack.body)).toEqual(readings);
  });

  it("round-trips random packs exactly (seeded; a failure prints its seed)", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = random(seed);
      const n = 1 + Math.floor(rnd() * 60);
      const places = Math.floor(rnd() * 9);
      const readings = Array.from({ length: n }, (_, i) =>
        reading(T + i * 20 + Math.floor(rnd() * 40) - 20, Number((rnd() * 800 - 100).toFixed(places)), {
          quality: rnd() < 0.1 ? "invalid" : "valid",
          status: rnd() < 0.05 ? "entered-in-error" : "final",
        }),
      );
      expect(roundTrip(readings), `seed ${seed}`).toEqual(readings);
    }
  });

  it("reads a reading at or after the row's retraction as entered-in-error", () => {
    const r = reading(T + 100, 6.5);
    expect(effectiveStatus(r, null)).toBe("final");
    expect(effectiveStatus(r, T + 100)).toBe("entered-in-error");
    expect(effectiveStatus(r, T + 101)).toBe("final");
  });
});
