/**
 * A demo visit as the export reads it, for the FHIR tests: the record slice's event fixture (join,
 * start, the patient's stop and resume, completion) plus an MDAS intake, an acknowledged and cleared
 * alarm, a device report, a check-in rating, Otto's words, an interlock hold overridden with a reason,
 * and readings of every signal from two SOEs and the wearable, among them
 * retracted and invalid ones and a gap. Built from the shared types, so shape changes fail to compile.
 */
import type { Alarm } from "../../shared/alarms.ts";
import { ProcedureStatus } from "../../shared/procedure/types.ts";
import { AnxietyPathway, Surroundings } from "../../shared/protocol.ts";
import type { PatientRecord, StaffRecord } from "../../shared/records.ts";
import { Quality, ReadingStatus, SIGNAL_SPECS, type Signal } from "../../shared/soe/signals.ts";
import { EventLog, FIXTURE_APPOINTMENT } from "../record/visitFixtures.ts";
import { deriveVisits } from "../record/visits.ts";
import type { AuditEntry, StoredReading } from "../storage/storage.ts";
import { type FhirExportInput, visitDataOf } from "./fhirBundle.ts";

export const DEMO_PATIENT: PatientRecord = {
  patientId: "julian",
  clinicId: "main",
  displayName: "Julian Example",
  dateOfBirth: "1988-04-12",
  anxietyNotes: "",
  preferences: "",
  archivedAt: null,
  createdAt: 0,
  updatedAt: 0,
};

function staff(staffId: string, displayName: string, role: StaffRecord["role"]): StaffRecord {
  return {
    staffId,
    clinicId: "main",
    displayName,
    email: `${staffId}@clinic.example`,
    role,
    disabledAt: null,
    passwordHash: null,
    createdAt: 0,
    updatedAt: 0,
  };
}

export interface DemoVisitCounts {
  readings: number;
  retracted: number;
  invalid: number;
}

/** Readings of one signal at its sample rate over `[from, from + ms)`, from one device. */
function series(
  deviceId: string,
  signal: Signal,
  tooth: number | undefined,
  from: number,
  ms: number,
  value: (i: number) => number,
): StoredReading[] {
  const spec = SIGNAL_SPECS[signal];
  const step = 1000 / spec.sampleHz;
  const out: StoredReading[] = [];
  for (let i = 0; i * step < ms; i++) {
    const t = from + i * step;
    out.push({
      deviceId,
      signal,
      t,
      value: value(i),
      unit: spec.unit,
      ...(tooth === undefined ? {} : { tooth }),
      quality: Quality.valid,
      status: ReadingStatus.final,
      receivedAt: t + 40,
      firmware: deviceId === "soe-julian-hr" ? "hr-2.1.0" : "1.7.0",
    });
  }
  return out;
}

/** The demo visit's export input and what it holds, for the round-trip checks. */
export function demoVisitInput(): {
  input: FhirExportInput;
  counts: DemoVisitCounts;
  readings: StoredReading[];
} {
  const log = new EventLog();
  log.session("none");
  const start = log.events.find((e) => e.body.type === "procedure")!.at;
  log.push({
    type: "comfort",
    comfort: {
      mdasScore: 20,
      pathway: AnxietyPathway.highAnxiety,
      surroundings: Surroundings.nature,
      breathingCoach: false,
      checkinPending: null,
      lastCheckin: null,
      heartRateBaseline: 72,
    },
  });
  log.push({
    type: "device",
    device: {
      deviceId: "soe-julian-36",
      firmware: "1.7.0",
      tooth: 36,
      quarantined: false,
      lastSeenAt: start,
    },
  });
  const alarm: Alarm = {
    id: "al-1",
    kind: "technical",
    priority: "medium",
    key: "technical:soe-julian-36:ph",
    message: "pH sensor unreliable: use clinical exam",
    deviceId: "soe-julian-36",
    tooth: 36,
    raisedAt: start + 30_000,
  };
  log.push({ type: "alarm", alarm });
  log.push({ type: "alarm", alarm: { ...alarm, acknowledgedAt: start + 40_000, acknowledgedBy: "Dr. Lee" } });
  log.push({
    type: "alarm",
    alarm: { ...alarm, acknowledgedAt: start + 40_000, acknowledgedBy: "Dr. Lee", clearedAt: start + 70_000 },
  });
  log.push({
    type: "otto",
    otto: { state: "talking", lookAt: null, lastUtterance: { kind: "empathy", text: "You are doing well." } },
  });
  log.push({
    type: "otto_heard",
    heard: { by: "m-julian", text: "It hurts a bit on the left", spoken: true, cues: ["pain"], stop: false },
  });
  log.push({ type: "checkin", score: 3, by: "m-julian" });
  const S = ProcedureStatus;
  log.procedure("interlock_block", S.running, S.blocked, { stepIndex: 1 });
  log.procedure("override", S.blocked, S.running, { stepIndex: 1, reason: "Checked pH by hand: 6.8" });
  // The treatment runs four minutes, so every reading below falls inside the visit.
  log.at = Math.max(log.at, start + 240_000);
  log.procedure("next", "running", "completed", { stepIndex: 2 });
  const [visit] = deriveVisits({ ...FIXTURE_APPOINTMENT, open: false }, log.events, null);

  const readings = [
    ...series("soe-julian-36", "ph", 36, start, 150_000, (i) => 6.9 - (i % 20) * 0.01),
    ...series("soe-julian-36", "temperature", 36, start, 150_000, () => 34.6),
    ...series("soe-julian-36", "biteForce", 36, start + 10_000, 2_000, (i) => (i % 10) * 40),
    ...series("soe-julian-36", "plaque", 36, start, 60_000, () => 1.2),
    ...series("soe-julian-36", "inflammation", 36, start, 60_000, () => 0.8),
    ...series("soe-julian-hr", "heartRate", undefined, start, 60_000, (i) => 72 + (i % 5)),
    // After a two-minute gap (the device was out), the heart rate comes back.
    ...series("soe-julian-hr", "heartRate", undefined, start + 180_000, 30_000, () => 80),
  ].sort((a, b) => a.t - b.t);
  // A firmware found bad later: its pH readings in the first 10 s retracted; one reading out of range.
  let retracted = 0;
  for (const r of readings) {
    if (r.signal === "ph" && r.t < start + 10_000) {
      r.status = ReadingStatus.enteredInError;
      retracted++;
    }
  }
  const bad = readings.find((r) => r.signal === "temperature" && r.t >= start + 20_000)!;
  Object.assign(bad, { value: 61, quality: Quality.invalid, reason: "outside the physical range" });

  const audit: AuditEntry[] = [
    {
      at: start + 300_000,
      who: "dr-lee",
      action: "record.read",
      subject: "julian",
      why: "",
      patientId: "julian",
    },
  ];
  return {
    input: {
      patient: DEMO_PATIENT,
      staff: new Map([
        ["dr-lee", staff("dr-lee", "Dr. Lee", "clinician")],
        ["sam", staff("sam", "Sam", "assistant")],
      ]),
      visits: [visitDataOf(visit!, log.events, readings)],
      devices: [],
      audit,
      exportedAt: start + 600_000,
    },
    counts: { readings: readings.length, retracted, invalid: 1 },
    readings,
  };
}
