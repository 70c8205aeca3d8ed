import { describe, expect, it } from "vitest";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import { DisplayStream, downsample } from "./displayStream.ts";

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
