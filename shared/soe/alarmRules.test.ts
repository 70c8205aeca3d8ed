import { describe, expect, it } from "vitest";
import type { Alarm } from "../alarms.ts";
import { AlarmEngine, type AlarmOptions, type RuledReading } from "./alarmRules.ts";
import type { DropoutFinding, PlausibilityRule } from "./plausibility.ts";
import { type Quality, SIGNAL_SPECS, type Signal } from "./signals.ts";

const T0 = 1_700_000_000_000;

/** An engine on a hand-driven clock; readings are stamped with that clock. */
function rig(options?: Partial<AlarmOptions>) {
  let now = T0;
  let ids = 0;
  const engine = new AlarmEngine({ now: () => now, newId: () => `alarm-${++ids}`, options });
  const raised: Alarm[] = [];
  const read = (
    value: number,
    o: {
      signal?: Signal;
      quality?: Quality;
      rule?: PlausibilityRule;
      device?: string;
      baseline?: number | null;
      status?: "final" | "entered-in-error";
    } = {},
  ): Alarm[] => {
    const signal = o.signal ?? "ph";
    const r: RuledReading = {
      signal,
      t: now,
      value,
      unit: SIGNAL_SPECS[signal].unit,
      deviceId: o.device ?? (signal === "heartRate" ? "hr" : "soe-36"),
      quality: o.quality ?? "valid",
      status: o.status ?? "final",
      receivedAt: now,
    };
    if (SIGNAL_SPECS[signal].perTooth) r.tooth = 36;
    if (o.quality && o.quality !== "valid")
      r.reason = `${SIGNAL_SPECS[signal].label} jumped 2.1 in 1 s: faster than the sensor can respond`;
    if (o.rule) r.rule = o.rule;
    const out = engine.onReading(r, { heartRateBaseline: o.baseline ?? null });
    raised.push(...out);
    return out;
  };
  /** Sends one reading per second for `seconds`, advancing the clock. */
  const hold = (seconds: number, value: number, o: Parameters<typeof read>[1] = {}): Alarm[] => {
    const out: Alarm[] = [];
    for (let i = 0; i < seconds; i++) {
      out.push(...read(value, o));
      now += 1000;
    }
    return out;
  };
  return {
    engine,
    read,
    hold,
    raised,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

describe("technical alarms", () => {
  it.each([
    { name: "3 invalid within 10 s", quality: "invalid" as Quality, count: 3, every: 3000, alarm: true },
    { name: "2 invalid within 10 s", quality: "invalid" as Quality, count: 2, every: 1000, alarm: false },
    {
      name: "3 invalid spread over 12 s",
      quality: "invalid" as Quality,
      count: 3,
      every: 6000,
      alarm: false,
    },
    { name: "5 suspect within 10 s", quality: "suspect" as Quality, count: 5, every: 1000, alarm: true },
    { name: "4 suspect within 10 s", quality: "suspect" as Quality, count: 4, every: 1000, alarm: false },
  ])("$name -> alarm: $alarm", ({ quality, count, every, alarm }) => {
    const r = rig();
    for (let i = 0; i < count; i++) {
      r.read(7.1, { quality, rule: "rateOfChange" });
      r.advance(every);
    }
    const technical = r.engine.list().filter((a) => a.kind === "technical");
    expect(technical.length).toBe(alarm ? 1 : 0);
    if (alarm) {
      expect(technical[0]).toMatchObject({
        key: "device:soe-36",
        priority: "medium",
        deviceId: "soe-36",
        tooth: 36,
        message: "pH jumped 2.1 in 1 s: faster than the sensor can respond",
      });
    }
  });

  it("keeps one alarm per device however long the fault lasts, listing each failing signal in place", () => {
    const r = rig();
    const out = r.hold(60, 7.1, { quality: "invalid" });
    expect(out).toHaveLength(1);
    expect(r.engine.list()).toHaveLength(1);
    const updated = r.hold(10, 34.5, { quality: "invalid", signal: "temperature" });
    expect(updated.map((a) => a.id)).toEqual([out[0]!.id]);
    const [alarm] = r.engine.list();
    expect(r.engine.list()).toHaveLength(1);
    expect(alarm!.causes!.map((c) => c.key).sort()).toEqual([
      "technical:soe-36:ph",
      "technical:soe-36:temperature",
    ]);
    expect(alarm!.message).toMatch(/^pH jumped .*; Temperature jumped /);
  });

  it("drops a cause that recovered and keeps the alarm for the rest", () => {
    const r = rig({ escalateAfterMs: Number.POSITIVE_INFINITY });
    r.hold(3, 7.1, { quality: "invalid" });
    r.hold(3, 34.5, { quality: "invalid", signal: "temperature" });
    // pH recovers for 31 s; temperature keeps failing.
    for (let i = 0; i < 31; i++) {
      r.read(7.1);
      r.read(34.5, { quality: "invalid", signal: "temperature" });
      r.advance(1000);
    }
    const changed = r.engine.tick();
    expect(changed).toHaveLength(1);
    expect(changed[0]!.clearedAt).toBeUndefined();
    expect(changed[0]!.causes!.map((c) => c.key)).toEqual(["technical:soe-36:temperature"]);
    expect(changed[0]!.message).not.toMatch(/pH/);
  });

  it("escalates a medium alarm left unacknowledged for 2 minutes to high; an acknowledged one stays", () => {
    const r = rig();
    r.hold(3, 7.1, { quality: "invalid" });
    r.advance(115_000);
    expect(r.engine.tick()).toEqual([]);
    r.advance(5_000);
    const escalated = r.engine.tick();
    expect(escalated).toMatchObject([{ priority: "high", escalatedAt: r.now() }]);
    const other = rig();
    other.hold(3, 7.1, { quality: "invalid" });
    expect(other.engine.acknowledge(other.engine.list()[0]!.id, "dr-ray").ok).toBe(true);
    other.advance(300_000);
    expect(other.engine.tick()).toEqual([]);
  });

  it("clears only after valid data has been back for 30 s, and stays listed until acknowledged", () => {
    const r = rig();
    r.hold(5, 7.1, { quality: "invalid" });
    const [alarm] = r.engine.list();
    // Last invalid at 4 s; at 33 s that is 29 s ago.
    r.hold(28, 7.1);
    expect(r.engine.tick()).toEqual([]);
    r.hold(2, 7.1);
    const cleared = r.engine.tick();
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ id: alarm!.id, clearedAt: r.now() });
    expect(r.engine.list().map((a) => a.id)).toEqual([alarm!.id]);
    const ack = r.engine.acknowledge(alarm!.id, "dr-lee");
    expect(ack).toMatchObject({ ok: true, value: { acknowledgedBy: "dr-lee", acknowledgedAt: r.now() } });
    expect(r.engine.list()).toEqual([]);
  });

  it("does not clear while the device is silent (no valid data since the fault)", () => {
    const r = rig({ escalateAfterMs: Number.POSITIVE_INFINITY });
    r.hold(5, 7.1, { quality: "invalid" });
    r.advance(120_000);
    expect(r.engine.tick()).toEqual([]);
    expect(r.engine.list()[0]!.clearedAt).toBeUndefined();
  });

  it("opens the latched alarm again in place when the fault returns before acknowledgement", () => {
    const r = rig();
    r.hold(3, 7.1, { quality: "invalid" });
    r.hold(31, 7.1);
    const [cleared] = r.engine.tick();
    expect(cleared!.clearedAt).toBeDefined();
    r.hold(3, 7.1, { quality: "invalid" });
    const list = r.engine.list();
    expect(list.map((a) => [a.id, a.clearedAt])).toEqual([[cleared!.id, undefined]]);
  });

  it("raises a new alarm when the fault returns after the old one was acknowledged", () => {
    const r = rig();
    r.hold(3, 7.1, { quality: "invalid" });
    r.hold(31, 7.1);
    const [cleared] = r.engine.tick();
    expect(r.engine.acknowledge(cleared!.id, "dr-ray").ok).toBe(true);
    r.hold(3, 7.1, { quality: "invalid" });
    const list = r.engine.list();
    expect(list).toHaveLength(1);
    expect(list[0]!.id).not.toBe(cleared!.id);
  });

  it.each([
    { name: "the plausibility rule", o: { rule: "quarantinedFirmware" as PlausibilityRule } },
    { name: "a retracted (entered-in-error) reading", o: { status: "entered-in-error" as const } },
  ])("raises a high firmware alarm at once from $name, and no per-signal fault", ({ o }) => {
    const r = rig();
    const out = r.read(7.1, { quality: "invalid", ...o });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ key: "device:soe-36", kind: "technical", priority: "high" });
    expect(out[0]!.causes!.map((c) => c.key)).toEqual(["firmware:soe-36"]);
    r.hold(20, 7.1, { quality: "invalid", ...o });
    expect(r.engine.list()).toHaveLength(1);
  });

  it("clears the firmware alarm once the device sends valid data on other firmware for 30 s", () => {
    const r = rig();
    r.hold(3, 7.1, { quality: "invalid", rule: "quarantinedFirmware" });
    r.hold(31, 7.1);
    expect(r.engine.tick().map((a) => [a.key, a.clearedAt])).toEqual([["device:soe-36", r.now()]]);
  });
});

