import { describe, expect, it } from "vitest";
import { PlausibilityChecker, type PlausibilityRule, type PlausibilityVerdict } from "./plausibility.ts";
import { type Reading, SIGNAL_SPECS, type Signal } from "./signals.ts";

const T0 = 1_700_000_000_000;
const NONE: ReadonlySet<string> = new Set();

interface Sample {
  /** Device time, seconds after T0. */
  s: number;
  value: number;
  device?: string;
  tooth?: number;
  signal?: Signal;
  /** Server receive time, seconds after T0; defaults to the device time. */
  rx?: number;
  unit?: string;
  firmware?: string;
}

function feed(
  checker: PlausibilityChecker,
  samples: readonly Sample[],
  quarantined = NONE,
): PlausibilityVerdict[] {
  return samples.map((x) => {
    const signal = x.signal ?? "ph";
    const reading: Reading = {
      signal,
      t: T0 + x.s * 1000,
      value: x.value,
      unit: x.unit ?? SIGNAL_SPECS[signal].unit,
    };
    const tooth = x.tooth ?? 36;
    if (SIGNAL_SPECS[signal].perTooth) reading.tooth = tooth;
    return checker.check(
      {
        deviceId: x.device ?? `soe-${tooth}`,
        firmware: x.firmware ?? "2.3.1",
        reading,
        receivedAt: T0 + (x.rx ?? x.s) * 1000,
      },
      quarantined,
    );
  });
}

/** n samples of a signal at its nominal rate, from second `from`, value by index. */
function series(
  n: number,
  value: (i: number) => number,
  opts: Partial<Sample> & { from?: number } = {},
): Sample[] {
  const hz = SIGNAL_SPECS[opts.signal ?? "ph"].sampleHz;
  const from = opts.from ?? 0;
  return Array.from({ length: n }, (_, i) => ({ ...opts, s: from + i / hz, value: value(i) }));
}

/** Small smooth movement plus deterministic jitter well inside physiology. */
const wobble = (base: number, amp: number) => (i: number) =>
  base + amp * Math.sin(i / 7) + amp * 0.1 * Math.sin(i * 1.3);

interface Case {
  name: string;
  rule: PlausibilityRule;
  samples: Sample[];
  /** Index of the reading that must be flagged (the fault) or -1 for a healthy series. */
  flagged: number;
  quality?: "invalid" | "suspect";
  reason?: RegExp;
  quarantined?: string[];
}

const tenValid = series(10, wobble(7.1, 0.02));

