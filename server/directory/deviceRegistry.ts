/**
 * The real clinic's SOE devices: pairing to a patient and tooth (or a wearable to a patient),
 * unpairing, and keys. A key is random, shown once when paired or re-keyed, and stored only as
 * its SHA-256; the demo's devices (built in code) keep keys derived from the server secret, so the
 * simulator needs no setup. Changes are written to storage first, then to the live device map the
 * device gateway and the rooms read, and a key that stops working cuts its connection at once.
 */
import {
  type DeviceKeyIssued,
  DeviceKind,
  type DevicePairInput,
  type DeviceRecord,
  type DeviceView,
  deviceRecordSchema,
  type PatientRecord,
} from "../../shared/records.ts";
import type { PairedDevice } from "../clinic.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";
import { verifyDeviceKey } from "../tokens.ts";
import type { DirectoryListener } from "./clinicDirectory.ts";
import { deviceKeyHash, deviceKeyMatches, newDeviceKey } from "./deviceKeys.ts";
import { liveDevice, UNKNOWN_FIRMWARE } from "./liveRecords.ts";
import { type ChangeQueue, conflict, done, invalid, notFound, type Outcome } from "./outcome.ts";

export interface DeviceRegistryDeps {
  storage: Storage;
  secret: Buffer;
  now: () => number;
  changes: ChangeQueue;
  /** The live map the device gateway and the rooms read. */
  liveDevices: Map<string, PairedDevice>;
  /** Devices built in code (demo, test fixtures): their ids are taken. */
  codeDevices: ReadonlySet<string>;
  patientIn(clinicId: string, patientId: string): PatientRecord | null;
  listeners: readonly DirectoryListener[];
}

export class DeviceRegistry {
  private readonly records = new Map<string, DeviceRecord>();

  constructor(private readonly deps: DeviceRegistryDeps) {}

  /** Takes a stored record in at start (paired ones go live). */
  load(record: DeviceRecord): void {
    this.records.set(record.deviceId, record);
    const live = liveDevice(record);
    if (live) this.deps.liveDevices.set(record.deviceId, live);
  }

  get size(): number {
    return this.records.size;
  }

  private async putAsync(record: DeviceRecord): Promise<void> {
    await this.deps.storage.putRecords([
      {
        kind: RecordKind.device,
        id: record.deviceId,
        clinicId: record.clinicId,
        body: JSON.stringify(record),
        updatedAt: this.deps.now(),
      },
    ]);
    this.records.set(record.deviceId, record);
  }

  list(clinicId: string): DeviceRecord[] {
    return [...this.records.values()]
      .filter((d) => d.clinicId === clinicId)
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  /** Pairs a device with a patient (and tooth); the new key is in the answer and nowhere else. */
  pair(clinicId: string, input: DevicePairInput): Promise<Outcome<DeviceKeyIssued>> {
    return this.deps.changes.run(async () => {
      const known = this.records.get(input.deviceId);
      if (this.deps.codeDevices.has(input.deviceId) || (known && known.clinicId !== clinicId)) {
        return conflict("This device id belongs to another clinic.", "deviceId");
      }
      if (known && known.patientId !== null) {
        return conflict("This device is paired with a patient: unpair it first.", "deviceId");
      }
      const patient = this.deps.patientIn(clinicId, input.patientId);
      if (!patient) return invalid([{ path: "patientId", message: "Pick a patient of this clinic." }]);
      if (patient.archivedAt !== null) {
        return invalid([{ path: "patientId", message: "This patient is archived: restore them first." }]);
      }
      const taken = [...this.records.values()].find(
        (d) =>
          d.patientId === input.patientId &&
          d.kind === input.kind &&
          (input.kind === DeviceKind.wearable || d.tooth === input.tooth),
      );
      if (taken) {
        const where = input.kind === DeviceKind.soe ? `tooth ${input.tooth}` : "a heart-rate wearable";
        return conflict(`This patient already has ${where}: ${taken.deviceId}. Unpair it first.`, "tooth");
      }
      const key = newDeviceKey();
      const record: DeviceRecord = deviceRecordSchema.parse({
        deviceId: input.deviceId,
        clinicId,
        kind: input.kind,
        patientId: input.patientId,
        tooth: input.tooth,
        keyHash: deviceKeyHash(key),
        pairedAt: this.deps.now(),
        firmware: known?.firmware ?? null,
        lastContactAt: known?.lastContactAt ?? null,
      });
      await this.putAsync(record);
      const live = liveDevice(record)!;
      this.deps.liveDevices.set(record.deviceId, live);
      // A device paired again (to another patient) must not keep a connection made under the old pairing.
      if (known) for (const l of this.deps.listeners) l.onDeviceKeyRevoked?.(record.deviceId);
      for (const l of this.deps.listeners) l.onDevicePaired?.(live);
      return done({ device: deviceViewOf(record), deviceKey: key });
    });
  }

  /** Unpairs: the device sends for nobody and its key stops working at once. */
  unpair(clinicId: string, deviceId: string): Promise<Outcome<DeviceView>> {
    return this.deps.changes.run(async () => {
      const known = this.records.get(deviceId);
      if (!known || known.clinicId !== clinicId) return notFound("There is no such device in this clinic.");
      if (known.patientId === null) return conflict("This device is not paired.");
      const record: DeviceRecord = { ...known, patientId: null, tooth: null, keyHash: "", pairedAt: null };
      await this.putAsync(record);
      this.deps.liveDevices.delete(deviceId);
      for (const l of this.deps.listeners) l.onDeviceKeyRevoked?.(deviceId);
      return done(deviceViewOf(record));
    });
  }

  /** A new key for a paired device; the old one stops working at once (its connection ends). */
  rotateKey(clinicId: string, deviceId: string): Promise<Outcome<DeviceKeyIssued>> {
    return this.deps.changes.run(async () => {
      const known = this.records.get(deviceId);
      if (!known || known.clinicId !== clinicId) return notFound("There is no such device in this clinic.");
      if (known.patientId === null) return conflict("Pair this device to give it a key.");
      const key = newDeviceKey();
      const record: DeviceRecord = { ...known, keyHash: deviceKeyHash(key) };
      await this.putAsync(record);
      for (const l of this.deps.listeners) l.onDeviceKeyRevoked?.(deviceId);
      return done({ device: deviceViewOf(record), deviceKey: key });
    });
  }

  /**
   * Whether a device presents its current key: a stored device its random key (hash compared),
   * a device built in code (demo, fixtures) the key derived from the server secret.
   */
  keyMatches(deviceId: string, key: unknown): boolean {
    const record = this.records.get(deviceId);
    if (record) return record.patientId !== null && deviceKeyMatches(record.keyHash, key);
    return this.deps.codeDevices.has(deviceId) && verifyDeviceKey(this.deps.secret, deviceId, key);
  }

  /** Notes a device's contact (and the firmware it reported), so the list shows it after a restart. */
  noteContact(deviceId: string, at: number, firmware: string | null): Promise<void> {
    return this.deps.changes.run(async () => {
      const known = this.records.get(deviceId);
      if (!known) return;
      const reported = firmware !== null && firmware !== UNKNOWN_FIRMWARE ? firmware : known.firmware;
      const record: DeviceRecord = { ...known, lastContactAt: at, firmware: reported };
      await this.putAsync(record);
    });
  }
}

export function deviceViewOf(record: DeviceRecord): DeviceView {
  const { keyHash: _hash, ...view } = record;
  return view;
}
