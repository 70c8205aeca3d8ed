import { describe, expect, it } from "vitest";
import { encodeBatch, encodePose, POSE_BYTES, type Pose } from "../shared/poseCodec.ts";
import { ConnectionState, type FirmwareAction, type RoomEvent } from "../shared/protocol.ts";
import { Role } from "../shared/roles.ts";
import { applyRoomEvent } from "../shared/roomView.ts";
import { OTTO_MEMBER_ID, Room } from "./room.ts";

const APPOINTMENT = {
  appointmentId: "julian",
  roomId: "room-julian",
  patientName: "Julian",
  clinicianName: "Dr. Ray",
  scheduledAt: "2026-11-24T09:00:00",
};

function makeRoom(start = 1_000) {
  let now = start;
  const room = new Room(APPOINTMENT, { now: () => now, rejoinWindowMs: 120_000 });
  const events: RoomEvent[] = [];
  room.onEvent((e) => events.push(e));
  return { room, events, advance: (ms: number) => (now += ms) };
}

const ray = { personId: "dr-ray", displayName: "Dr. Ray", role: Role.clinician };
const julian = { personId: "julian", displayName: "Julian", role: Role.patient };

function pose(x: number): Uint8Array {
  const t = { p: { x, y: 1.2, z: 0 }, q: { x: 0, y: 0, z: 0, w: 1 } };
  const p: Pose = { head: t, left: null, right: t };
  return encodePose(p);
}

