import { describe, expect, it } from "vitest";
import { ProcedureStatus } from "../../shared/procedure/types.ts";
import type { ComfortView } from "../../shared/protocol.ts";
import type { StoredReading } from "../storage/storage.ts";
import { median, patientAnxiety } from "./anxiety.ts";
import { EventLog, FIXTURE_APPOINTMENT } from "./visitFixtures.ts";
import { deriveVisits } from "./visits.ts";

const S = ProcedureStatus;
const comfort = (mdasScore: number, heartRateBaseline: number | null): ComfortView => ({
  mdasScore,
  pathway: mdasScore >= 19 ? "high_anxiety" : "standard",
  surroundings: "clinic",
  breathingCoach: false,
  checkinPending: null,
  lastCheckin: null,
  heartRateBaseline,
});
const hr = (t: number, value: number, status: StoredReading["status"] = "final"): StoredReading => ({
  deviceId: "hr-julian",
  signal: "heartRate",
  t,
  value,
  unit: "/min",
  quality: "valid",
  status,
  receivedAt: t,
  firmware: "1.0.0",
});

describe("patientAnxiety", () => {
  it("gives each visit its MDAS, ratings, stops and heart-rate rise over the patient's own baseline", () => {
    const log = new EventLog();
    log.join("julian");
    log.push({ type: "comfort", comfort: comfort(21, 70) });
    log.procedure("start", S.notStarted, S.running);
    log.procedure("stop", S.running, S.pausedByPatient, { role: "patient" });
    log.procedure("ready", S.pausedByPatient, S.running, { role: "patient" });
    log.procedure("stop", S.running, S.pausedByPatient, { role: "patient" });
    log.push({ type: "checkin", score: 4, by: "m-julian" });
    log.procedure("abort", S.pausedByPatient, S.aborted);
    log.join("julian");
    log.push({ type: "comfort", comfort: comfort(15, null) });
    log.procedure("start", S.notStarted, S.running);
    log.push({ type: "checkin", score: 8, by: "m-julian" });
    log.procedure("next", S.running, S.completed);
    const [v1, v2] = deriveVisits(FIXTURE_APPOINTMENT, log.events, null);
    const span = (v: typeof v1) => log.events.filter((e) => e.seq >= v!.firstSeq && e.seq <= v!.lastSeq);
    const result = patientAnxiety([
      {
        visit: v2!,
        events: span(v2),
        heartRate: [hr(v2!.startedAt, 78), hr(v2!.startedAt + 1000, 120, "entered-in-error")],
      },
      { visit: v1!, events: span(v1), heartRate: [hr(v1!.startedAt, 95), hr(v1!.startedAt + 1000, 101)] },
    ]);
    expect(result.baseline).toBe(70);
    expect(result.visits).toEqual([
      {
        visitId: v1!.id,
        startedAt: v1!.startedAt,
        mdasScore: 21,
        pathway: "high_anxiety",
        comfortRatings: [{ at: expect.any(Number), score: 4 }],
        stops: 2,
        heartRateBaseline: 70,
        heartRatePeak: 101,
        heartRateRise: 31,
      },
      {
        visitId: v2!.id,
        startedAt: v2!.startedAt,
        mdasScore: 15,
        pathway: "standard",
        comfortRatings: [{ at: expect.any(Number), score: 8 }],
        stops: 0,
        heartRateBaseline: null,
        heartRatePeak: 78,
        heartRateRise: 8,
      },
    ]);
  });

  it.each([
    [[], null],
    [[null, 3], 3],
    [[5, 1, 3], 3],
    [[4, 1, null, 3, 2], 2.5],
  ])("median of %j is %s", (xs, m) => {
    expect(median(xs)).toBe(m);
  });
});