describe("dropout alarms", () => {
  const finding = (deviceId: string, signal: Signal, tooth: number | null): DropoutFinding => ({
    deviceId,
    signal,
    tooth,
    missingSamples: 6,
    lastAt: T0,
  });

  it("raises one medium alarm per silent device, naming the signals, and clears when it is no longer listed", () => {
    const r = rig();
    const out = r.engine.onDropouts([
      finding("soe-36", "ph", 36),
      finding("soe-36", "temperature", 36),
      finding("hr", "heartRate", null),
    ]);
    expect(out.map((a) => [a.key, a.priority, a.message])).toEqual([
      ["device:soe-36", "medium", "no pH, temperature data: shown as a gap"],
      ["device:hr", "medium", "no heart rate data: shown as a gap"],
    ]);
    expect(
      r.engine.onDropouts([
        finding("soe-36", "ph", 36),
        finding("soe-36", "temperature", 36),
        finding("hr", "heartRate", null),
      ]),
    ).toEqual([]);
    const cleared = r.engine.onDropouts([finding("hr", "heartRate", null)]);
    expect(cleared.map((a) => [a.key, a.clearedAt])).toEqual([["device:soe-36", r.now()]]);
  });

  it("clears when the silent signals send again, even if dropouts are never reported empty", () => {
    const r = rig();
    r.engine.onDropouts([finding("soe-36", "ph", 36), finding("soe-36", "temperature", 36)]);
    expect(r.read(7.1)).toEqual([]);
    const out = r.read(34.5, { signal: "temperature" });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ key: "device:soe-36" });
    expect(out[0]!.clearedAt).toBe(r.now());
  });
});

