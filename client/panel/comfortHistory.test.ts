import { describe, expect, it } from "vitest";
import type { ComfortView } from "../../shared/protocol.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import { ComfortHistory } from "./comfortHistory.ts";

const comfort = (over: Partial<ComfortView> = {}): ComfortView => ({
  mdasScore: 20,
  pathway: "high_anxiety",
  surroundings: "clinic",
  breathingCoach: false,
  checkinPending: null,
  lastCheckin: null,
  heartRateBaseline: 80,
  ...over,
});

const hr = (t: number, value: number, quality: CheckedReading["quality"] = "valid"): CheckedReading => ({
  signal: "heartRate",
  t,
  value,
  unit: "/min",
  deviceId: "hr",
  quality,
  status: "final",
  receivedAt: t,
});

describe("ComfortHistory", () => {
  it("turns heart rate into % change from the patient's baseline", () => {
    const h = new ComfortHistory();
    h.addHeartRate(hr(1000, 80));
    h.addHeartRate(hr(2000, 100));
    const d = h.timeline(80, 3000);
    expect(d.ys[0]).toEqual([0, 25]);
  });

  it("plots no percentages before the baseline is known", () => {
    const h = new ComfortHistory();
    h.addHeartRate(hr(1000, 90));
    expect(h.timeline(null, 2000).ys[0]!.some((y) => typeof y === "number")).toBe(false);
  });

  it("breaks the line at invalid heart-rate readings", () => {
    const h = new ComfortHistory();
    h.addHeartRate(hr(1000, 80));
    h.addHeartRate(hr(2000, 200, "invalid"));
    h.addHeartRate(hr(3000, 80));
    expect(h.timeline(80, 4000).ys[0]).toContain(null);
  });

  it("keeps each check-in answer, request and stop once", () => {
    const h = new ComfortHistory();
    h.noteComfort(comfort({ checkinPending: { reason: "r", requestedAt: 500 } }));
    h.noteComfort(comfort({ checkinPending: { reason: "r", requestedAt: 500 } }));
    h.noteComfort(comfort({ lastCheckin: { score: 7, at: 1000 } }));
    h.noteComfort(comfort({ lastCheckin: { score: 7, at: 1000 } }));
    h.noteComfort(comfort({ lastCheckin: { score: 4, at: 2000 } }));
    h.noteStop(1500);
    h.noteStop(1600);
    const d = h.timeline(80, 3000);
    expect(h.checkinCount()).toBe(2);
    expect(d.requests).toEqual([500]);
    expect(d.stops).toEqual([1500]);
    expect(d.ys[1]!.filter((y) => typeof y === "number")).toEqual([7, 4]);
  });
});
