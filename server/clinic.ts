/**
 * The seeded clinics: people, appointments and paired SOE devices of the real clinic and of the
 * separate demo clinic, each with its own firmware list. `npm start` runs on this with no
 * database or directory service to set up. Every record carries its clinic id, and everything
 * clinic-wide (quarantines, firmware lists) is scoped by it, so the demo never touches real data.
 */
import type { AppointmentView } from "../shared/protocol.ts";
import type { AudienceRole } from "../shared/roles.ts";
import type { Signal } from "../shared/soe/signals.ts";

/** The clinic that runs for real, and the self-contained demo clinic. */
export const ClinicId = { main: "main", demo: "demo" } as const;

/** How a firmware version is deployed in a clinic (DOMAIN.md: staged rollout). */
export const FirmwareChannel = { release: "release", beta: "beta" } as const;
export type FirmwareChannel = (typeof FirmwareChannel)[keyof typeof FirmwareChannel];

export interface FirmwareRelease {
  version: string;
  channel: FirmwareChannel;
}

export interface ClinicInfo {
  clinicId: string;
  name: string;
  /** Firmware versions the clinic deploys to its SOEs. */
  firmware: readonly FirmwareRelease[];
}

export interface Person {
  personId: string;
  displayName: string;
  clinicId: string;
}

export interface Appointment extends AppointmentView {
  clinicId: string;
  patientId: string;
  /** Who may join with which role; a patient can only ever be the patient of their own appointment. */
  staff: {
    clinicianId: string;
    assistantId: string;
    observerId: string;
    /** The demo screen; null outside the demo clinic, where no presenter may join. */
    presenterId: string | null;
  };
  planId: string;
}

export interface PairedDevice {
  deviceId: string;
  clinicId: string;
  patientId: string;
  tooth: number | null;
  signals: Signal[];
  firmware: string;
}

/** The directory the server runs on: every clinic it hosts and their records. */
export interface Clinic {
  clinics: ReadonlyMap<string, ClinicInfo>;
  people: ReadonlyMap<string, Person>;
  appointments: ReadonlyMap<string, Appointment>;
  devices: ReadonlyMap<string, PairedDevice>;
}

const TOOTH_SIGNALS: Signal[] = ["ph", "temperature", "biteForce", "plaque", "inflammation"];
export const STABLE_FIRMWARE = "2.3.1";
export const BETA_FIRMWARE = "2.4.0-beta.1";

const FIRMWARE_LISTS: Record<string, readonly FirmwareRelease[]> = {
  [ClinicId.main]: [{ version: STABLE_FIRMWARE, channel: FirmwareChannel.release }],
  [ClinicId.demo]: [
    { version: STABLE_FIRMWARE, channel: FirmwareChannel.release },
    { version: BETA_FIRMWARE, channel: FirmwareChannel.beta },
  ],
};

function clinics(): Map<string, ClinicInfo> {
  return new Map([
    [ClinicId.main, { clinicId: ClinicId.main, name: "Chairside clinic", firmware: FIRMWARE_LISTS.main! }],
    [ClinicId.demo, { clinicId: ClinicId.demo, name: "Demo clinic", firmware: FIRMWARE_LISTS.demo! }],
  ]);
}

function devicesFor(patientId: string, clinicId: string): PairedDevice[] {
  const teeth = [16, 26, 36, 46].map((tooth) => ({
    deviceId: `soe-${patientId}-${tooth}`,
    clinicId,
    patientId,
    tooth,
    signals: TOOTH_SIGNALS,
    firmware: STABLE_FIRMWARE,
  }));
  return [
    ...teeth,
    {
      deviceId: `hr-${patientId}`,
      clinicId,
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
  staff: Appointment["staff"] = {
    clinicianId: "dr-ray",
    assistantId: "noah",
    observerId: "observer",
    presenterId: null,
  },
): Appointment {
  return {
    appointmentId: id,
    clinicId: patient.clinicId,
    roomId: `room-${id}`,
    patientId: patient.personId,
    patientName: patient.displayName,
    clinicianName: "Dr. Ray",
    scheduledAt,
    staff,
    planId,
  };
}

/** Builds the real and the demo clinic. `today` fixes the appointment dates (injected for tests). */
export function seedClinic(today = new Date()): Clinic {
  const day = today.toISOString().slice(0, 10);
  const main = ClinicId.main;
  const demo = ClinicId.demo;
  const people: Person[] = [
    { personId: "dr-ray", displayName: "Dr. Ray", clinicId: main },
    { personId: "noah", displayName: "Noah", clinicId: main },
    { personId: "julian", displayName: "Julian", clinicId: main },
    { personId: "flower", displayName: "Flower", clinicId: main },
    { personId: "observer", displayName: "Observer", clinicId: main },
    // The demo clinic has its own people: its story never mixes with a real patient's data.
    { personId: "demo-dr-ray", displayName: "Dr. Ray", clinicId: demo },
    { personId: "demo-noah", displayName: "Noah", clinicId: demo },
    { personId: "julian-demo", displayName: "Julian", clinicId: demo },
    { personId: "demo-observer", displayName: "Observer", clinicId: demo },
    { personId: "demo-screen", displayName: "Demo screen", clinicId: demo },
  ];
  const byId = new Map(people.map((p) => [p.personId, p]));
  const appointments = [
    appointment("julian", byId.get("julian")!, "filling-36", `${day}T09:00:00`),
    appointment("flower", byId.get("flower")!, "cleaning", `${day}T10:30:00`),
    appointment("demo", byId.get("julian-demo")!, "filling-36", `${day}T00:00:00`, {
      clinicianId: "demo-dr-ray",
      assistantId: "demo-noah",
      observerId: "demo-observer",
      presenterId: "demo-screen",
    }),
  ];
  const devices = [
    ...devicesFor("julian", main),
    ...devicesFor("flower", main),
    ...devicesFor("julian-demo", demo),
  ];
  return {
    clinics: clinics(),
    people: byId,
    appointments: new Map(appointments.map((a) => [a.appointmentId, a])),
    devices: new Map(devices.map((d) => [d.deviceId, d])),
  };
}

/** The person an appointment admits for a role; null for a presenter where it has none. */
export function personForRole(appt: Appointment, role: AudienceRole): string | null {
  switch (role) {
    case "patient":
      return appt.patientId;
    case "clinician":
      return appt.staff.clinicianId;
    case "assistant":
      return appt.staff.assistantId;
    case "observer":
      return appt.staff.observerId;
    case "presenter":
      return appt.staff.presenterId;
  }
}

/** The clinic an appointment or device belongs to (every record names one that exists). */
export function clinicOf(clinic: Clinic, clinicId: string): ClinicInfo {
  const info = clinic.clinics.get(clinicId);
  if (!info) throw new Error(`no clinic ${clinicId}`);
  return info;
}

/**
 * The seeded clinics plus generated patients of the real clinic, one appointment each, for
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
    const patient: Person = {
      personId: patientId,
      displayName: `Patient ${patientId}`,
      clinicId: ClinicId.main,
    };
    people.set(patientId, patient);
    appointments.set(patientId, appointment(patientId, patient, opts.planId, "2026-11-24T09:00:00"));
    for (const d of devicesFor(patientId, ClinicId.main)) {
      if (d.tooth === null || opts.teeth.includes(d.tooth)) devices.set(d.deviceId, d);
    }
  }
  return { clinics: base.clinics, people, appointments, devices };
}
