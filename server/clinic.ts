/**
 * The seeded demo clinic: people, appointments and paired SOE devices. `npm start` runs on this
 * with no database or directory service to set up.
 */
import type { AppointmentView } from "../shared/protocol.ts";
import type { InviteRole } from "../shared/roles.ts";
import type { Signal } from "../shared/soe/signals.ts";

export interface Person {
  personId: string;
  displayName: string;
}

export interface Appointment extends AppointmentView {
  patientId: string;
  /** Who may join with which role; a patient can only ever be the patient of their own appointment. */
  staff: { clinicianId: string; assistantId: string; observerId: string };
  planId: string;
}

export interface PairedDevice {
  deviceId: string;
  patientId: string;
  tooth: number | null;
  signals: Signal[];
  firmware: string;
}

export interface Clinic {
  people: ReadonlyMap<string, Person>;
  appointments: ReadonlyMap<string, Appointment>;
  devices: ReadonlyMap<string, PairedDevice>;
}

const TOOTH_SIGNALS: Signal[] = ["ph", "temperature", "biteForce", "plaque", "inflammation"];
export const STABLE_FIRMWARE = "2.3.1";
export const BETA_FIRMWARE = "2.4.0-beta.1";

function devicesFor(patientId: string): PairedDevice[] {
  const teeth = [16, 26, 36, 46].map((tooth) => ({
    deviceId: `soe-${patientId}-${tooth}`,
    patientId,
    tooth,
    signals: TOOTH_SIGNALS,
    firmware: STABLE_FIRMWARE,
  }));
  return [
    ...teeth,
    {
      deviceId: `hr-${patientId}`,
      patientId,
      tooth: null,
      signals: ["heartRate"],
      firmware: STABLE_FIRMWARE,
    },
  ];
}

function appointment(
  id: string,
  patient: Person,
  planId: string,
  scheduledAt: string,
  observerId = "observer",
): Appointment {
  return {
    appointmentId: id,
    roomId: `room-${id}`,
    patientId: patient.personId,
    patientName: patient.displayName,
    clinicianName: "Dr. Ray",
    scheduledAt,
    staff: { clinicianId: "dr-ray", assistantId: "noah", observerId },
    planId,
  };
}

/** Builds the demo clinic. `today` fixes the appointment dates (injected for tests). */
export function seedClinic(today = new Date()): Clinic {
  const day = today.toISOString().slice(0, 10);
  const people: Person[] = [
    { personId: "dr-ray", displayName: "Dr. Ray" },
    { personId: "noah", displayName: "Noah" },
    { personId: "julian", displayName: "Julian" },
    { personId: "flower", displayName: "Flower" },
    { personId: "observer", displayName: "Observer" },
    { personId: "demo-screen", displayName: "Demo screen" },
    // The demo story's patient is a separate record so the demo never mixes with Julian's real data.
    { personId: "julian-demo", displayName: "Julian" },
  ];
  const byId = new Map(people.map((p) => [p.personId, p]));
  const appointments = [
    appointment("julian", byId.get("julian")!, "filling-36", `${day}T09:00:00`),
    appointment("flower", byId.get("flower")!, "cleaning", `${day}T10:30:00`),
    appointment("demo", byId.get("julian-demo")!, "filling-36", `${day}T00:00:00`, "demo-screen"),
  ];
  const devices = [...devicesFor("julian"), ...devicesFor("flower"), ...devicesFor("julian-demo")];
  return {
    people: byId,
    appointments: new Map(appointments.map((a) => [a.appointmentId, a])),
    devices: new Map(devices.map((d) => [d.deviceId, d])),
  };
}

/** The person an appointment admits for a role, if any. */
export function personForRole(appt: Appointment, role: InviteRole): string {
  switch (role) {
    case "patient":
      return appt.patientId;
    case "clinician":
      return appt.staff.clinicianId;
    case "assistant":
      return appt.staff.assistantId;
    case "observer":
      return appt.staff.observerId;
  }
}

/**
 * A clinic with generated patients, one appointment each (`<prefix><n>` or the given ids), for
 * load tests, benchmarks and the fault corpus. Each patient gets SOEs on `teeth` and a heart-rate
 * wearable.
 */
export function syntheticClinic(opts: {
  patientIds: readonly string[];
  teeth: readonly number[];
  planId: string;
}): Clinic {
  const base = seedClinic();
  const people = new Map(base.people);
  const appointments = new Map<string, Appointment>();
  const devices = new Map<string, PairedDevice>();
  for (const patientId of opts.patientIds) {
    const patient: Person = { personId: patientId, displayName: `Patient ${patientId}` };
    people.set(patientId, patient);
    appointments.set(patientId, appointment(patientId, patient, opts.planId, "2026-11-24T09:00:00"));
    for (const d of devicesFor(patientId)) {
      if (d.tooth === null || opts.teeth.includes(d.tooth)) devices.set(d.deviceId, d);
    }
  }
  return { people, appointments, devices };
}
