/**
 * How the real clinic's stored records become the live entries the rooms read (`server/clinic.ts`):
 * a patient or staff member becomes a Person, a scheduled appointment an Appointment with its
 * names filled in, a paired device a PairedDevice with the signals of its kind. Pure, so the
 * directory's rules are tested without storage or sockets.
 */
import {
  type AppointmentRecord,
  AppointmentStatus,
  DeviceKind,
  type DeviceRecord,
  type PatientRecord,
  type StaffRecord,
} from "../../shared/records.ts";
import type { Signal } from "../../shared/soe/signals.ts";
import { type Appointment, type PairedDevice, type Person, TOOTH_SIGNALS } from "../clinic.ts";

/** Firmware shown for a device that has not reported yet. */
export const UNKNOWN_FIRMWARE = "unknown";

export function personOfPatient(p: PatientRecord): Person {
  return { personId: p.patientId, displayName: p.displayName, clinicId: p.clinicId };
}

export function personOfStaff(s: StaffRecord): Person {
  return { personId: s.staffId, displayName: s.displayName, clinicId: s.clinicId };
}

/** The observer seat of a real appointment: invited observers sit in it (no person record). */
export function observerSeatOf(appointmentId: string): string {
  return `observer-of-${appointmentId}`;
}

/**
 * The live appointment, or null when it admits nobody any more (finished or cancelled). The
 * stored time is the clinic's wall clock to the minute; rooms show it with seconds, as seeded.
 */
export function liveAppointment(
  a: AppointmentRecord,
  names: { patient: string; clinician: string },
): Appointment | null {
  if (a.status !== AppointmentStatus.scheduled) return null;
  return {
    appointmentId: a.appointmentId,
    clinicId: a.clinicId,
    roomId: a.roomId,
    patientId: a.patientId,
    patientName: names.patient,
    clinicianName: names.clinician,
    scheduledAt: `${a.scheduledAt}:00`,
    staff: {
      clinicianId: a.clinicianId,
      assistantId: a.assistantId,
      observerId: observerSeatOf(a.appointmentId),
      // The presenter (demo screen) exists only in the demo clinic.
      presenterId: null,
    },
    planId: a.planId,
  };
}

const SIGNALS_OF: Record<DeviceKind, Signal[]> = {
  [DeviceKind.soe]: TOOTH_SIGNALS,
  [DeviceKind.wearable]: ["heartRate"],
};

/** The live device, or null while it is paired with nobody (it cannot send). */
export function liveDevice(d: DeviceRecord): PairedDevice | null {
  if (d.patientId === null) return null;
  return {
    deviceId: d.deviceId,
    clinicId: d.clinicId,
    patientId: d.patientId,
    tooth: d.tooth,
    signals: SIGNALS_OF[d.kind],
    firmware: d.firmware ?? UNKNOWN_FIRMWARE,
  };
}

/** Whether a local date-time (YYYY-MM-DDTHH:MM) falls on a day (YYYY-MM-DD). */
export function isOnDay(scheduledAt: string, day: string): boolean {
  return scheduledAt.slice(0, 10) === day;
}

/** The clinic's calendar day at an instant, on the server's wall clock (the clinic's own). */
export function localDay(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Which of a day's appointments a staff member sees on today's page: an admin all, others their own. */
export function isMine(
  a: Pick<AppointmentRecord, "clinicianId" | "assistantId">,
  who: Pick<StaffRecord, "staffId" | "role">,
): boolean {
  if (who.role === "admin") return true;
  return a.clinicianId === who.staffId || a.assistantId === who.staffId;
}