const CASES: Case[] = [
  // range
  {
    name: "pH of 12",
    rule: "range",
    samples: [...tenValid, { s: 10, value: 12 }],
    flagged: 10,
    reason: /^pH read a value out of sensor range \(3–9\)/,
  },
  {
    name: "NaN",
    rule: "range",
    samples: [...tenValid, { s: 10, value: Number.NaN }],
    flagged: 10,
    reason: /^pH read a value out of sensor range \(3–9\)/,
  },
  {
    name: "infinite temperature",
    rule: "range",
    samples: [{ s: 0, value: Number.POSITIVE_INFINITY, signal: "temperature" }],
    flagged: 0,
  },
  {
    name: "negative bite force",
    rule: "range",
    samples: [{ s: 0, value: -3, signal: "biteForce" }],
    flagged: 0,
  },
  {
    name: "heart rate 300",
    rule: "range",
    samples: [{ s: 0, value: 300, signal: "heartRate" }],
    flagged: 0,
    reason: /^Heart rate read a value out of sensor range \(25–220 bpm\)/,
  },
  {
    name: "healthy pH at the range edges",
    rule: "range",
    samples: [
      { s: 0, value: 3 },
      { s: 100, value: 9, device: "other" },
    ],
    flagged: -1,
  },
  // unit
  {
    name: "wrong unit",
    rule: "unit",
    samples: [{ s: 0, value: 34.5, signal: "temperature", unit: "[degF]" }],
    flagged: 0,
    reason: /came in \[degF\], expected Cel/,
  },
  // rate of change
  {
    name: "pH jump of 1.9 in 1 s",
    rule: "rateOfChange",
    samples: [
      { s: 0, value: 7.1 },
      { s: 1, value: 9 },
    ],
    flagged: 1,
    reason: /^pH jumped 1.9 in 1 s: faster than the sensor can respond$/,
  },
  {
    name: "temperature spike",
    rule: "rateOfChange",
    samples: [
      ...series(5, () => 34.5, { signal: "temperature" }).map((x, i) => ({ ...x, value: 34.5 + i * 0.01 })),
      { s: 5, value: 37, signal: "temperature" },
    ],
    flagged: 5,
  },
  {
    name: "bite force 0 -> 600 N in 20 ms",
    rule: "rateOfChange",
    samples: [
      { s: 0, value: 0, signal: "biteForce" },
      { s: 0.02, value: 600, signal: "biteForce" },
    ],
    flagged: 1,
  },
  {
    name: "healthy bite onset 0 -> 300 N in 20 ms",
    rule: "rateOfChange",
    samples: [
      { s: 0, value: 0, signal: "biteForce" },
      { s: 0.02, value: 300, signal: "biteForce" },
    ],
    flagged: -1,
  },
  {
    name: "healthy Stephan-curve fall",
    rule: "rateOfChange",
    samples: series(120, (i) => 7.2 - i * 0.015),
    flagged: -1,
  },
  // stuck-at
  {
    name: "pH stuck for 15 s",
    rule: "stuckAt",
    samples: [...tenValid, ...series(15, () => 7.123, { from: 10 })],
    flagged: 24,
    reason: /exactly 7.12 for 15 s: sensor stuck/,
  },
  {
    name: "plaque stuck to the exact float",
    rule: "stuckAt",
    samples: series(15, () => 0.8123456, { signal: "plaque" }),
    flagged: 14,
  },
  {
    name: "bite force stuck under load",
    rule: "stuckAt",
    samples: series(750, () => 250.5, { signal: "biteForce" }),
    flagged: 749,
  },
  {
    name: "healthy resting jaw at exactly 0 N",
    rule: "stuckAt",
    samples: series(2000, () => 0, { signal: "biteForce" }),
    flagged: -1,
  },
  {
    name: "healthy slow plaque",
    rule: "stuckAt",
    samples: series(60, (i) => 0.8 + i * 1e-5, { signal: "plaque" }),
    flagged: -1,
  },
  {
    name: "healthy repeats shorter than the window",
    rule: "stuckAt",
    samples: series(14, () => 7.2),
    flagged: -1,
  },
  // time stamps
  {
    name: "time stamp 7 min ahead",
    rule: "futureTimestamp",
    samples: [...tenValid, { s: 10 + 420, rx: 10, value: 7.1 }],
    flagged: 10,
    reason: /time-stamped 7 min ahead of the server: the device clock is wrong/,
  },
  {
    name: "healthy time stamp 1 s ahead",
    rule: "futureTimestamp",
    samples: [...tenValid, { s: 11, rx: 10, value: 7.1 }],
    flagged: -1,
  },
  {
    name: "time stamp 10 min behind",
    rule: "staleTimestamp",
    samples: [{ s: 0, rx: 600, value: 7.1 }],
    flagged: 0,
    reason: /10 min in the past/,
  },
  {
    name: "healthy upload buffered for 2 min",
    rule: "staleTimestamp",
    samples: series(10, wobble(7.1, 0.02)).map((x) => ({ ...x, rx: 130 })),
    flagged: -1,
  },
  {
    name: "sample older than the last one",
    rule: "outOfOrder",
    samples: [...tenValid, { s: 5.5, value: 7.1 }],
    flagged: 10,
    reason: /arrived 3.5 s older than a sample already received: out of order or replayed/,
  },
  {
    name: "duplicate time stamp",
    rule: "outOfOrder",
    samples: [...tenValid, { s: 9, value: 7.1 }],
    flagged: 10,
    reason: /repeated a time stamp: duplicate sample/,
  },
  // firmware
  {
    name: "quarantined firmware",
    rule: "quarantinedFirmware",
    samples: [{ s: 0, value: 7.1, firmware: "2.4.0-beta.1" }],
    quarantined: ["2.4.0-beta.1"],
    flagged: 0,
    reason: /^firmware 2.4.0-beta.1 is quarantined$/,
  },
  {
    name: "healthy firmware beside a quarantined one",
    rule: "quarantinedFirmware",
    samples: tenValid,
    quarantined: ["2.4.0-beta.1"],
    flagged: -1,
  },
  // noise
  {
    name: "pH zig-zag within the rate bound",
    rule: "noise",
    quality: "suspect",
    samples: series(12, (i) => 7.1 + (i % 2 ? 0.09 : -0.09)),
    flagged: 9,
    reason: /jittering .*more than physiology allows/,
  },
  {
    name: "heart rate jitter",
    rule: "noise",
    quality: "suspect",
    samples: series(12, (i) => 80 + (i % 2 ? 3.5 : -3.5), { signal: "heartRate" }),
    flagged: 9,
  },
  {
    name: "healthy heart rate with breathing",
    rule: "noise",
    samples: series(120, (i) => 75 + 1.5 * Math.sin(i / 1) + 3 * Math.sin(i / 60), { signal: "heartRate" }),
    flagged: -1,
  },
  {
    name: "healthy chewing at 50 Hz",
    rule: "noise",
    samples: series(
      400,
      (i) => {
        const u = ((i * 20) % 800) / 350;
        return u < 1 ? 400 * Math.sin(Math.PI * u) ** 2 : 0;
      },
      { signal: "biteForce" },
    ),
    flagged: -1,
  },
];

