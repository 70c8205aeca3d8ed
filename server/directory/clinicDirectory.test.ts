import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AppointmentInput, StaffRecord } from "../../shared/records.ts";
import { ClinicId, seedClinic } from "../clinic.ts";
import { SqliteStorage } from "../storage/sqliteStorage.ts";
import { RecordKind } from "../storage/storage.ts";
import { deviceKey } from "../tokens.ts";
import { ClinicDirectory } from "./clinicDirectory.ts";
import { isMine, liveAppointment, localDay } from "./liveRecords.ts";

const SECRET = Buffer.alloc(32, 7);
const dirs: string[] = [];
const open: SqliteStorage[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "chairside-dir-"));
  dirs.push(dir);
  return join(dir, "chairside.db");
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openDirectory(path: string, now = () => Date.UTC(2026, 10, 26, 8)) {
  const storage = new SqliteStorage(path);
  open.push(storage);
  return { storage, directory: await ClinicDirectory.openAsync(storage, seedClinic(), SECRET, now) };
}

function staff(staffId: string, role: StaffRecord["role"], disabledAt: number | null = null): StaffRecord {
  return {
    staffId,
    clinicId: ClinicId.main,
    displayName: staffId === "ray" ? "Dr. Ray Real" : staffId,
    email: `${staffId}@clinic.example`,
    role,
    disabledAt,
    passwordHash: null,
    createdAt: 1,
    updatedAt: 1,
  };
}

async function withStaff(storage: SqliteStorage, ...people: StaffRecord[]) {
  await storage.putRecords(
    people.map((s) => ({
      kind: RecordKind.staff,
      id: s.staffId,
      clinicId: s.clinicId,
      body: JSON.stringify(s),
      updatedAt: 1,
    })),
  );
}

const PATIENT = { displayName: "Ada", dateOfBirth: "1980-02-03", anxietyNotes: "", preferences: "" };

describe("the seeded clinics", () => {
  it("puts nobody in the real clinic and the whole demo in the demo clinic, ids unchanged", () => {
    const seed = seedClinic();
    for (const id of ["dr-ray", "noah", "julian", "flower", "observer", "demo-screen"]) {
      expect(seed.people.get(id)?.clinicId).toBe(ClinicId.demo);
    }
    expect([...seed.appointments.keys()].sort()).toEqual(["demo", "flower", "julian"]);
    for (const a of seed.appointments.values()) expect(a.clinicId).toBe(ClinicId.demo);
    expect(seed.devices.get("soe-julian-36")?.clinicId).toBe(ClinicId.demo);
    expect([...seed.people.values()].filter((p) => p.clinicId === ClinicId.main)).toEqual([]);
  });
});

