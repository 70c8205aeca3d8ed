/**
 * The real clinic's records, managed in the browser (issue 8): patients, appointments and SOE
 * devices. At start it loads them from storage into the live maps the rooms and gateways read
 * (`Clinic`); every change is written to storage first and then to the maps, so a new appointment
 * is joinable at once and a restart finds everything as it was. The demo clinic comes from code
 * (`seedClinic`) and is never written to storage. Changes are applied one at a time, so two
 * requests never both pass a check that only one of them may pass.
 *
 * Staff accounts are read here (for names and pickers) but edited by `staffDirectory.ts`; SOE
 * devices and their keys are `deviceRegistry.ts`'s.
 */
import { randomBytes } from "node:crypto";
import { planById } from "../../shared/procedure/plans.ts";
import {
  type AppointmentEntry,
  type AppointmentInput,
  type AppointmentRecord,
  AppointmentStatus,
  appointmentRecordSchema,
  deviceRecordSchema,
  type FieldProblem,
  type PatientInput,
  type PatientRecord,
  patientRecordSchema,
  roomUrlOf,
  type StaffRecord,
  staffRecordSchema,
} from "../../shared/records.ts";
import type { Appointment, Clinic, PairedDevice, Person } from "../clinic.ts";
import { createLogger } from "../log.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";
import { DeviceRegistry } from "./deviceRegistry.ts";
import { isMine, isOnDay, liveAppointment, localDay, personOfPatient, personOfStaff } from "./liveRecords.ts";
import { ChangeQueue, conflict, done, invalid, notFound, type Outcome, safeJson } from "./outcome.ts";

const log = createLogger("directory");

/** What the rest of the server hears of changes that end or start something live. */
export interface DirectoryListener {
  /** An appointment was finished or cancelled: its room admits nobody any more. */
  onAppointmentEnded?(appointment: Appointment): void;
  /** A device was paired: rooms of its patient show it. */
  onDevicePaired?(device: PairedDevice): void;
  /** A device's key no longer works (unpaired or re-keyed): its live connection must end. */
  onDeviceKeyRevoked?(deviceId: string): void;
}

/** A record id the server makes: a prefix that says what it is, then 12 random characters. */
function newId(prefix: string): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(12);
  let id = `${prefix}-`;
  for (const b of bytes) id += alphabet[b % alphabet.length];
  return id;
}

export class ClinicDirectory {
  /** The live maps every room and gateway reads. */
  readonly clinic: Clinic;
  private readonly people: Map<string, Person>;
  private readonly appointments: Map<string, Appointment>;
  private readonly devices: Map<string, PairedDevice>;
  /** The real clinic's SOE devices: pairing and keys. */
  readonly deviceRegistry: DeviceRegistry;
  /** Stored records of real clinics, by id (the demo clinic is not among them). */
  private readonly patientRecords = new Map<string, PatientRecord>();
  private readonly appointmentRecords = new Map<string, AppointmentRecord>();
  private readonly listeners: DirectoryListener[] = [];
  private readonly changes = new ChangeQueue();

  private constructor(
    private readonly storage: Storage,
    base: Clinic,
    secret: Buffer,
    private readonly now: () => number,
  ) {
    this.people = new Map(base.people);
    this.appointments = new Map(base.appointments);
    this.devices = new Map(base.devices);
    this.deviceRegistry = new DeviceRegistry({
      storage,
      secret,
      now,
      changes: this.changes,
      liveDevices: this.devices,
      codeDevices: new Set(base.devices.keys()),
      patientIn: (clinicId, patientId) => this.patientIn(clinicId, patientId),
      listeners: this.listeners,
    });
    this.clinic = {
      clinics: base.clinics,
      people: this.people,
      appointments: this.appointments,
      devices: this.devices,
    };
  }

  /** Loads the stored records of every real clinic into the live maps, on top of `base`. */
  static async openAsync(
    storage: Storage,
    base: Clinic,
    secret: Buffer,
    now: () => number = Date.now,
  ): Promise<ClinicDirectory> {
    const directory = new ClinicDirectory(storage, base, secret, now);
    await directory.loadAsync();
    return directory;
  }

  listen(listener: DirectoryListener): void {
    this.listeners.push(listener);
  }