describe("PlausibilityChecker: every rule catches its fault and spares healthy data", () => {
  it.each(CASES)("$rule: $name", (c) => {
    const verdicts = feed(new PlausibilityChecker(), c.samples, new Set(c.quarantined ?? []));
    verdicts.forEach((v, i) => {
      if (i === c.flagged) {
        expect(v, `reading ${i}`).toMatchObject({ quality: c.quality ?? "invalid", rule: c.rule });
        if (c.reason) expect(v.reason).toMatch(c.reason);
      } else if (c.flagged === -1 || i < c.flagged) {
        expect(v, `reading ${i}: ${v.reason}`).toEqual({ quality: "valid" });
      }
    });
  });
});

describe("cross-sensor agreement", () => {
  /** Three teeth at 34.5 C, then the tooth under test. */
  function withNeighbours(
    value: number,
    opts: { others?: number; othersAt?: number } = {},
  ): PlausibilityVerdict {
    const checker = new PlausibilityChecker();
    const teeth = [16, 26, 46].slice(0, opts.others ?? 3);
    for (const tooth of teeth)
      feed(checker, [{ s: opts.othersAt ?? 0, value: 34.5, tooth, signal: "temperature" }]);
    return feed(checker, [{ s: 1, value, tooth: 36, signal: "temperature" }])[0]!;
  }

  it.each([
    { name: "2 C warmer than three teeth", value: 36.5, others: 3, othersAt: 0, expected: "suspect" },
    { name: "0.5 C warmer than three teeth", value: 35, others: 3, othersAt: 0, expected: "valid" },
    {
      name: "one other tooth is not enough to judge",
      value: 36.5,
      others: 1,
      othersAt: 0,
      expected: "valid",
    },
    { name: "others too old to compare", value: 36.5, others: 3, othersAt: -20, expected: "valid" },
  ])("$name -> $expected", ({ value, others, othersAt, expected }) => {
    const v = withNeighbours(value, { others, othersAt });
    expect(v.quality).toBe(expected);
    if (expected === "suspect") {
      expect(v.rule).toBe("crossSensor");
      expect(v.reason).toBe("Temperature reads 36.5, 2 away from the other teeth (34.5): check the sensor");
    }
  });

  it("flags pH straying 1.5 from the other teeth, and an invalid tooth does not drag the median", () => {
    const checker = new PlausibilityChecker();
    for (const tooth of [16, 26]) feed(checker, [{ s: 0, value: 7.1, tooth }]);
    // 46 sends garbage; it must not count as a neighbour.
    expect(feed(checker, [{ s: 0, value: 11, tooth: 46 }])[0]!.quality).toBe("invalid");
    expect(feed(checker, [{ s: 1, value: 7.2, tooth: 36 }])[0]!.quality).toBe("valid");
    expect(feed(checker, [{ s: 2, value: 7.1, tooth: 16 }])[0]!.quality).toBe("valid");
    const v = feed(checker, [{ s: 1, value: 5.6, tooth: 46 }])[0]!;
    expect(v).toMatchObject({ quality: "suspect", rule: "crossSensor" });
  });
});

