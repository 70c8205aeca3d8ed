import { describe, expect, it, vi } from "vitest";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import { DisplayPacer, DisplayStream, downsample } from "./displayStream.ts";

const r = (
  signal: CheckedReading["signal"],
  t: number,
  value: number,
  quality: CheckedReading["quality"] = "valid",
): CheckedReading => ({
  deviceId: "soe-julian-36",
  signal,
  t,
  value,
  unit: "N",
  tooth: 36,
  quality,
  status: "final",
  receivedAt: t,
});

describe("display downsampling", () => {
  it("keeps one peak per 100 ms for 50 Hz bite force and every low-rate reading", () => {
    const bite = Array.from({ length: 50 }, (_, i) => r("biteForce", 1_000_000 + i * 20, i === 23 ? 700 : i));
    const out = downsample([...bite, r("ph", 1_000_000, 7.1), r("ph", 1_000_500, 7.0)]);
    expect(out.filter((x) => x.signal === "biteForce")).toHaveLength(10);
    expect(out.filter((x) => x.signal === "ph")).toHaveLength(2);
    expect(Math.max(...out.map((x) => x.value))).toBe(700);
  });

  it("never drops a reading that is not valid", () => {
    const out = downsample([
      r("biteForce", 1000, 5),
      r("biteForce", 1020, 9000, "invalid"),
      r("biteForce", 1040, 6),
    ]);
    expect(out.filter((x) => x.quality === "invalid")).toHaveLength(1);
    expect(out).toHaveLength(2);
  });

  it("hands each patient's readings out once per tick", () => {
    const stream = new DisplayStream();
    stream.push("julian", [r("ph", 1, 7)]);
    stream.push("flower", [r("ph", 2, 7)]);
    const first = stream.take();
    expect([...first.keys()].sort()).toEqual(["flower", "julian"]);
    expect(stream.take().size).toBe(0);
  });
});

describe("the display pacer", () => {
  it("sends at once while the rate allows, gathers one turn's requests, and then keeps to the rate", () => {
    vi.useFakeTimers();
    try {
      let sends = 0;
      const pacer = new DisplayPacer(
        10,
        2,
        () => (sends += 1),
        () => Date.now(),
      );
      pacer.request();
      pacer.request(); // the same turn: one send
      expect(sends).toBe(0);
      vi.advanceTimersToNextTimer(); // the next turn (setImmediate)
      expect(sends).toBe(1);
      pacer.request(); // the burst's second send: at once too
      vi.advanceTimersToNextTimer();
      expect(sends).toBe(2);
      pacer.request(); // burst spent: waits for the rate (10 a second: 100 ms a send)
      vi.advanceTimersByTime(99);
      expect(sends).toBe(2);
      vi.advanceTimersByTime(1);
      expect(sends).toBe(3);
      vi.advanceTimersByTime(1_000);
      expect(sends).toBe(3); // nothing waiting, nothing sent
      pacer.request();
      pacer.stop();
      vi.advanceTimersByTime(1_000);
      expect(sends).toBe(3); // stopped: the pending send is dropped
    } finally {
      vi.useRealTimers();
    }
  });
});
