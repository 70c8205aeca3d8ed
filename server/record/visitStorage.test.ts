/**
 * The record's Storage reads on a real SQLite file, through the storage thread as the server runs
 * them: a room's events by seq, time and type, a patient's readings by time, signal and tooth, and
 * a patient's appointment records; then visits derived end to end from what was stored.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { VisitOutcome } from "../../shared/patientRecord.ts";
import type { CheckedReading, Signal } from "../../shared/soe/signals.ts";
import { SqliteStorage } from "../storage/sqliteStorage.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";
import { openWorkerStorage } from "../storage/workerStorage.ts";
import { EventLog, FIXTURE_APPOINTMENT } from "./visitFixtures.ts";
import {
  appointmentVisitsAsync,
  patientAppointmentsAsync,
  visitEventsAsync,
  visitReadingsAsync,
} from "./visits.ts";

const dirs: string[] = [];
const open: Storage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openAsync(): Promise<Storage> {
  const dir = mkdtempSync(join(tmpdir(), "chairside-record-"));
  dirs.push(dir);
  const storage: Storage = await openWorkerStorage(join(dir, "chairside.db"));
  open.push(storage);
  return storage;
}

function reading(
  signal: Signal,
  t: number,
  value: number,
  tooth: number | null,
  status = "final",
): CheckedReading {
  return {
    deviceId: tooth === null ? "hr-julian" : `soe-julian-${tooth}`,
    signal,
    t,
    value,
    unit: "[pH]",
    ...(tooth === null ? {} : { tooth }),
    quality: "valid",
    status: status as CheckedReading["status"],
    receivedAt: t + 3,
  };
}

describe("the record's storage reads", () => {
  it("reads a room's events by seq range, time range and type, oldest first", async () => {
    const storage = await openAsync();
    const log = new EventLog(10);
    log.session("complete");
    for (const e of log.events) await storage.appendRoomEvent(FIXTURE_APPOINTMENT.roomId, e);
    await storage.appendRoomEvent("room-other", log.events[0]!);
    const room = FIXTURE_APPOINTMENT.roomId;

    const all = await storage.roomEventsBetween(room, {});
    expect(all.map((e) => e.seq)).toEqual(log.events.map((e) => e.seq));
    expect(all[3]).toEqual(log.events[3]);
    const bySeq = await storage.roomEventsBetween(room, { fromSeq: 12, toSeq: 14 });
    expect(bySeq.map((e) => e.seq)).toEqual([12, 13, 14]);
    const byTime = await storage.roomEventsBetween(room, {
      fromAt: log.events[1]!.at,
      toAt: log.events[2]!.at,
    });
    expect(byTime.map((e) => e.seq)).toEqual([11, 12]);
    const joins = await storage.roomEventsBetween(room, { types: ["member_joined"] });
    expect(joins.map((e) => e.body.type)).toEqual(["member_joined", "member_joined"]);
    expect(await storage.roomEventsBetween(room, { limit: 2 })).toHaveLength(2);
  });

  it("reads a patient's readings by device time, signal and tooth, retracted ones included", async () => {
    const storage = await openAsync();
    const t0 = Date.UTC(2026, 10, 2, 9);
    await storage.storeBatches([
      {
        deviceId: "soe-julian-36",
        bootId: "b1",
        patientId: "julian",
        seq: 1,
        digest: "d1",
        firmware: "2.3.1",
        readings: [
          reading("ph", t0, 6.9, 36),
          reading("ph", t0 + 1000, 5.1, 36, "entered-in-error"),
          reading("temperature", t0 + 1000, 34.5, 36),
          reading("ph", t0 + 5000, 7.0, 36),
        ],
      },
      {
        deviceId: "soe-julian-26",
        bootId: "b1",
        patientId: "julian",
        seq: 1,
        digest: "d2",
        firmware: "2.4.0-beta.1",
        readings: [reading("ph", t0 + 2000, 6.5, 26)],
      },
      {
        deviceId: "soe-ada-36",
        bootId: "b1",
        patientId: "ada",
        seq: 1,
        digest: "d3",
        firmware: "2.3.1",
        readings: [reading("ph", t0 + 2000, 6.6, 36)],
      },
    ]);
    const ph36 = await storage.readingsBetween("julian", {
      from: t0,
      to: t0 + 4000,
      signal: "ph",
      tooth: 36,
    });
    expect(ph36.map((r) => [r.t, r.value, r.status, r.firmware])).toEqual([
      [t0, 6.9, "final", "2.3.1"],
      [t0 + 1000, 5.1, "entered-in-error", "2.3.1"],
    ]);
    const allPh = await storage.readingsBetween("julian", { from: t0, to: t0 + 9000, signal: "ph" });
    expect(allPh.map((r) => r.tooth)).toEqual([36, 36, 26, 36]);
    expect(allPh[2]!.firmware).toBe("2.4.0-beta.1");
    expect(await storage.readingsBetween("julian", { from: t0, to: t0 + 9000, limit: 1 })).toHaveLength(1);
  });

  it("finds a patient's appointment records by the patient in their body", async () => {
    const storage = await openAsync();
    const record = (id: string, patientId: string, status: string) => ({
      kind: RecordKind.appointment,
      id,
      clinicId: "main",
      updatedAt: 1,
      body: JSON.stringify({
        patientId,
        scheduledAt: "2026-11-02T09:00",
        planId: "extraction-48",
        clinicianId: "dr-lee",
        assistantId: null,
        appointmentId: id,
        clinicId: "main",
        roomId: `room-${id}`,
        status,
        createdAt: 1,
        updatedAt: 1,
      }),
    });
    await storage.putRecords([
      record("a-1", "julian", "finished"),
      record("a-2", "ada", "scheduled"),
      record("a-3", "julian", "scheduled"),
    ]);
    expect((await storage.recordsOfPatient(RecordKind.appointment, "julian")).map((r) => r.id)).toEqual([
      "a-1",
      "a-3",
    ]);
    const appts = await patientAppointmentsAsync(storage, [], "julian");
    expect(appts.map((a) => [a.appointmentId, a.open, a.roomId])).toEqual([
      ["a-1", false, "room-a-1"],
      ["a-3", true, "room-a-3"],
    ]);
  });

  it("derives visits from stored events and reads each visit's events and readings", async () => {
    const storage = await openAsync();
    const log = new EventLog();
    log.session("complete");
    log.session("abort_after_stop");
    const room = FIXTURE_APPOINTMENT.roomId;
    for (const e of log.events) await storage.appendRoomEvent(room, e);
    const first = log.events[2]!.at;
    await storage.storeBatches([
      {
        deviceId: "soe-julian-36",
        bootId: "b1",
        patientId: "julian",
        seq: 1,
        digest: "d1",
        firmware: "2.3.1",
        readings: [reading("ph", first - 60_000, 7, 36), reading("ph", first + 1000, 6.8, 36)],
      },
    ]);
    const visits = await appointmentVisitsAsync(storage, FIXTURE_APPOINTMENT);
    expect(visits.map((v) => v.outcome)).toEqual([VisitOutcome.completed, VisitOutcome.stoppedByPatient]);
    const events = await visitEventsAsync(storage, visits[1]!);
    expect(events[0]!.seq).toBe(visits[0]!.lastSeq + 1);
    expect(events.at(-1)!.seq).toBe(log.events.at(-1)!.seq);
    const readings = await visitReadingsAsync(storage, visits[0]!, Date.now());
    expect(readings.map((r) => r.value)).toEqual([6.8]);
  });

  it("creates its indexes and the per-visit, per-patient reads use them", () => {
    const dir = mkdtempSync(join(tmpdir(), "chairside-record-"));
    dirs.push(dir);
    const sqlite = new SqliteStorage(join(dir, "chairside.db"));
    const db = (sqlite as unknown as { db: import("better-sqlite3").Database }).db;
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(" ");
    expect(plan("SELECT * FROM room_events WHERE room_id = 'r' AND seq >= 3 ORDER BY seq")).toContain(
      "room_events_room_seq",
    );
    // Readings are packed per stream, found by (stream_id, t0).
    expect(
      plan(
        "SELECT * FROM reading_streams s CROSS JOIN reading_packs p ON p.stream_id = s.id WHERE s.patient_id = 'p' AND s.signal = 'ph' AND p.t0 >= 1 - s.max_span AND p.t0 <= 2",
      ),
    ).toContain("reading_packs_stream_t");
    expect(
      plan(
        "SELECT * FROM records INDEXED BY records_kind_patient WHERE kind = 'appointment' AND json_extract(body, '$.patientId') = 'p'",
      ),
    ).toContain("records_kind_patient");
    void sqlite.close();
  });
});
