/**
 * The `Storage` contract (server/storage/storage.ts), one suite run against both backends: SQLite on
 * its worker thread (a real file) and PostgreSQL (a real throw-away server, tests/services/postgres.ts),
 * as the server opens them. What a caller may rely on is asserted here once; what only one backend
 * has (SQLite's in-place upgrades, PostgreSQL's several nodes on one database) is tested beside it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChainAsync } from "../../server/audit/auditChain.ts";
import { GroupStatus } from "../../server/storage/groupStore.ts";
import { openPgStorage } from "../../server/storage/pgStorage.ts";
import { type ReadingMinute, RecordKind, type Storage } from "../../server/storage/storage.ts";
import { openWorkerStorage } from "../../server/storage/workerStorage.ts";
import { type PostgresService, startPostgres } from "../services/postgres.ts";
import { batch, DAY, NOW, OLD, outcome, randomBatches, reading } from "../storedBatches.ts";

/** A backend under test: `create` makes an empty database, `open` opens one (again). */
interface Backend {
  name: string;
  create(): Promise<string>;
  open(where: string): Promise<Storage>;
}

let postgres: PostgresService | null = null;
const dirs: string[] = [];
const opened: Storage[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sqlite: Backend = {
  name: "SQLite (worker thread, real file)",
  async create() {
    const dir = mkdtempSync(join(tmpdir(), "chairside-contract-"));
    dirs.push(dir);
    return join(dir, "chairside.db");
  },
  open: (path) => openWorkerStorage(path),
};

const postgresql: Backend = {
  name: "PostgreSQL (real server)",
  create: () => postgres!.createDatabase("contract"),
  open: (url) => openPgStorage(url),
};

async function openNew(backend: Backend): Promise<{ storage: Storage; where: string }> {
  const where = await backend.create();
  const storage = await backend.open(where);
  opened.push(storage);
  return { storage, where };
}

async function reopen(backend: Backend, where: string, previous: Storage): Promise<Storage> {
  await previous.close();
  const storage = await backend.open(where);
  opened.push(storage);
  return storage;
}

const { stored, duplicate, conflict } = outcome;

/** Minutes without float noise in the mean/sum (the two backends add in the same order, but be fair). */
function rounded(minutes: ReadingMinute[]): ReadingMinute[] {
  return minutes.map((m) => ({ ...m, mean: m.mean === null ? null : Math.round(m.mean * 1e9) / 1e9 }));
}

describe.each([sqlite, postgresql])("Storage contract: $name", (backend) => {
  it("stores each device batch exactly once per (device, boot, seq): resend is a duplicate, other content a conflict", async () => {
    const { storage } = await openNew(backend);
    expect(await storage.storeBatches([batch(1), batch(2)])).toEqual([stored, stored]);
    expect(await storage.storeBatches([batch(2), batch(3)])).toEqual([duplicate, stored]);
    // The device rebooted and counts from 1 again under a new boot id: new data, stored.
    expect(await storage.storeBatches([batch(1, "2.3.1", "boot-two", "x1")])).toEqual([stored]);
    // Same boot and seq, other content, even in one group commit: nothing stored twice or overwritten.
    expect(
      await storage.storeBatches([
        batch(2, "2.3.1", "boot-two", "x2"),
        batch(2, "2.3.1", "boot-two", "other"),
      ]),
    ).toEqual([stored, conflict]);
    expect(await storage.storeBatches([batch(1, "2.3.1", "boot-one", "changed")])).toEqual([conflict]);
    expect(await storage.countReadings()).toBe(10);
    expect(await storage.countReadings({ deviceId: "soe-nobody" })).toBe(0);
    expect(await storage.lastSeq("soe-julian-36", "boot-one")).toBe(3);
    expect(await storage.lastSeq("soe-julian-36", "boot-two")).toBe(2);
    expect(await storage.lastSeq("soe-julian-36", "boot-never")).toBe(0);
  });

  it("keeps readings, firmware actions, events and batch keys across a reopen", async () => {
    const { storage: first, where } = await openNew(backend);
    await first.storeBatches([batch(1)]);
    const quarantine = {
      action: "quarantine" as const,
      firmware: "2.4.0-beta.1",
      since: 0,
      at: 10,
      by: "dr-ray",
      reason: "Stuck pH values after the update",
    };
    await first.quarantineFirmware("main", ["soe-julian-36"], quarantine);
    await first.liftFirmware("demo", {
      action: "lift",
      firmware: "2.3.1",
      at: 11,
      by: "x",
      reason: "Fixed again",
    });
    await first.appendRoomEvent("room-julian", {
      seq: 1,
      at: 5,
      body: { type: "checkin", score: 7, by: "m-julian" },
    });
    const again = await reopen(backend, where, first);
    expect(await again.countReadings()).toBe(2);
    expect(await again.firmwareActions()).toEqual([
      { clinicId: "main", action: { ...quarantine, retracted: 0 } },
      {
        clinicId: "demo",
        action: { action: "lift", firmware: "2.3.1", at: 11, by: "x", reason: "Fixed again" },
      },
    ]);
    expect(await again.roomEvents("room-julian", 10)).toEqual([
      { seq: 1, at: 5, body: { type: "checkin", score: 7, by: "m-julian" } },
    ]);
    expect(await again.storeBatches([batch(1)])).toEqual([duplicate]);
    expect(await again.storeBatches([batch(1, "2.3.1", "boot-one", "other")])).toEqual([conflict]);
  });

  it("retracts a firmware's readings since a time, only of the given devices, never deleting them", async () => {
    const { storage } = await openNew(backend);
    await storage.storeBatches([batch(1, "2.3.1"), batch(2, "2.4.0-beta.1"), batch(3, "2.4.0-beta.1")]);
    const q = (since: number) => ({
      action: "quarantine" as const,
      firmware: "2.4.0-beta.1",
      since,
      at: 9000,
      by: "dr-ray",
      reason: "Spikes after the update",
    });
    expect(await storage.firmwareUsage("2.4.0-beta.1", ["soe-julian-36"], 3000)).toEqual({
      readings: 2,
      patientIds: ["julian"],
      seen: true,
    });
    expect(await storage.firmwareUsage("2.4.0-beta.1", ["soe-flower-36"], 0)).toEqual({
      readings: 0,
      patientIds: [],
      seen: false,
    });
    expect(await storage.quarantineFirmware("demo", ["soe-flower-36"], q(0))).toBe(0);
    expect(await storage.quarantineFirmware("main", ["soe-julian-36"], q(3000))).toBe(2);
    expect(await storage.quarantineFirmware("main", ["soe-julian-36"], q(3000))).toBe(0);
    expect((await storage.auditLog(10)).map((a) => [a.who, a.action])).toEqual([
      ["dr-ray", "firmware_quarantine"],
      ["dr-ray", "firmware_quarantine"],
      ["dr-ray", "firmware_quarantine"],
    ]);
    expect(await storage.countReadings()).toBe(6);
    expect(await storage.countReadings({ status: "entered-in-error" })).toBe(2);
    const recent = await storage.recentReadings("julian", 0, 100);
    expect(recent.map((r) => r.status)).toEqual([
      "final",
      "final",
      "final",
      "final",
      "entered-in-error",
      "entered-in-error",
    ]);
    expect(recent[0]).toEqual(reading(1000, 7.1));
    expect((await storage.recentReadings("julian", 0, 3)).map((r) => r.t)).toEqual([2500, 3000, 3500]);
    expect(await storage.recentReadings("flower", 0, 10)).toEqual([]);
  });

  it("reads a patient's readings by device time, signal and tooth, counted and per minute", async () => {
    const { storage } = await openNew(backend);
    const batches = randomBatches(7);
    await storage.storeBatches(batches);
    const range = { from: OLD, to: NOW };
    const all = await storage.readingsBetween("julian", range);
    const expected = batches
      .filter((b) => b.patientId === "julian")
      .flatMap((b) => b.readings.map((r) => ({ ...r, firmware: b.firmware })))
      .sort((a, b) => a.t - b.t);
    expect(all).toEqual(expected);
    const ph36 = await storage.readingsBetween("julian", { ...range, signal: "ph", tooth: 36, limit: 5 });
    expect(ph36).toEqual(expected.filter((r) => r.signal === "ph" && r.tooth === 36).slice(0, 5));
    expect(await storage.countReadingsBetween("julian", range)).toBe(expected.length);
    const minutes = await storage.rawReadingMinutes("julian", range);
    expect(minutes.reduce((n, m) => n + m.count + m.invalidCount + m.retractedCount, 0)).toBe(
      expected.length,
    );
    expect(minutes.map((m) => m.minute)).toEqual([...minutes.map((m) => m.minute)].sort((a, b) => a - b));
  });

  it("rolls up old raw readings into exact minutes, once: a second pass changes nothing", async () => {
    const { storage } = await openNew(backend);
    const batches = randomBatches(11);
    await storage.storeBatches(batches);
    const before = {
      julian: rounded(await storage.rawReadingMinutes("julian", { from: OLD - DAY, to: NOW - 2 * DAY })),
      amara: rounded(await storage.rawReadingMinutes("amara", { from: OLD - DAY, to: NOW - 2 * DAY })),
    };
    let rolled = 0;
    for (;;) {
      const step = await storage.rollupReadings(NOW - 30 * DAY, 100);
      rolled += step.rolledUp;
      if (step.done) break;
    }
    const old = batches.filter((b) => b.readings[0]!.receivedAt < NOW - 30 * DAY);
    expect(rolled).toBe(old.reduce((n, b) => n + b.readings.length, 0));
    expect(rounded(await storage.readingMinutes("julian", OLD - DAY, NOW - 2 * DAY))).toEqual(before.julian);
    expect(rounded(await storage.readingMinutes("amara", OLD - DAY, NOW - 2 * DAY))).toEqual(before.amara);
    expect(await storage.rollupReadings(NOW - 30 * DAY, 100)).toEqual({
      rolledUp: 0,
      minutes: 0,
      done: true,
    });
    // Recent readings stay raw.
    expect(await storage.countReadings()).toBe(
      batches.filter((b) => !old.includes(b)).reduce((n, b) => n + b.readings.length, 0),
    );
  });

  it("keeps the newest save of a room's state, across a reopen, and forgets on delete", async () => {
    const { storage, where } = await openNew(backend);
    const row = { roomId: "room-julian", appointmentId: "julian", savedAt: 1, body: "{}" };
    await storage.saveRoomState({ ...row, version: 2, body: '{"v":2}' });
    await storage.saveRoomState({ ...row, version: 1, body: '{"v":1}' });
    await storage.saveRoomState({ ...row, roomId: "room-flower", appointmentId: "flower", version: 1 });
    const again = await reopen(backend, where, storage);
    const rows = await again.roomStates();
    expect(rows.find((r) => r.roomId === "room-julian")).toEqual({ ...row, version: 2, body: '{"v":2}' });
    await again.deleteRoomState("room-julian");
    expect((await again.roomStates()).map((r) => r.roomId)).toEqual(["room-flower"]);
  });

  it("keeps records by kind and id, per clinic and per patient, and deletes only what is named", async () => {
    const { storage } = await openNew(backend);
    const rec = (id: string, clinicId: string, patientId?: string) => ({
      kind: RecordKind.patient,
      id,
      clinicId,
      body: JSON.stringify({ name: id, ...(patientId ? { patientId } : {}) }),
      updatedAt: 1,
    });
    await storage.putRecords([
      rec("p2", "main"),
      rec("p1", "main"),
      rec("p3", "demo"),
      rec("B", "main"),
      rec("a", "main"),
    ]);
    await storage.putRecords([{ ...rec("p1", "main"), body: '{"name":"renamed"}', updatedAt: 2 }]);
    expect((await storage.getRecord(RecordKind.patient, "p1"))?.body).toBe('{"name":"renamed"}');
    expect(await storage.getRecord(RecordKind.staff, "p1")).toBeNull();
    // Id order is byte order on both (upper case before lower case), whatever the database's locale.
    expect((await storage.listRecords(RecordKind.patient, "main")).map((r) => r.id)).toEqual([
      "B",
      "a",
      "p1",
      "p2",
    ]);
    await storage.deleteRecords(RecordKind.patient, ["p2", "nobody", "a", "B"]);
    expect((await storage.listRecords(RecordKind.patient)).map((r) => r.id)).toEqual(["p1", "p3"]);
    const visit = (id: string, patientId: string) => ({
      ...rec(id, "main", patientId),
      kind: RecordKind.appointment,
    });
    await storage.putRecords([visit("v2", "julian"), visit("v1", "julian"), visit("v3", "amara")]);
    expect((await storage.recordsOfPatient(RecordKind.appointment, "julian")).map((r) => r.id)).toEqual([
      "v1",
      "v2",
    ]);
  });

  it("runs calls in the order they were made, also when nobody awaits in between", async () => {
    const { storage } = await openNew(backend);
    const rec = (body: string) => ({
      kind: RecordKind.staff,
      id: "s1",
      clinicId: "main",
      body,
      updatedAt: 1,
    });
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) calls.push(storage.putRecords([rec(`{"n":${i}}`)]));
    for (let seq = 1; seq <= 20; seq++)
      calls.push(
        storage.appendRoomEvent("room-1", { seq, at: seq, body: { type: "checkin", score: 5, by: "m" } }),
      );
    calls.push(storage.deleteRecords(RecordKind.staff, ["s1"]));
    const read = storage.getRecord(RecordKind.staff, "s1");
    await Promise.all(calls);
    expect(await read).toBeNull();
    expect((await storage.roomEvents("room-1", 100)).map((e) => e.seq)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it("reads a room's events by seq, time and type; alarms by room", async () => {
    const { storage } = await openNew(backend);
    for (let seq = 1; seq <= 10; seq++)
      await storage.appendRoomEvent("room-1", {
        seq,
        at: 100 * seq,
        body:
          seq % 2 === 0
            ? { type: "checkin", score: seq, by: "m" }
            : { type: "note", text: `n${seq}`, by: "dr" },
      } as never);
    await storage.appendRoomEvent("room-2", { seq: 1, at: 1, body: { type: "checkin", score: 1, by: "m" } });
    const seqs = async (range: Parameters<Storage["roomEventsBetween"]>[1]) =>
      (await storage.roomEventsBetween("room-1", range)).map((e) => e.seq);
    expect(await seqs({ fromSeq: 3, toSeq: 6 })).toEqual([3, 4, 5, 6]);
    expect(await seqs({ fromAt: 250, toAt: 700 })).toEqual([3, 4, 5, 6, 7]);
    expect(await seqs({ types: ["checkin"], limit: 3 })).toEqual([2, 4, 6]);
    expect(await seqs({})).toHaveLength(10);
    expect((await storage.roomEvents("room-1", 2)).map((e) => e.seq)).toEqual([9, 10]);
    const alarm = { id: "a1", raisedAt: 5, text: "pH low" };
    await storage.saveAlarm("room-1", alarm as never);
    await storage.saveAlarm("room-1", { ...alarm, text: "pH low, acknowledged" } as never);
    expect(await storage.alarms("room-1")).toEqual([{ ...alarm, text: "pH low, acknowledged" }]);
    expect(await storage.alarms("room-2")).toEqual([]);
  });

  it("stores pose keyframes byte for byte, reads them by time, deletes them by age", async () => {
    const { storage } = await openNew(backend);
    const poses = (n: number) => new Uint8Array([n, 0, 255, 31, 7]);
    await storage.appendPoseKeyframes([
      { roomId: "room-1", at: 100, seq: 1, poses: poses(1) },
      { roomId: "room-1", at: 200, seq: 1, poses: poses(2) },
      { roomId: "room-2", at: 150, seq: 3, poses: poses(3) },
    ]);
    expect(await storage.poseKeyframesBetween("room-1", 0, 1000)).toEqual([
      { roomId: "room-1", at: 100, seq: 1, poses: poses(1) },
      { roomId: "room-1", at: 200, seq: 1, poses: poses(2) },
    ]);
    expect(await storage.poseKeyframesBetween("room-1", 150, 1000)).toHaveLength(1);
    expect(await storage.deletePoseKeyframesBefore(160)).toBe(2);
    expect(await storage.poseKeyframesBetween("room-1", 0, 1000)).toHaveLength(1);
  });

  it("chains the audit trail (verifiable), finds entries by person, patient, clinic and time", async () => {
    const { storage } = await openNew(backend);
    await storage.putRecords([
      { kind: RecordKind.patient, id: "julian", clinicId: "north", body: "{}", updatedAt: 1 },
    ]);
    for (let i = 0; i < 12; i++)
      await storage.audit({
        at: 1000 + i,
        who: i % 3 === 0 ? "dr-ray" : "nurse-kim",
        action: "record.read",
        subject: `s${i}`,
        why: "care",
        ...(i % 2 === 0 ? { patientId: "julian" } : {}),
      });
    const report = await verifyAuditChainAsync((after, limit) => storage.auditChain(after, limit), 5);
    expect(report).toMatchObject({ checked: 12, broken: null });
    const page = await storage.auditQuery({ who: "dr-ray", limit: 2, offset: 0 });
    expect(page.total).toBe(4);
    expect(page.entries.map((e) => e.subject)).toEqual(["s9", "s6"]);
    // The patient's clinic was filled in from the record.
    const julian = await storage.auditQuery({
      patientId: "julian",
      clinicId: "north",
      limit: 100,
      offset: 0,
    });
    expect(julian.total).toBe(6);
    expect(julian.entries.filter((e) => e.patientId === "julian").every((e) => e.clinicId === "north")).toBe(
      true,
    );
    const timed = await storage.auditQuery({ from: 1003, to: 1005, limit: 10, offset: 0 });
    expect(timed.entries.map((e) => e.subject)).toEqual(["s4", "s3"]);
    expect((await storage.auditLog(2)).map((e) => e.subject)).toEqual(["s10", "s11"]);
  });
});

describe("PostgreSQL: several nodes on one database", () => {
  it("stores every batch exactly once while three nodes receive the same resends at once", async () => {
    const url = await postgres!.createDatabase("nodes");
    const nodes = await Promise.all([openPgStorage(url), openPgStorage(url), openPgStorage(url)]);
    opened.push(...nodes);
    const batches = Array.from({ length: 60 }, (_, i) => batch(i + 1));
    // Every node gets every batch, in groups of different sizes and orders.
    const outcomes = await Promise.all(
      nodes.map(async (node, n) => {
        const mine = n === 1 ? [...batches].reverse() : batches;
        const out = [];
        for (let i = 0; i < mine.length; i += 3 + n * 4)
          out.push(...(await node.storeBatches(mine.slice(i, i + 3 + n * 4))));
        return out;
      }),
    );
    const all = outcomes.flat();
    expect(all.filter((o) => o.stored > 0)).toHaveLength(60);
    expect(all.filter((o) => o.duplicate)).toHaveLength(120);
    expect(all.some((o) => o.conflict)).toBe(false);
    expect(await nodes[0]!.countReadings()).toBe(120);
  });

  it("keeps one unbroken audit chain while nodes append at the same time", async () => {
    const url = await postgres!.createDatabase("chain");
    const nodes = await Promise.all([openPgStorage(url), openPgStorage(url), openPgStorage(url)]);
    opened.push(...nodes);
    await Promise.all(
      nodes.flatMap((node, n) =>
        Array.from({ length: 15 }, (_, i) =>
          node.audit({ at: i, who: `node-${n}`, action: "record.read", subject: `${n}-${i}`, why: "care" }),
        ),
      ),
    );
    const report = await verifyAuditChainAsync((after, limit) => nodes[2]!.auditChain(after, limit));
    expect(report).toMatchObject({ checked: 45, broken: null });
  });

  it("writes again after its connections were cut (the database restarted or the network dropped)", async () => {
    const url = await postgres!.createDatabase("cut");
    const storage = await openPgStorage(url);
    opened.push(storage);
    await storage.storeBatches([batch(1)]);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      );
    } finally {
      await admin.end();
    }
    // The first write may still meet the dead connection (an error, nothing stored); the next gets a new one.
    let failures = 0;
    for (;;) {
      try {
        expect(await storage.storeBatches([batch(2)])).toEqual([stored]);
        break;
      } catch {
        failures += 1;
        expect(failures).toBeLessThan(2);
      }
    }
    expect(await storage.countReadings()).toBe(4);
    expect(await storage.lastSeq("soe-julian-36", "boot-one")).toBe(2);
  });

  it("migrates once when nodes start together, refuses a newer schema, and keeps the trail append-only", async () => {
    const url = await postgres!.createDatabase("migrate");
    const nodes = await Promise.all([openPgStorage(url), openPgStorage(url), openPgStorage(url)]);
    opened.push(...nodes);
    await nodes[0]!.audit({ at: 1, who: "dr-ray", action: "record.read", subject: "x", why: "care" });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await expect(admin.query("UPDATE audit_log SET why = 'edited'")).rejects.toThrow(/append-only/);
      await expect(admin.query("DELETE FROM audit_log")).rejects.toThrow(/append-only/);
      await admin.query("UPDATE chairside_schema SET version = version + 1");
    } finally {
      await admin.end();
    }
    await expect(openPgStorage(url)).rejects.toThrow(/newer Chairside/);
  });
});

