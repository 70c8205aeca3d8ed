import { describe, expect, it } from "vitest";
import { decodeBatch, encodeBatch, encodePose, type Pose } from "../../shared/poseCodec.ts";
import { ProcedureStatus } from "../../shared/procedure/types.ts";
import { PROTOCOL_VERSION, type RoomSnapshot } from "../../shared/protocol.ts";
import {
  emptyRoomView,
  keyframeFromJson,
  keyframeToJson,
  ReplayEngine,
  type ReplayKeyframe,
  type ReplayState,
} from "../../shared/replay.ts";
import { ReplayClock } from "../../shared/replayClock.ts";
import { initialComfort } from "../room.ts";
import { EventLog } from "./visitFixtures.ts";

const APPOINTMENT = {
  appointmentId: "a-julian-1",
  roomId: "room-a-julian-1",
  patientName: "Julian",
  clinicianName: "Dr Lee",
  scheduledAt: "2026-11-02T09:00:00Z",
};

function initial(): RoomSnapshot {
  return emptyRoomView(APPOINTMENT, initialComfort(), "replay", PROTOCOL_VERSION);
}

function poseAt(i: number): Pose {
  return {
    head: { p: { x: i / 100, y: 1.2, z: 0.5 }, q: { x: 0, y: 0, z: 0, w: 1 } },
    left: null,
    right: null,
  };
}

/** A recorded visit: an earlier session, then Otto speaks, start, a patient stop, resume, completion; keyframes at 10 Hz. */
function recording() {
  const log = new EventLog(1);
  log.session("complete");
  const firstSeq = log.seq;
  log.push({
    type: "otto",
    otto: { state: "talking", lookAt: null, lastUtterance: { kind: "narration", text: "Hello Julian." } },
  });
  log.session("complete");
  const events = log.events;
  const from = events[0]!.at;
  const to = events.at(-1)!.at;
  const keyframes: ReplayKeyframe[] = [];
  for (let at = from, i = 0; at <= to; at += 100, i++) {
    keyframes.push({ at, seq: 0, poses: encodeBatch(at, 0, [{ slot: 1, bytes: encodePose(poseAt(i)) }]) });
  }
  return { events, firstSeq, keyframes };
}

function walk(engine: ReplayEngine, stepMs: number): ReplayState[] {
  const states: ReplayState[] = [];
  for (let t = engine.startAt; t <= engine.endAt; t += stepMs) states.push(engine.seek(t));
  return states;
}

describe("replay engine", () => {
  it("gives the same sequence of room states when the same visit is replayed twice", () => {
    const r = recording();
    const a = walk(new ReplayEngine(initial(), r.events, r.firstSeq, r.keyframes), 250);
    const b = walk(
      new ReplayEngine(initial(), [...r.events].reverse(), r.firstSeq, [...r.keyframes].reverse()),
      250,
    );
    expect(a.length).toBeGreaterThan(20);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it("gives the same state at t after seeking back and forth as when playing straight to it", () => {
    const r = recording();
    const straight = new ReplayEngine(initial(), r.events, r.firstSeq, r.keyframes);
    const jumpy = new ReplayEngine(initial(), r.events, r.firstSeq, r.keyframes);
    const mid = straight.startAt + 3500;
    const expected = straight.seek(mid);
    jumpy.seek(jumpy.endAt);
    jumpy.seek(jumpy.startAt);
    expect(jumpy.seek(mid)).toEqual(expected);
  });

  it("shows the patient's stop as it was, and Otto's words as a caption", () => {
    const r = recording();
    const engine = new ReplayEngine(initial(), r.events, r.firstSeq, r.keyframes);
    const stopAt = engine.findTime((v) => v.procedure?.status === ProcedureStatus.pausedByPatient);
    expect(stopAt).not.toBeNull();
    const state = engine.seek(stopAt!);
    expect(state.view.procedure?.status).toBe(ProcedureStatus.pausedByPatient);
    expect(state.caption).toBe("Hello Julian.");
    expect(engine.seek(stopAt! - 1).view.procedure?.status).toBe(ProcedureStatus.running);
  });

  it("starts from the scene as it stood: people who joined before the visit are in the room", () => {
    const r = recording();
    const engine = new ReplayEngine(initial(), r.events, r.firstSeq, r.keyframes);
    const first = engine.seek(engine.startAt);
    expect(first.view.members.map((m) => m.personId)).toEqual(["julian", "dr-lee"]);
    // The previous session's completion is the starting scene, not part of this visit.
    expect(engine.startAt).toBe(r.events.find((e) => e.seq === r.firstSeq)!.at);
  });

  it("moves avatars from the newest keyframe at or before t", () => {
    const r = recording();
    const engine = new ReplayEngine(initial(), r.events, r.firstSeq, r.keyframes);
    const k = r.keyframes[r.keyframes.length - 5]!;
    const state = engine.seek(k.at + 50);
    expect(state.poses?.poses[0]?.slot).toBe(1);
    expect(state.poses?.poses[0]?.pose.head.p.x).toBeCloseTo((r.keyframes.length - 5) / 100, 3);
  });

  it("places people from the last keyframe before the visit at its first instant", () => {
    const r = recording();
    // Keyframes half-way between events, so none falls on the visit's first instant.
    const shifted = r.keyframes.map((k) => ({ ...k, at: k.at + 50 }));
    const engine = new ReplayEngine(initial(), r.events, r.firstSeq, shifted);
    const lead = shifted.filter((k) => k.at < engine.startAt).at(-1)!;
    expect(engine.seek(engine.startAt).poses).toEqual(decodeBatch(lead.poses));
  });

  it("goes on past an event missing from the log instead of freezing", () => {
    const r = recording();
    const holed = r.events.filter((e) => e.seq !== r.firstSeq + 2);
    const engine = new ReplayEngine(initial(), holed, r.firstSeq, r.keyframes);
    expect(engine.seek(engine.endAt).view.procedure?.status).toBe(ProcedureStatus.completed);
  });

  it("carries keyframes through JSON unchanged", () => {
    const k = recording().keyframes[3]!;
    expect(keyframeFromJson(JSON.parse(JSON.stringify(keyframeToJson(k))))).toEqual(k);
  });
});

describe("replay clock", () => {
  it("plays at the chosen speed, pauses, seeks and stops at the end", () => {
    const clock = new ReplayClock(1000, 61_000);
    expect(clock.position(0)).toBe(1000);
    clock.play(0);
    expect(clock.position(1000)).toBe(2000);
    clock.setSpeed(8, 1000);
    expect(clock.position(2000)).toBe(10_000);
    clock.setSpeed(3, 2000); // not offered: unchanged
    expect(clock.speed).toBe(8);
    clock.pause(2000);
    expect(clock.position(9000)).toBe(10_000);
    clock.seek(60_000, 9000);
    clock.play(9000);
    expect(clock.position(20_000)).toBe(61_000);
    expect(clock.isPlaying).toBe(false);
  });
});
