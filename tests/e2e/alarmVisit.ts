/**
 * A visit with alarms, for the record and replay pages' e2e: a patient and an appointment made
 * through the staff API, and one treatment session's room events in which the sensor on tooth 36
 * raises a technical alarm that the clinician acknowledges, and a low pH on the same tooth raises a
 * physiological one. The stored words name neither the device nor the tooth (the alarm holds them as
 * data), so these pages must name them, in the reader's notation, as the clinician panel does.
 */
import type { Page } from "playwright-core";
import { notationKey } from "../../client/panel/toothNames.ts";
import { EventLog } from "../../server/record/visitFixtures.ts";
import type { Alarm } from "../../shared/alarms.ts";
import type { PatientRecordView } from "../../shared/patientRecord.ts";
import { ProcedureStatus } from "../../shared/procedure/types.ts";
import type { AppointmentEntry, PatientRecord } from "../../shared/records.ts";
import type { TestServer } from "../harness.ts";
import { staffApi } from "../recordSeed.ts";
import type { SignedInStaff } from "../staffAccount.ts";

/** What the stored alarms say: no id, no tooth number. */
export const FAULT_WORDS = "pH unreliable: pH read a value out of sensor range (3–9)";
export const LOW_PH_WORDS = "Enamel at risk: pH 5.1, below 5.5 for 2 min";

/** Makes the patient, the appointment and the visit's events; answers the patient and the visit. */
export async function seedAlarmVisitAsync(
  server: TestServer,
  clinician: SignedInStaff,
): Promise<{ patientId: string; visitId: string }> {
  const made = await staffApi<PatientRecord>(server, "POST", "/api/patients", clinician, {
    displayName: "Grace Hopper",
    dateOfBirth: "1976-12-09",
    anxietyNotes: "",
    preferences: "",
  });
  if (made.status !== 201) throw new Error(`patient not made: ${JSON.stringify(made.body)}`);
  const patientId = made.body.patientId;
  const appt = await staffApi<AppointmentEntry>(server, "POST", "/api/appointments", clinician, {
    patientId,
    scheduledAt: `${new Date().toISOString().slice(0, 10)}T11:00`,
    planId: "filling-36-MO",
    clinicianId: clinician.staff.staffId,
  });
  if (appt.status !== 201) throw new Error(`appointment not made: ${JSON.stringify(appt.body)}`);

  const S = ProcedureStatus;
  const log = new EventLog(1, Date.now() - 60_000);
  log.join("grace");
  log.join("dr-ray", "clinician");
  log.procedure("start", S.notStarted, S.running);
  const fault: Alarm = {
    id: "al-fault",
    kind: "technical",
    priority: "medium",
    key: `device:soe-${patientId}-36`,
    message: FAULT_WORDS,
    deviceId: `soe-${patientId}-36`,
    tooth: 36,
    raisedAt: log.at,
  };
  log.push({ type: "alarm", alarm: fault });
  log.push({ type: "alarm", alarm: { ...fault, acknowledgedAt: log.at, acknowledgedBy: "m-dr-ray" } });
  const lowPh: Alarm = {
    id: "al-ph",
    kind: "physiological",
    priority: "low",
    key: "ph:36",
    message: LOW_PH_WORDS,
    tooth: 36,
    raisedAt: log.at,
  };
  log.push({ type: "alarm", alarm: lowPh });
  log.procedure("next", S.running, S.running, { stepIndex: 1 });
  log.procedure("next", S.running, S.completed, { stepIndex: 2 });
  for (const e of log.events) await server.storage.appendRoomEvent(appt.body.roomId, e);

  const record = await staffApi<PatientRecordView>(
    server,
    "GET",
    `/api/patients/${encodeURIComponent(patientId)}/record`,
    clinician,
  );
  const visitId = record.body.visits[0]?.id;
  if (visitId === undefined) throw new Error(`no visit: ${JSON.stringify(record.body)}`);
  return { patientId, visitId };
}

/** Remembers a tooth notation for a signed-in person in this page's browser (as the panel's switch does). */
export async function rememberNotation(page: Page, staffId: string, notation: string): Promise<void> {
  await page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [notationKey(staffId), notation]);
}