  private async loadAsync(): Promise<void> {
    const read = async <T>(kind: RecordKind, parse: (body: unknown) => T | null): Promise<T[]> => {
      const out: T[] = [];
      for (const row of await this.storage.listRecords(kind)) {
        const record = parse(safeJson(row.body));
        if (record === null) log.error("stored record refused by its schema", { kind, id: row.id });
        else if (this.clinic.clinics.has((record as { clinicId: string }).clinicId)) out.push(record);
      }
      return out;
    };
    const parser =
      <T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }) =>
      (body: unknown): T | null => {
        const r = schema.safeParse(body);
        return r.success ? r.data : null;
      };
    for (const s of await read(RecordKind.staff, parser(staffRecordSchema))) {
      this.people.set(s.staffId, personOfStaff(s));
    }
    for (const p of await read(RecordKind.patient, parser(patientRecordSchema))) {
      this.patientRecords.set(p.patientId, p);
      this.people.set(p.patientId, personOfPatient(p));
    }
    for (const a of await read(RecordKind.appointment, parser(appointmentRecordSchema))) {
      this.appointmentRecords.set(a.appointmentId, a);
      this.putLiveAppointment(a);
    }
    for (const d of await read(RecordKind.device, parser(deviceRecordSchema))) this.deviceRegistry.load(d);
    log.info("clinic records loaded", {
      patients: this.patientRecords.size,
      appointments: this.appointmentRecords.size,
      devices: this.deviceRegistry.size,
    });
  }

  private serial<T>(change: () => Promise<T>): Promise<T> {
    return this.changes.run(change);
  }

  private async putAsync(kind: RecordKind, id: string, clinicId: string, body: unknown): Promise<void> {
    await this.storage.putRecords([
      { kind, id, clinicId, body: JSON.stringify(body), updatedAt: this.now() },
    ]);
  }

  /** A new id no record or live entry of any clinic uses. */
  private freshId(prefix: string): string {
    for (;;) {
      const id = newId(prefix);
      if (!this.people.has(id) && !this.appointments.has(id) && !this.appointmentRecords.has(id)) return id;
    }
  }

  // -- staff, as the pickers and names need them ----------------------------------------------

  /** Every staff account of a clinic, as stored now (sign-in may have changed them). */
  async staffOf(clinicId: string): Promise<StaffRecord[]> {
    const out: StaffRecord[] = [];
    for (const row of await this.storage.listRecords(RecordKind.staff, clinicId)) {
      const parsed = staffRecordSchema.safeParse(safeJson(row.body));
      if (parsed.success) out.push(parsed.data);
    }
    return out;
  }

  /** Keeps a staff member's name in the live people (rooms show it). */
  notePerson(staff: StaffRecord): void {
    this.people.set(staff.staffId, personOfStaff(staff));
  }

  // -- patients -------------------------------------------------------------------------------

  listPatients(clinicId: string, withArchived: boolean): PatientRecord[] {
    return [...this.patientRecords.values()]
      .filter((p) => p.clinicId === clinicId && (withArchived || p.archivedAt === null))
      .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.patientId.localeCompare(b.patientId));
  }

  private patientIn(clinicId: string, patientId: string): PatientRecord | null {
    const p = this.patientRecords.get(patientId);
    return p && p.clinicId === clinicId ? p : null;
  }

  createPatient(clinicId: string, input: PatientInput): Promise<PatientRecord> {
    return this.serial(async () => {
      const at = this.now();
      const record = patientRecordSchema.parse({
        ...input,
        patientId: this.freshId("p"),
        clinicId,
        archivedAt: null,
        createdAt: at,
        updatedAt: at,
      });
      await this.putAsync(RecordKind.patient, record.patientId, clinicId, record);
      this.patientRecords.set(record.patientId, record);
      this.people.set(record.patientId, personOfPatient(record));
      return record;
    });
  }

  updatePatient(clinicId: string, patientId: string, input: PatientInput): Promise<Outcome<PatientRecord>> {
    return this.serial(async () => {
      const old = this.patientIn(clinicId, patientId);
      if (!old) return notFound("There is no such patient in this clinic.");
      const record = patientRecordSchema.parse({ ...old, ...input, updatedAt: this.now() });
      await this.putAsync(RecordKind.patient, patientId, clinicId, record);
      this.patientRecords.set(patientId, record);
      this.people.set(patientId, personOfPatient(record));
      // Open rooms hold their appointment object: renaming it in place reaches them too.
      for (const a of this.appointments.values()) {
        if (a.patientId === patientId) a.patientName = record.displayName;
      }
      return done(record);
    });
  }

  /** Archived patients keep their records and appointments but get no new ones. */
  setPatientArchived(
    clinicId: string,
    patientId: string,
    archived: boolean,
  ): Promise<Outcome<PatientRecord>> {
    return this.serial(async () => {
      const old = this.patientIn(clinicId, patientId);
      if (!old) return notFound("There is no such patient in this clinic.");
      const at = this.now();
      const record = { ...old, archivedAt: archived ? (old.archivedAt ?? at) : null, updatedAt: at };
      await this.putAsync(RecordKind.patient, patientId, clinicId, record);
      this.patientRecords.set(patientId, record);
      return done(record);
    });
  }

  // -- appointments ---------------------------------------------------------------------------

  /** A day's appointments of a clinic, by time. */
  async appointmentsOn(clinicId: string, day: string): Promise<AppointmentEntry[]> {
    const staff = new Map((await this.staffOf(clinicId)).map((s) => [s.staffId, s]));
    return [...this.appointmentRecords.values()]
      .filter((a) => a.clinicId === clinicId && isOnDay(a.scheduledAt, day))
      .sort(
        (a, b) =>
          a.scheduledAt.localeCompare(b.scheduledAt) || a.appointmentId.localeCompare(b.appointmentId),
      )
      .map((a) => this.entryOf(a, staff));
  }

  /** Today's page: the day's appointments of this staff member (an admin sees all), not cancelled. */
  async today(who: StaffRecord, day = localDay(this.now())): Promise<AppointmentEntry[]> {
    return (await this.appointmentsOn(who.clinicId, day)).filter(
      (a) => a.status !== AppointmentStatus.cancelled && isMine(a, who),
    );
  }

  private entryOf(a: AppointmentRecord, staff: ReadonlyMap<string, StaffRecord>): AppointmentEntry {
    return {
      ...a,
      patientName: this.patientRecords.get(a.patientId)?.displayName ?? a.patientId,
      clinicianName: staff.get(a.clinicianId)?.displayName ?? a.clinicianId,
      assistantName: a.assistantId === null ? null : (staff.get(a.assistantId)?.displayName ?? a.assistantId),
      planName: planById(a.planId)?.name ?? a.planId,
      roomUrl: a.status === AppointmentStatus.scheduled ? roomUrlOf(a.appointmentId) : null,
    };
  }

  /** Checks an appointment's people: a current patient, an enabled clinician, an enabled assistant. */
  private async checkPeople(
    clinicId: string,
    input: AppointmentInput,
    old: AppointmentRecord | null,
  ): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    const patient = this.patientIn(clinicId, input.patientId);
    if (!patient) problems.push({ path: "patientId", message: "Pick a patient of this clinic." });
    else if (patient.archivedAt !== null && old?.patientId !== patient.patientId) {
      problems.push({ path: "patientId", message: "This patient is archived: restore them to book." });
    }
    const staff = new Map((await this.staffOf(clinicId)).map((s) => [s.staffId, s]));
    const clinician = staff.get(input.clinicianId);
    if (!clinician || clinician.role !== "clinician" || clinician.disabledAt !== null) {
      problems.push({ path: "clinicianId", message: "Pick a clinician whose account is active." });
    }
    if (input.assistantId !== null) {
      const assistant = staff.get(input.assistantId);
      if (!assistant || assistant.role === "admin" || assistant.disabledAt !== null) {
        problems.push({
          path: "assistantId",
          message: "Pick an assistant whose account is active, or none.",
        });
      } else if (input.assistantId === input.clinicianId) {
        problems.push({ path: "assistantId", message: "The assistant is someone other than the clinician." });
      }
    }
    return problems;
  }

  /**
   * Sets an appointment's live entry. `staff`, when given, is the clinic's accounts as stored now
   * (accounts made since start, by sign-in setup for example): their names join the live people.
   */
  private putLiveAppointment(a: AppointmentRecord, staff?: ReadonlyMap<string, StaffRecord>): void {
    for (const id of [a.clinicianId, a.assistantId]) {
      const s = id === null ? undefined : staff?.get(id);
      if (s) this.notePerson(s);
    }
    const live = liveAppointment(a, {
      patient: this.patientRecords.get(a.patientId)?.displayName ?? a.patientId,
      clinician: this.people.get(a.clinicianId)?.displayName ?? a.clinicianId,
    });
    const existing = this.appointments.get(a.appointmentId);
    if (!live) {
      this.appointments.delete(a.appointmentId);
      return;
    }
    // An open room holds the object it was opened with: change it in place so it sees the edit.
    if (existing) Object.assign(existing, live);
    else this.appointments.set(a.appointmentId, live);
  }

  createAppointment(clinicId: string, input: AppointmentInput): Promise<Outcome<AppointmentEntry>> {
    return this.serial(async () => {
      const problems = await this.checkPeople(clinicId, input, null);
      if (problems.length > 0) return invalid(problems);
      const at = this.now();
      const appointmentId = this.freshId("a");
      const record = appointmentRecordSchema.parse({
        ...input,
        appointmentId,
        clinicId,
        roomId: `room-${appointmentId}`,
        status: AppointmentStatus.scheduled,
        createdAt: at,
        updatedAt: at,
      });
      await this.putAsync(RecordKind.appointment, appointmentId, clinicId, record);
      this.appointmentRecords.set(appointmentId, record);
      const staff = await this.staffMap(clinicId);
      this.putLiveAppointment(record, staff);
      return done(this.entryOf(record, staff));
    });
  }

  private async staffMap(clinicId: string): Promise<Map<string, StaffRecord>> {
    return new Map((await this.staffOf(clinicId)).map((s) => [s.staffId, s]));
  }

  private appointmentIn(clinicId: string, appointmentId: string): AppointmentRecord | null {
    const a = this.appointmentRecords.get(appointmentId);
    return a && a.clinicId === clinicId ? a : null;
  }

  updateAppointment(
    clinicId: string,
    appointmentId: string,
    input: AppointmentInput,
  ): Promise<Outcome<AppointmentEntry>> {
    return this.serial(async () => {
      const old = this.appointmentIn(clinicId, appointmentId);
      if (!old) return notFound("There is no such appointment in this clinic.");
      if (old.status !== AppointmentStatus.scheduled) {
        return conflict(`This appointment is ${old.status}: it cannot be changed.`);
      }
      if (input.patientId !== old.patientId) {
        // The room's sensors, history and seat belong to one patient.
        return invalid([
          {
            path: "patientId",
            message: "An appointment keeps its patient: book a new one for someone else.",
          },
        ]);
      }
      const problems = await this.checkPeople(clinicId, input, old);
      if (problems.length > 0) return invalid(problems);
      const record = appointmentRecordSchema.parse({ ...old, ...input, updatedAt: this.now() });
      await this.putAsync(RecordKind.appointment, appointmentId, clinicId, record);
      this.appointmentRecords.set(appointmentId, record);
      const staff = await this.staffMap(clinicId);
      this.putLiveAppointment(record, staff);
      return done(this.entryOf(record, staff));
    });
  }

  /** Finishes or cancels: the room admits nobody any more, and its credentials end with it. */
  endAppointment(
    clinicId: string,
    appointmentId: string,
    status: typeof AppointmentStatus.finished | typeof AppointmentStatus.cancelled,
  ): Promise<Outcome<AppointmentEntry>> {
    return this.serial(async () => {
      const old = this.appointmentIn(clinicId, appointmentId);
      if (!old) return notFound("There is no such appointment in this clinic.");
      if (old.status !== AppointmentStatus.scheduled) {
        return conflict(`This appointment is already ${old.status}.`);
      }
      const record = { ...old, status, updatedAt: this.now() };
      await this.putAsync(RecordKind.appointment, appointmentId, clinicId, record);
      this.appointmentRecords.set(appointmentId, record);
      const live = this.appointments.get(appointmentId);
      this.putLiveAppointment(record);
      if (live) for (const l of this.listeners) l.onAppointmentEnded?.(live);
      return done(this.entryOf(record, await this.staffMap(clinicId)));
    });
  }
}
