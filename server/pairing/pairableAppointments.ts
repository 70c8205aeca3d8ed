/**
 * What pairing needs to know of an appointment: whose it is (clinic, patient and name, to confirm
 * by name), who treats it (only they may pair its headset or invite observers), and whether it is
 * still open (a finished or cancelled appointment admits no headset and no observer).
 */
import type { Clinic } from "../clinic.ts";

export interface PairableAppointment {
  appointmentId: string;
  clinicId: string;
  patientId: string;
  patientName: string;
  /** Staff ids of its clinician and assistant. */
  careTeam: readonly string[];
  /** False once finished or cancelled. */
  open: boolean;
}

/** Looks an appointment up; null when there is none. */
export type AppointmentLookup = (appointmentId: string) => PairableAppointment | null;

/**
 * Reads the live clinic maps the rooms read (the records' directory keeps them current). An
 * appointment leaves the maps or its credentials are ended (`Pairing.endForAppointment`) when it
 * is finished or cancelled.
 */
export function appointmentsFromClinic(clinic: Clinic): AppointmentLookup {
  return (appointmentId) => {
    const a = clinic.appointments.get(appointmentId);
    if (!a) return null;
    // The records' directory may carry the appointment's status on the live record; seeded ones have none.
    const status = (a as { status?: string }).status;
    return {
      appointmentId: a.appointmentId,
      clinicId: a.clinicId,
      patientId: a.patientId,
      patientName: a.patientName,
      careTeam: [a.staff.clinicianId, a.staff.assistantId].filter((id): id is string => id !== null),
      open: status === undefined || status === "scheduled",
    };
  };
}