describe("Room", () => {
  it("starts with Otto, owned by the server, in slot 0", () => {
    const { room } = makeRoom();
    const snap = room.snapshot("x");
    expect(snap.members).toEqual([
      expect.objectContaining({ memberId: OTTO_MEMBER_ID, role: Role.otto, slot: 0 }),
    ]);
    expect(room.people()).toEqual([]);
    expect(room.hasPeople()).toBe(false);
    room.join(ray);
    expect(room.hasPeople()).toBe(true);
  });

  it("joins members with distinct slots and sequence-numbered events", () => {
    const { room, events } = makeRoom();
    const a = room.join(ray);
    const b = room.join(julian);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.member.slot).not.toBe(b.member.slot);
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(events.map((e) => e.body.type)).toEqual(["member_joined", "member_joined"]);
    expect(room.lastSeq).toBe(2);
  });

  it("gives a late joiner the room as it is", () => {
    const { room } = makeRoom();
    const a = room.join(ray);
    if (!a.ok) throw new Error("join failed");
    room.setPose(a.member.memberId, pose(0.5));
    room.setOtto({
      state: "talking",
      lookAt: a.member.memberId,
      lastUtterance: { kind: "narration", text: "Hello" },
    });
    const late = room.join(julian);
    if (!late.ok) throw new Error("join failed");
    const snap = room.snapshot(late.member.memberId);
    expect(snap.you).toBe(late.member.memberId);
    expect(snap.seq).toBe(room.lastSeq);
    expect(snap.members.map((m) => m.personId).sort()).toEqual(["dr-ray", "julian", "otto"]);
    expect(snap.otto.state).toBe("talking");
    expect(room.allPoses()).toEqual([{ slot: a.member.slot, bytes: pose(0.5) }]);
  });

  it("keeps a dropped member for the rejoin window and resumes them as the same member", () => {
    const { room, events, advance } = makeRoom();
    const first = room.join(julian);
    if (!first.ok) throw new Error("join failed");
    room.drop(first.member.memberId);
    expect(room.member(first.member.memberId)?.connection).toBe(ConnectionState.reconnecting);
    advance(119_000);
    expect(room.expireDropped()).toEqual([]);
    const again = room.join(julian);
    if (!again.ok) throw new Error("rejoin failed");
    expect(again.rejoined).toBe(true);
    expect(again.member.memberId).toBe(first.member.memberId);
    expect(again.member.slot).toBe(first.member.slot);
    expect(room.people()).toHaveLength(1);
    expect(events.at(-1)?.body).toMatchObject({
      type: "member_updated",
      member: { connection: "connected" },
    });
  });

  it("removes a dropped member when the window runs out, and everybody is told", () => {
    const { room, events, advance } = makeRoom();
    const j = room.join(julian);
    if (!j.ok) throw new Error("join failed");
    room.drop(j.member.memberId);
    advance(120_000);
    expect(room.expireDropped()).toEqual([j.member.memberId]);
    expect(room.people()).toEqual([]);
    expect(events.at(-1)?.body).toMatchObject({ type: "member_left", memberId: j.member.memberId });
  });

  it("frees the slot of a member who left, and never removes Otto", () => {
    const { room } = makeRoom();
    const a = room.join(ray);
    if (!a.ok) throw new Error("join failed");
    room.leave(a.member.memberId, "left");
    room.leave(OTTO_MEMBER_ID, "left");
    room.drop(OTTO_MEMBER_ID);
    const b = room.join(julian);
    if (!b.ok) throw new Error("join failed");
    expect(b.member.slot).toBe(a.member.slot);
    expect(room.member(OTTO_MEMBER_ID)?.connection).toBe("connected");
  });

  it("refuses malformed poses and poses from absent or dropped members without changing state", () => {
    const { room, events } = makeRoom();
    const a = room.join(ray);
    if (!a.ok) throw new Error("join failed");
    const seq = room.lastSeq;
    for (const bad of [
      null,
      "pose",
      new Uint8Array(POSE_BYTES + 1),
      new Uint8Array(3),
      { length: POSE_BYTES },
      42,
    ]) {
      expect(room.setPose(a.member.memberId, bad)).toBe(false);
    }
    expect(room.setPose("m-nobody", pose(1))).toBe(false);
    room.drop(a.member.memberId);
    expect(room.setPose(a.member.memberId, pose(1))).toBe(false);
    expect(room.takeDirtyPoses()).toEqual([]);
    expect(room.lastSeq).toBe(seq + 1); // only the drop itself
    expect(events).toHaveLength(2);
  });

  it("batches only the poses that changed since the last tick", () => {
    const { room } = makeRoom();
    const a = room.join(ray);
    const b = room.join(julian);
    if (!a.ok || !b.ok) throw new Error("join failed");
    room.setPose(a.member.memberId, pose(1));
    room.setPose(a.member.memberId, pose(2));
    room.setPose(b.member.memberId, pose(3));
    const first = room.takeDirtyPoses();
    expect(first.map((e) => e.slot).sort()).toEqual([a.member.slot, b.member.slot].sort());
    expect(first.find((e) => e.slot === a.member.slot)?.bytes).toEqual(pose(2));
    expect(room.takeDirtyPoses()).toEqual([]);
    expect(encodeBatch(0, room.lastSeq, first).byteLength).toBe(9 + 2 * 32);
  });

  it("refuses a join when every slot is taken", () => {
    const { room } = makeRoom();
    for (let i = 0; i < 255; i++) {
      expect(room.join({ personId: `p${i}`, displayName: `P${i}`, role: Role.observer }).ok).toBe(true);
    }
    expect(room.join({ personId: "one-more", displayName: "X", role: Role.observer })).toEqual({
      ok: false,
      reason: "room_full",
    });
  });

  it("opens with the clinic's firmware state silently, then a client's view follows quarantines and lifts", () => {
    const { room, events, advance } = makeRoom();
    const earlier: FirmwareAction = {
      action: "quarantine",
      firmware: "2.2.0",
      since: 0,
      at: 500,
      by: "dr-ray",
      reason: "Old bias in temperature",
      retracted: 7,
    };
    room.loadFirmware(["2.2.0"], [earlier]);
    expect(events).toEqual([]);
    const view = room.snapshot("x");
    expect(view.quarantinedFirmware).toEqual(["2.2.0"]);
    expect(view.firmwareHistory).toEqual([earlier]);

    advance(1_000);
    const quarantine: FirmwareAction = {
      ...earlier,
      firmware: "2.4.0-beta.1",
      since: 1_500,
      at: 2_000,
      retracted: 3,
    };
    room.applyFirmwareAction(quarantine);
    advance(1_000);
    const lift: FirmwareAction = {
      action: "lift",
      firmware: "2.2.0",
      at: 3_000,
      by: "dr-ray",
      reason: "Vendor fix confirmed",
    };
    room.applyFirmwareAction(lift);
    expect(events.map((e) => e.body.type)).toEqual(["firmware_quarantined", "firmware_lifted"]);
    for (const e of events) expect(applyRoomEvent(view, e)).toBe("applied");
    const fresh = room.snapshot("x");
    expect(view.quarantinedFirmware).toEqual(["2.4.0-beta.1"]);
    expect(view.quarantinedFirmware).toEqual(fresh.quarantinedFirmware);
    expect(view.firmwareHistory).toEqual(fresh.firmwareHistory);
    expect(fresh.firmwareHistory).toEqual([earlier, quarantine, lift]);
  });
});