describe("acknowledge and silence", () => {
  it("keeps an acknowledged active alarm visible until it clears", () => {
    const r = rig();
    r.hold(3, 7.1, { quality: "invalid" });
    const id = r.engine.list()[0]!.id;
    expect(r.engine.acknowledge(id, "dr-lee").ok).toBe(true);
    expect(r.engine.list()).toMatchObject([{ id, acknowledgedBy: "dr-lee" }]);
    r.hold(31, 7.1);
    expect(r.engine.tick()).toHaveLength(1);
    expect(r.engine.list()).toEqual([]);
  });

  it("is idempotent: a second acknowledgement keeps the first one's name and time", () => {
    const r = rig();
    r.hold(3, 7.1, { quality: "invalid" });
    const id = r.engine.list()[0]!.id;
    r.engine.acknowledge(id, "dr-lee");
    r.advance(5000);
    expect(r.engine.acknowledge(id, "nurse-kim")).toMatchObject({
      ok: true,
      value: { acknowledgedBy: "dr-lee", acknowledgedAt: T0 + 3000 },
    });
  });

  it("silencing sets silencedUntil and never hides the alarm", () => {
    const r = rig();
    r.hold(3, 7.1, { quality: "invalid" });
    const id = r.engine.list()[0]!.id;
    const res = r.engine.silence(id, 120);
    expect(res).toMatchObject({ ok: true, value: { id, silencedUntil: r.now() + 120_000 } });
    expect(r.engine.list()).toMatchObject([{ id, silencedUntil: r.now() + 120_000 }]);
    expect(r.engine.list()[0]!.clearedAt).toBeUndefined();
  });

  it.each([
    { seconds: 0 },
    { seconds: -5 },
    { seconds: 0.5 },
    { seconds: Number.NaN },
    { seconds: 601 },
  ])("refuses to silence for $seconds s", ({ seconds }) => {
    const r = rig();
    r.hold(3, 7.1, { quality: "invalid" });
    const res = r.engine.silence(r.engine.list()[0]!.id, seconds);
    expect(res).toMatchObject({ ok: false, error: { code: "bad_payload" } });
    expect(r.engine.list()[0]!.silencedUntil).toBeUndefined();
  });

  it.each([{ action: "acknowledge" }, { action: "silence" }])("$action of an unknown alarm is not_found", ({
    action,
  }) => {
    const r = rig();
    const res =
      action === "acknowledge" ? r.engine.acknowledge("nope", "dr-lee") : r.engine.silence("nope", 60);
    expect(res).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("hands out copies: changing a returned alarm does not change the engine's", () => {
    const r = rig();
    r.hold(3, 7.1, { quality: "invalid" });
    const a = r.engine.list()[0]!;
    a.message = "tampered";
    a.clearedAt = 1;
    expect(r.engine.list()[0]).toMatchObject({ message: expect.stringContaining("jumped") });
    expect(r.engine.list()[0]!.clearedAt).toBeUndefined();
  });

  it("lists high before medium before low, newest first within a priority", () => {
    const r = rig({ biteHighSustainMs: 0 });
    r.read(950, { signal: "biteForce" });
    r.advance(1000);
    r.hold(3, 7.1, { quality: "invalid" });
    r.read(7.1, { quality: "invalid", rule: "quarantinedFirmware", device: "soe-26" });
    r.hold(3, 34.5, { quality: "invalid", signal: "temperature" });
    // soe-36's pH and temperature faults are one alarm; soe-26's firmware is another.
    expect(r.engine.list().map((a) => a.priority)).toEqual(["high", "medium", "low"]);
    expect(r.engine.list()[1]!.causes!.map((c) => c.key)).toEqual([
      "technical:soe-36:ph",
      "technical:soe-36:temperature",
    ]);
  });
});

describe("physiological alarms", () => {
  it.each([
    {
      name: "pH 5.3 for 2 min",
      signal: "ph" as Signal,
      value: 5.3,
      seconds: 121,
      baseline: null,
      key: "physiological:soe-36:ph",
      priority: "medium",
      message: /^Enamel at risk: pH 5.3, below 5.5 for 2 min$/,
    },
    {
      name: "pH 5.3 for 1 min 59 s",
      signal: "ph" as Signal,
      value: 5.3,
      seconds: 120,
      baseline: null,
      key: null,
    },
    {
      name: "pH 5.6 for 10 min",
      signal: "ph" as Signal,
      value: 5.6,
      seconds: 600,
      baseline: null,
      key: null,
    },
    {
      name: "heart rate +36% for 21 s",
      signal: "heartRate" as Signal,
      value: 95,
      seconds: 21,
      baseline: 70,
      key: "physiological:hr:heartRate",
      priority: "medium",
      message: /^Heart rate 95\/min \(resting 70\/min\), raised for 20 s: offer a check-in$/,
    },
    {
      name: "heart rate +36% for 15 s",
      signal: "heartRate" as Signal,
      value: 95,
      seconds: 15,
      baseline: 70,
      key: null,
    },
    {
      name: "heart rate +21%",
      signal: "heartRate" as Signal,
      value: 85,
      seconds: 120,
      baseline: 70,
      key: null,
    },
    {
      name: "heart rate +64% for 11 s",
      signal: "heartRate" as Signal,
      value: 115,
      seconds: 11,
      baseline: 70,
      key: "physiological:hr:heartRate",
      priority: "high",
      message: /check on the patient now/,
    },
    {
      name: "heart rate 155 without a baseline",
      signal: "heartRate" as Signal,
      value: 155,
      seconds: 11,
      baseline: null,
      key: "physiological:hr:heartRate",
      priority: "high",
      message: /^Heart rate 155\/min: check on the patient now$/,
    },
    {
      name: "heart rate 140 without a baseline",
      signal: "heartRate" as Signal,
      value: 140,
      seconds: 120,
      baseline: null,
      key: null,
    },
    {
      name: "bite force 950 N for 3 s",
      signal: "biteForce" as Signal,
      value: 950,
      seconds: 3,
      baseline: null,
      key: "physiological:soe-36:biteForce",
      priority: "low",
      message: /above 900 N for 2 s/,
    },
    {
      name: "bite force 850 N for 10 s",
      signal: "biteForce" as Signal,
      value: 850,
      seconds: 10,
      baseline: null,
      key: null,
    },
    {
      name: "temperature 41 C",
      signal: "temperature" as Signal,
      value: 41,
      seconds: 600,
      baseline: null,
      key: null,
    },
  ])("$name -> $key", ({ signal, value, seconds, baseline, key, priority, message }) => {
    const r = rig();
    r.hold(seconds, value, { signal, baseline });
    const list = r.engine.list();
    if (key === null) {
      expect(list).toEqual([]);
      return;
    }
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ kind: "physiological", key, priority });
    expect(list[0]!.message).toMatch(message!);
  });

  it.each([
    { quality: "invalid" as Quality },
    { quality: "suspect" as Quality },
  ])("never comes from $quality readings", ({ quality }) => {
    const r = rig({ faultInvalidCount: 1e9, faultSuspectCount: 1e9 });
    r.hold(300, 5.0, { quality });
    r.hold(60, 160, { quality, signal: "heartRate" });
    r.hold(10, 1000, { quality, signal: "biteForce" });
    expect(r.engine.list()).toEqual([]);
  });

  it("escalates the same heart-rate alarm from medium to high, never back down, and clears after 10 s calm", () => {
    const r = rig();
    const medium = r.hold(21, 95, { signal: "heartRate", baseline: 70 });
    expect(medium.map((a) => a.priority)).toEqual(["medium"]);
    const high = r.hold(11, 120, { signal: "heartRate", baseline: 70 });
    expect(high).toHaveLength(1);
    expect(high[0]).toMatchObject({ id: medium[0]!.id, priority: "high" });
    r.hold(5, 95, { signal: "heartRate", baseline: 70 });
    expect(r.engine.list()[0]!.priority).toBe("high");
    expect(r.hold(10, 72, { signal: "heartRate", baseline: 70 })).toEqual([]);
    const cleared = r.hold(2, 72, { signal: "heartRate", baseline: 70 });
    expect(cleared).toHaveLength(1);
    expect(cleared[0]!.clearedAt).toBeDefined();
  });

  it("restarts the sustain count after a gap in the data", () => {
    const r = rig();
    r.hold(100, 5.3);
    r.advance(30_000);
    r.hold(60, 5.3);
    expect(r.engine.list()).toEqual([]);
  });

  it("a single reading back above the threshold restarts the count", () => {
    const r = rig();
    r.hold(100, 5.3);
    r.hold(1, 5.6);
    r.hold(100, 5.3);
    expect(r.engine.list()).toEqual([]);
  });

  it("honours a configured pH sustain time", () => {
    const r = rig({ phLowSustainMs: 30_000 });
    r.hold(31, 5.4);
    expect(r.engine.list().map((a) => a.message)).toEqual(["Enamel at risk: pH 5.4, below 5.5 for 30 s"]);
  });
});

describe("sequence conflicts", () => {
  it("raise one technical alarm per device, naming the batch, and clear after a quiet spell", () => {
    const r = rig();
    const first = r.engine.onSeqConflict("soe-46", 46, 7);
    expect(first).toMatchObject({
      kind: "technical",
      priority: "medium",
      key: "device:soe-46",
      deviceId: "soe-46",
      tooth: 46,
      message: expect.stringMatching(/^resent batch 7 with different data/),
    });
    r.advance(5_000);
    const again = r.engine.onSeqConflict("soe-46", 46, 9);
    expect(again.id).toBe(first.id);
    expect(again.message).toMatch(/batch 9/);
    expect(r.engine.list()).toHaveLength(1);
    r.advance(29_000);
    expect(r.engine.tick()).toEqual([]);
    r.advance(1_000);
    const cleared = r.engine.tick();
    expect(cleared).toMatchObject([{ id: first.id, clearedAt: expect.any(Number) }]);
    // Cleared but not acknowledged: still listed (latched), until a clinician acknowledges it.
    expect(r.engine.list()).toHaveLength(1);
    expect(r.engine.acknowledge(first.id, "dr-ray").ok).toBe(true);
    expect(r.engine.list()).toEqual([]);
  });
});