describe("faults do not poison the baselines later checks rely on", () => {
  it.each([
    { name: "after a spike the next good value is valid", fault: { s: 10, value: 9 } },
    {
      name: "after a far-future time stamp the next sample is in order",
      fault: { s: 900, rx: 10, value: 7.1 },
    },
    { name: "after an out-of-range value the next good value is valid", fault: { s: 10, value: 2 } },
    { name: "after a replayed old sample the next sample is valid", fault: { s: 2, value: 7.1 } },
  ])("$name", ({ fault }) => {
    const verdicts = feed(new PlausibilityChecker(), [
      ...tenValid,
      fault,
      { s: 11, value: 7.12 },
      { s: 12, value: 7.11 },
    ]);
    expect(verdicts[10]!.quality).toBe("invalid");
    expect(verdicts.slice(11)).toEqual([{ quality: "valid" }, { quality: "valid" }]);
  });

  it("measures rate from the last valid sample, so a long gap allows a larger change", () => {
    const verdicts = feed(new PlausibilityChecker(), [
      { s: 0, value: 7.2 },
      { s: 10, value: 5.5 },
    ]);
    expect(verdicts[1]).toEqual({ quality: "valid" });
  });

  it("keeps flagging a stuck sensor until the value moves again", () => {
    const verdicts = feed(new PlausibilityChecker(), [...series(20, () => 6.9), { s: 20, value: 6.95 }]);
    expect(verdicts.slice(14, 20).every((v) => v.rule === "stuckAt")).toBe(true);
    expect(verdicts[20]).toEqual({ quality: "valid" });
  });
});

describe("dropouts", () => {
  it.each([
    { name: "1 Hz pH silent for 10 s", signal: "ph" as Signal, lastS: 3, nowS: 13, missing: 10 },
    {
      name: "50 Hz bite force silent for 6 s",
      signal: "biteForce" as Signal,
      lastS: 3,
      nowS: 9,
      missing: 300,
    },
    { name: "heart rate silent for 8 s", signal: "heartRate" as Signal, lastS: 0, nowS: 8, missing: 8 },
  ])("$name is reported with the samples missed", ({ signal, lastS, nowS, missing }) => {
    const checker = new PlausibilityChecker();
    feed(
      checker,
      series(3, () => (signal === "heartRate" ? 70 : 7), { signal, from: lastS - 0.5 }).map((x) => ({
        ...x,
        rx: lastS,
      })),
    );
    expect(checker.dropouts(T0 + (lastS + 4) * 1000)).toEqual([]);
    const found = checker.dropouts(T0 + nowS * 1000);
    expect(found).toEqual([
      {
        deviceId: "soe-36",
        signal,
        tooth: signal === "heartRate" ? null : 36,
        missingSamples: missing,
        lastAt: T0 + lastS * 1000,
      },
    ]);
  });

  it("reports nothing while every stream keeps sending, and a late sample ends the dropout", () => {
    const checker = new PlausibilityChecker();
    for (let s = 0; s < 30; s++) {
      feed(checker, [
        { s, value: 7 + s * 0.001 },
        { s, value: 34.5 + s * 0.001, signal: "temperature" },
      ]);
      expect(checker.dropouts(T0 + s * 1000 + 999)).toEqual([]);
    }
    expect(
      checker
        .dropouts(T0 + 40_000)
        .map((f) => f.signal)
        .sort(),
    ).toEqual(["ph", "temperature"]);
    feed(checker, [{ s: 40, value: 7.03 }]);
    expect(checker.dropouts(T0 + 40_000).map((f) => f.signal)).toEqual(["temperature"]);
  });
});

describe("options", () => {
  it("honours a shorter stuck window and a looser pH cross-sensor limit", () => {
    const checker = new PlausibilityChecker({ stuckAtSeconds: 5, crossSensorLimits: { ph: 3 } });
    const stuck = feed(
      checker,
      series(5, () => 7.2),
    );
    expect(stuck[4]!.rule).toBe("stuckAt");
    for (const tooth of [16, 26]) feed(checker, [{ s: 0, value: 7.1, tooth }]);
    expect(feed(checker, [{ s: 1, value: 5, tooth: 46 }])[0]!.quality).toBe("valid");
  });
});
