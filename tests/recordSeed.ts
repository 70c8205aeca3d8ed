/**
 * A patient with a recorded history, for the record's integration and e2e tests: the patient and
 * an appointment made through the staff API, two treatment sessions' room events (one the patient
 * stopped, one completed a week later) and pH readings written through Storage exactly as the rooms
 * and the device gateway write them, with a retracted reading and a 90 s gap in the second visit.
 */
import { EventLog } from "../server/record/visitFixtures.ts";
import { CSRF_HEADER } from "../shared/apiErrors.ts";
import type { AppointmentEntry, PatientRecord } from "../shared/records.ts";
import type { CheckedReading } from "../shared/soe/signals.ts";
import type { TestServer } from "./harness.ts";
import type { SignedInStaff } from "./staffAccount.ts";

/** The first visit's start; the second starts a week later. */
export const SEED_T0 = Date.UTC(2026, 9, 5, 9, 0, 0);
export const SEED_SECOND = SEED_T0 + 7 * 86_400_000;

export interface Answer<T> {
  status: number;
  body: T & { error?: { code: string; message: string; problems?: { path: string; message: string }[] } };
}

export async function staffApi<T = unknown>(
  server: TestServer,
  method: string,
  path: string,
  who: SignedInStaff | null,
  body?: unknown,
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (who) {
    headers.cookie = who.cookie;
    headers[CSRF_HEADER] = who.csrfToken;
  }
  if (method !== "GET") headers["content-type"] = "application/json";
  const r = await fetch(`${server.origin}${path}`, {
    method,
    headers,
    ...(method === "GET" ? {} : { body: JSON.stringify(body ?? {}) }),
  });
  return { status: r.status, body: (await r.json()) as Answer<T>["body"] };
}

function ph(t: number, value: number, status: CheckedReading["status"] = "final"): CheckedReading {
  return {
    deviceId: "soe-ada-36",
    signal: "ph",
    t,
    value,
    unit: "[pH]",
    tooth: 36,
    quality: "valid",
    status,
    receivedAt: t + 2,
  };
}

/** `clinician` makes the patient and is their dentist; `assistant` books the appointment. */
export async function seedRecordAsync(
  server: TestServer,
  clinician: SignedInStaff,
  assistant: SignedInStaff,
): Promise<{ patient: PatientRecord; appointment: AppointmentEntry }> {
  const made = await staffApi<PatientRecord>(server, "POST", "/api/patients", clinician, {
    displayName: "Ada Lovelace",
    dateOfBirth: "1985-12-10",
    anxietyNotes: "",
    preferences: "",
  });
  if (made.status !== 201) throw new Error(`patient not made: ${JSON.stringify(made.body)}`);
  const day = new Date().toISOString().slice(0, 10);
  const appt = await staffApi<AppointmentEntry>(server, "POST", "/api/appointments", assistant, {
    patientId: made.body.patientId,
    scheduledAt: `${day}T09:30`,
    planId: "filling-36-MO",
    clinicianId: clinician.staff.staffId,
    assistantId: assistant.staff.staffId,
  });
  if (appt.status !== 201) throw new Error(`appointment not made: ${JSON.stringify(appt.body)}`);
  const log = new EventLog(1, SEED_T0);
  log.session("abort_after_stop");
  log.at = SEED_SECOND;
  log.session("complete");
  for (const e of log.events) await server.storage.appendRoomEvent(appt.body.roomId, e);
  const batch = (seq: number, readings: CheckedReading[]) => ({
    deviceId: "soe-ada-36",
    bootId: "b1",
    patientId: made.body.patientId,
    seq,
    digest: `d${seq}`,
    firmware: "2.3.1",
    readings,
  });
  await server.storage.storeBatches([
    batch(1, [ph(SEED_T0 + 2000, 6.9), ph(SEED_T0 + 3000, 5.2)]),
    batch(2, [
      ph(SEED_SECOND, 7),
      ph(SEED_SECOND + 1000, 4.1, "entered-in-error"),
      ph(SEED_SECOND + 91_000, 6.8),
    ]),
  ]);
  return { patient: made.body, appointment: appt.body };
}