// Support groups keep their plan, invitations and agreed notes
describe.each([sqlite, postgresql])("Storage contract, support groups: $name", (backend) => {
  const plan = (groupId: string, clinicId: string, startsAt: string) => ({
    groupId,
    clinicId,
    hostStaffId: "noah",
    hostName: "Noah",
    title: `Group ${groupId}`,
    startsAt,
    timeZone: "Europe/Berlin",
    agenda: [
      { title: "How was your week?", minutes: 10 },
      { title: "Brushing without a sensor", minutes: 15 },
    ],
    status: GroupStatus.scheduled,
    createdAt: 1_000,
    closedAt: null,
  });

  it("keeps groups, invitations (withdrawn stays withdrawn) and only the notes it is given, across a reopen", async () => {
    const { storage, where } = await openNew(backend);
    // Stored out of order, with offsets: read back by the instant they start, not by their text.
    await storage.saveSupportGroup(plan("g-later01", "north", "2026-12-01T17:30:00Z"));
    await storage.saveSupportGroup(plan("g-sooner1", "north", "2026-12-01T18:00:00+02:00"));
    await storage.saveSupportGroup(plan("g-southx1", "south", "2026-11-30T10:00:00+01:00"));
    await storage.saveGroupInvite({
      inviteId: "i-julian",
      groupId: "g-later01",
      patientId: "julian",
      createdAt: 2_000,
      expiresAt: 9_000,
      withdrawnAt: null,
    });
    await storage.saveGroupInvite({
      inviteId: "i-plain1",
      groupId: "g-later01",
      patientId: null,
      createdAt: 2_001,
      expiresAt: 9_001,
      withdrawnAt: null,
    });
    await storage.withdrawGroupInvite("i-julian", 3_000);
    // A second withdrawal keeps the first time.
    await storage.withdrawGroupInvite("i-julian", 4_000);
    // Replanning replaces the plan.
    await storage.saveSupportGroup({
      ...plan("g-sooner1", "north", "2026-12-01T18:00:00+02:00"),
      title: "Renamed",
      agenda: [{ title: "Breathing", minutes: 5 }],
    });
    await storage.closeSupportGroup("g-southx1", GroupStatus.ended, 5_000, [
      { groupId: "g-southx1", noteId: 1, text: "Small steps count", by: "Sam", at: 4_100 },
      { groupId: "g-southx1", noteId: 2, text: "Water after sweets", by: "Noah", at: 4_200 },
    ]);

    const again = await reopen(backend, where, storage);
    const north = await again.supportGroups({ clinicId: "north" });
    expect(north.map((g) => g.groupId)).toEqual(["g-sooner1", "g-later01"]);
    expect(north[0]).toMatchObject({ title: "Renamed", agenda: [{ title: "Breathing", minutes: 5 }] });
    expect(north[1]).toEqual(plan("g-later01", "north", "2026-12-01T17:30:00Z"));
    expect((await again.supportGroups({ status: GroupStatus.scheduled })).map((g) => g.groupId)).toEqual([
      "g-sooner1",
      "g-later01",
    ]);
    expect(await again.supportGroups({ clinicId: "south", status: GroupStatus.ended })).toEqual([
      { ...plan("g-southx1", "south", "2026-11-30T10:00:00+01:00"), status: "ended", closedAt: 5_000 },
    ]);
    expect(await again.groupInvites("g-later01")).toEqual([
      {
        inviteId: "i-julian",
        groupId: "g-later01",
        patientId: "julian",
        createdAt: 2_000,
        expiresAt: 9_000,
        withdrawnAt: 3_000,
      },
      {
        inviteId: "i-plain1",
        groupId: "g-later01",
        patientId: null,
        createdAt: 2_001,
        expiresAt: 9_001,
        withdrawnAt: null,
      },
    ]);
    expect(await again.groupInvites("g-sooner1")).toEqual([]);
    expect((await again.keptGroupNotes("g-southx1")).map((n) => [n.noteId, n.text, n.by])).toEqual([
      [1, "Small steps count", "Sam"],
      [2, "Water after sweets", "Noah"],
    ]);
    // A group closed without agreement stores no note at all.
    await again.closeSupportGroup("g-sooner1", GroupStatus.cancelled, 6_000, []);
    expect(await again.keptGroupNotes("g-sooner1")).toEqual([]);
    expect((await again.supportGroups({ status: GroupStatus.cancelled })).map((g) => g.closedAt)).toEqual([
      6_000,
    ]);
    // The sessions that closed last, the latest first; one still scheduled is not among them.
    expect((await again.recentlyClosedGroups(5)).map((g) => [g.groupId, g.status])).toEqual([
      ["g-sooner1", "cancelled"],
      ["g-southx1", "ended"],
    ]);
    expect((await again.recentlyClosedGroups(1)).map((g) => g.groupId)).toEqual(["g-sooner1"]);
  });
});
