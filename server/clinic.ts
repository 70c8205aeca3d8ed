/**
 * The clinics the server hosts and the live maps the rooms read: people, appointments and paired
 * SOE devices. The real clinic (`main`) starts empty here; its records live in the database and
 * `server/directory/clinicDirectory.ts` loads them into these maps. The demo clinic is built in
 * code on every start (Dr. Ray, Noah, Julian, Flower and the self-running story), so `npm start`
 * gives the demo with nothing to set up. Every record carries its clinic id, and everything
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
    /** null when the appointment has no assistant. */
    assistantId: string | null;
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

/** The directory the server runs on: every clinic it hosts and their records (read by the rooms). */
export interface Clinic {
  clinics: ReadonlyMap<string, ClinicInfo>;
  people: ReadonlyMap<string, Person>;
  appointments: ReadonlyMap<string, Appointment>;
  devices: ReadonlyMap<string, PairedDevice>;
}

/** What an SOE on a tooth measures. */
export const TOOTH_SIGNALS: Signal[] = ["ph", "temperature", "biteForce", "plaque", "inflammation"];
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

/**
 * Builds both clinics as code knows them: the real clinic with no records (they come from the
 * database) and the demo clinic, fictional from end to end. `today` fixes the demo's appointment
 * dates (injected for tests).
 */
export function seedClinic(today = new Date()): Clinic {
  const day = today.toISOString().slice(0, 10);
  const demo = ClinicId.demo;
  const people: Person[] = [
    // The demo clinic's try-it-yourself appointments: anyone may take any role here.
    { personId: "dr-ray", displayName: "Dr. Ray", clinicId: demo },
    { personId: "noah", displayName: "Noah", clinicId: demo },
    { personId: "julian", displayName: "Julian", clinicId: demo },
    { personId: "flower", displayName: "Flower", clinicId: demo },
    { personId: "observer", displayName: "Observer", clinicId: demo },
    // The self-running story has its own people, so a visitor's clicks never change its plot.
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
    ...devicesFor("julian", demo),
    ...devicesFor("flower", demo),
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

/** The real clinic's care team in `syntheticClinic` (test fixtures, not demo people). */
export const FIXTURE_STAFF = {
  clinicianId: "fixture-clinician",
  assistantId: "fixture-assistant",
  observerId: "fixture-observer",
  presenterId: null,
} as const satisfies Appointment["staff"];

/**
 * The seeded clinics plus generated patients of the real clinic, one appointment each (and a
 * fixture care team), for load tests, benchmarks, the fault corpus and tests that need a real
 * clinic apart from the demo. Each patient gets SOEs on `teeth` and a heart-rate wearable; their
 * devices' keys are derived from the server secret like the demo's.
 */
export function syntheticClinic(opts: {
  patientIds: readonly string[];
  teeth: readonly number[];
  planId: string;
  /** When the appointments are (clinic wall clock, YYYY-MM-DDTHH:MM:SS). */
  scheduledAt?: string;
}): Clinic {
  const base = seedClinic();
  const people = new Map(base.people);
  const main = ClinicId.main;
  people.set(FIXTURE_STAFF.clinicianId, {
    personId: FIXTURE_STAFF.clinicianId,
    displayName: "Dr. Fixture",
    clinicId: main,
  });
  people.set(FIXTURE_STAFF.assistantId, {
    personId: FIXTURE_STAFF.assistantId,
    displayName: "Assistant Fixture",
    clinicId: main,
  });
  const appointments = new Map(base.appointments);
  const devices = new Map(base.devices);
  for (const patientId of opts.patientIds) {
    const patient: Person = {
      personId: patientId,
      displayName: `Patient ${patientId}`,
      clinicId: ClinicId.main,
    };
    people.set(patientId, patient);
    const at = opts.scheduledAt ?? "2026-11-24T09:00:00";
    const appt = appointment(patientId, patient, opts.planId, at, { ...FIXTURE_STAFF });
    appointments.set(patientId, { ...appt, clinicianName: "Dr. Fixture" });
    for (const d of devicesFor(patientId, ClinicId.main)) {
      if (d.tooth === null || opts.teeth.includes(d.tooth)) devices.set(d.deviceId, d);
    }
  }
  return { clinics: base.clinics, people, appointments, devices };
}