describe("the clinic directory", () => {
  it("writes a new appointment through to the live maps, and finds it again after a restart", async () => {
    const path = tempDb();
    const first = await openDirectory(path);
    await withStaff(first.storage, staff("ray", "clinician"), staff("noa", "assistant"));
    const patient = await first.directory.createPatient(ClinicId.main, PATIENT);
    const input: AppointmentInput = {
      patientId: patient.patientId,
      scheduledAt: "2026-11-26T09:30",
      planId: "cleaning",
      clinicianId: "ray",
      assistantId: "noa",
    };
    const made = await first.directory.createAppointment(ClinicId.main, input);
    if (!made.ok) throw new Error(made.message);
    const live = first.directory.clinic.appointments.get(made.value.appointmentId);
    expect(live).toMatchObject({
      clinicId: ClinicId.main,
      patientId: patient.patientId,
      patientName: "Ada",
      clinicianName: "Dr. Ray Real",
      scheduledAt: "2026-11-26T09:30:00",
      staff: { clinicianId: "ray", assistantId: "noa", presenterId: null },
    });
    expect(first.directory.clinic.people.get(patient.patientId)?.clinicId).toBe(ClinicId.main);
    await first.storage.close();
    open.pop();

    const second = await openDirectory(path);
    expect(second.directory.clinic.appointments.get(made.value.appointmentId)).toEqual(live);
    expect(second.directory.listPatients(ClinicId.main, false).map((p) => p.displayName)).toEqual(["Ada"]);
    // The demo is built in code and never stored.
    expect(second.directory.clinic.appointments.has("julian")).toBe(true);
    expect(second.directory.listPatients(ClinicId.demo, true)).toEqual([]);
  });

  it("refuses an appointment with its problems by field: unknown patient, admin as clinician, disabled assistant", async () => {
    const { storage, directory } = await openDirectory(tempDb());
    await withStaff(storage, staff("boss", "admin"), staff("gone", "assistant", 5));
    const made = await directory.createAppointment(ClinicId.main, {
      patientId: "nobody",
      scheduledAt: "2026-11-26T09:30",
      planId: "cleaning",
      clinicianId: "boss",
      assistantId: "gone",
    });
    expect(made.ok).toBe(false);
    if (made.ok) return;
    expect(made.problems?.map((p) => p.path)).toEqual(["patientId", "clinicianId", "assistantId"]);
    expect(directory.clinic.appointments.size).toBe(3);
  });

  it("takes a finished appointment out of the live maps and tells the listeners", async () => {
    const { storage, directory } = await openDirectory(tempDb());
    await withStaff(storage, staff("ray", "clinician"));
    const patient = await directory.createPatient(ClinicId.main, PATIENT);
    const made = await directory.createAppointment(ClinicId.main, {
      patientId: patient.patientId,
      scheduledAt: "2026-11-26T09:30",
      planId: "cleaning",
      clinicianId: "ray",
      assistantId: null,
    });
    if (!made.ok) throw new Error(made.message);
    const ended: string[] = [];
    directory.listen({ onAppointmentEnded: (a) => ended.push(a.appointmentId) });
    const finished = await directory.endAppointment(ClinicId.main, made.value.appointmentId, "finished");
    expect(finished.ok && finished.value.roomUrl).toBe(null);
    expect(ended).toEqual([made.value.appointmentId]);
    expect(directory.clinic.appointments.has(made.value.appointmentId)).toBe(false);
    const again = await directory.endAppointment(ClinicId.main, made.value.appointmentId, "cancelled");
    expect(again.ok ? "" : again.code).toBe("conflict");
  });

  it("issues a random device key, keeps only its hash, and a rotation ends the old key", async () => {
    const { storage, directory } = await openDirectory(tempDb());
    const patient = await directory.createPatient(ClinicId.main, PATIENT);
    const revoked: string[] = [];
    directory.listen({ onDeviceKeyRevoked: (id) => revoked.push(id) });
    const paired = await directory.deviceRegistry.pair(ClinicId.main, {
      deviceId: "soe-ada-36",
      kind: "soe",
      patientId: patient.patientId,
      tooth: 36,
    });
    if (!paired.ok) throw new Error(paired.message);
    const key = paired.value.deviceKey;
    expect(paired.value.device).not.toHaveProperty("keyHash");
    const stored = await storage.getRecord(RecordKind.device, "soe-ada-36");
    expect(stored?.body).not.toContain(key);
    expect(directory.deviceRegistry.keyMatches("soe-ada-36", key)).toBe(true);
    // The derived key of the secret is not this device's key.
    expect(directory.deviceRegistry.keyMatches("soe-ada-36", deviceKey(SECRET, "soe-ada-36"))).toBe(false);
    expect(directory.clinic.devices.get("soe-ada-36")).toMatchObject({
      patientId: patient.patientId,
      tooth: 36,
    });

    const rotated = await directory.deviceRegistry.rotateKey(ClinicId.main, "soe-ada-36");
    if (!rotated.ok) throw new Error(rotated.message);
    expect(directory.deviceRegistry.keyMatches("soe-ada-36", key)).toBe(false);
    expect(directory.deviceRegistry.keyMatches("soe-ada-36", rotated.value.deviceKey)).toBe(true);
    expect(revoked).toEqual(["soe-ada-36"]);

    const twice = await directory.deviceRegistry.pair(ClinicId.main, {
      deviceId: "soe-ada-37",
      kind: "soe",
      patientId: patient.patientId,
      tooth: 36,
    });
    expect(twice.ok ? "" : twice.code).toBe("conflict");

    expect((await directory.deviceRegistry.unpair(ClinicId.main, "soe-ada-36")).ok).toBe(true);
    expect(directory.deviceRegistry.keyMatches("soe-ada-36", rotated.value.deviceKey)).toBe(false);
    expect(directory.clinic.devices.has("soe-ada-36")).toBe(false);
  });

  it("keeps the demo's devices on keys derived from the secret, and their ids out of reach", async () => {
    const { directory } = await openDirectory(tempDb());
    expect(directory.deviceRegistry.keyMatches("soe-julian-36", deviceKey(SECRET, "soe-julian-36"))).toBe(
      true,
    );
    const patient = await directory.createPatient(ClinicId.main, PATIENT);
    const taken = await directory.deviceRegistry.pair(ClinicId.main, {
      deviceId: "soe-julian-36",
      kind: "soe",
      patientId: patient.patientId,
      tooth: 36,
    });
    expect(taken.ok ? "" : taken.code).toBe("conflict");
  });
});

describe("live records", () => {
  it("admits nobody to a finished or cancelled appointment", () => {
    const base = {
      appointmentId: "a-1",
      clinicId: "main",
      roomId: "room-a-1",
      patientId: "p-1",
      scheduledAt: "2026-11-26T09:00",
      planId: "cleaning",
      clinicianId: "ray",
      assistantId: null,
      createdAt: 1,
      updatedAt: 1,
    };
    const names = { patient: "Ada", clinician: "Dr. Ray" };
    expect(liveAppointment({ ...base, status: "scheduled" }, names)).not.toBeNull();
    expect(liveAppointment({ ...base, status: "finished" }, names)).toBeNull();
    expect(liveAppointment({ ...base, status: "cancelled" }, names)).toBeNull();
  });

  it("shows a clinician and an assistant their own appointments, an admin all", () => {
    const a = { clinicianId: "ray", assistantId: "noa" };
    expect(isMine(a, { staffId: "ray", role: "clinician" })).toBe(true);
    expect(isMine(a, { staffId: "noa", role: "assistant" })).toBe(true);
    expect(isMine(a, { staffId: "kim", role: "clinician" })).toBe(false);
    expect(isMine(a, { staffId: "boss", role: "admin" })).toBe(true);
  });

  it("names the calendar day on the clinic's clock", () => {
    expect(localDay(new Date(2026, 10, 26, 23, 59).getTime())).toBe("2026-11-26");
  });
});
