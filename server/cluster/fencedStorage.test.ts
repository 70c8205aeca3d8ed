/**
 * The fence on a room's writes (./fencedStorage.ts), on a real SQLite storage in memory: while this
 * node holds a room, its state, events and alarms are written; the moment it does not, those three
 * writes are dropped (and counted) while other rooms and everything that is not a room write pass.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Alarm, AlarmKind, AlarmPriority } from "../../shared/alarms.ts";
import { setLogLevel } from "../log.ts";
import { SqliteStorage } from "../storage/sqliteStorage.ts";
import { fencedStorage, fenceStats } from "./fencedStorage.ts";

const alarm = (id: string, message: string): Alarm => ({
  id,
  kind: AlarmKind.technical,
  priority: AlarmPriority.medium,
  key: `technical:${id}`,
  message,
  raisedAt: 5,
});

const state = (roomId: string, version: number) => ({
  roomId,
  appointmentId: roomId.replace("room-", ""),
  version,
  savedAt: version * 1000,
  body: JSON.stringify({ version }),
});

const checkin = (seq: number) => ({ seq, at: seq, body: { type: "checkin" as const, score: 5, by: "m" } });

describe("fencedStorage", () => {
  let storage: SqliteStorage;
  const owned = new Set<string>();

  beforeEach(() => {
    setLogLevel("error");
    storage = new SqliteStorage(":memory:");
    owned.clear();
  });
  afterEach(async () => {
    await storage.close();
  });

  it("writes a room's state, events and alarms while the room is held", async () => {
    owned.add("room-julian");
    const fenced = fencedStorage(storage, (roomId) => owned.has(roomId));
    await fenced.saveRoomState(state("room-julian", 1));
    await fenced.appendRoomEvent("room-julian", checkin(1));
    await fenced.saveAlarm("room-julian", alarm("a1", "pH low"));
    expect((await storage.roomStates()).map((r) => r.version)).toEqual([1]);
    expect((await storage.roomEvents("room-julian", 10)).map((e) => e.seq)).toEqual([1]);
    expect((await storage.alarms("room-julian")).map((a) => a.message)).toEqual(["pH low"]);
  });

  it("drops and counts those writes once the room is no longer held, and keeps what was written", async () => {
    owned.add("room-julian");
    const fenced = fencedStorage(storage, (roomId) => owned.has(roomId));
    await fenced.saveRoomState(state("room-julian", 1));
    await fenced.appendRoomEvent("room-julian", checkin(1));
    await fenced.saveAlarm("room-julian", alarm("a1", "pH low"));

    owned.delete("room-julian"); // the lease lapsed: a late timer or command still tries to write
    const before = fenceStats.dropped;
    await fenced.saveRoomState(state("room-julian", 2));
    await fenced.appendRoomEvent("room-julian", checkin(2));
    await fenced.saveAlarm("room-julian", alarm("a1", "pH low, acknowledged"));
    expect(fenceStats.dropped - before).toBe(3);

    expect((await storage.roomStates()).map((r) => r.version)).toEqual([1]);
    expect((await storage.roomEvents("room-julian", 10)).map((e) => e.seq)).toEqual([1]);
    expect((await storage.alarms("room-julian")).map((a) => a.message)).toEqual(["pH low"]);
  });

  it("asks about each room on its own: another held room is still written", async () => {
    owned.add("room-mara");
    const fenced = fencedStorage(storage, (roomId) => owned.has(roomId));
    await fenced.appendRoomEvent("room-julian", checkin(1));
    await fenced.appendRoomEvent("room-mara", checkin(1));
    expect(await storage.roomEvents("room-julian", 10)).toEqual([]);
    expect((await storage.roomEvents("room-mara", 10)).map((e) => e.seq)).toEqual([1]);
  });

  it("asks at each write, not once: a room taken again is written again", async () => {
    const fenced = fencedStorage(storage, (roomId) => owned.has(roomId));
    await fenced.appendRoomEvent("room-julian", checkin(1));
    owned.add("room-julian");
    await fenced.appendRoomEvent("room-julian", checkin(2));
    expect((await storage.roomEvents("room-julian", 10)).map((e) => e.seq)).toEqual([2]);
  });

  it("passes every other method through to the storage, bound to it", async () => {
    const fenced = fencedStorage(storage, () => false);
    // Reads and non-room writes are not fenced (readings are exactly-once by their batch key).
    await storage.appendRoomEvent("room-julian", checkin(7));
    const read = fenced.roomEvents;
    expect((await read("room-julian", 10)).map((e) => e.seq)).toEqual([7]);
    await fenced.quarantineFirmware("main", [], {
      action: "quarantine",
      firmware: "2.3.1",
      since: 0,
      at: 10,
      by: "ray",
      reason: "beta build",
    });
    expect((await fenced.firmwareActions()).map((f) => f.action.firmware)).toEqual(["2.3.1"]);
  });
});
