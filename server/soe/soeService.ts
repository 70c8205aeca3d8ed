/**
 * SOE ingestion for every clinic the server hosts: pairing and units, plausibility per patient,
 * exactly-once durable storage per (device, boot, seq), firmware quarantine and lift per clinic,
 * and hand-off to the treatment sessions.
 */
import { createHash } from "node:crypto";
import {
  type DeviceBatch,
  type DeviceBatchAck,
  type DeviceView,
  ErrorCode,
  type FirmwareAction,
  type FirmwareImpact,
  type FirmwareQuarantineOutcome,
  fail,
  ok,
  type Result,
} from "../../shared/protocol.ts";
import { PatientTrust, type RuledReading } from "../../shared/soe/deviceTrust.ts";
import type { DropoutFinding } from "../../shared/soe/plausibility.ts";
import { SIGNAL_SPECS } from "../../shared/soe/signals.ts";
import { type Clinic, clinicOf, type PairedDevice } from "../clinic.ts";
import { createLogger } from "../log.ts";
import type { Storage } from "../storage/storage.ts";
import { DisplayStream } from "./displayStream.ts";
import { activeQuarantines, decideLift, decideQuarantine } from "./firmwarePolicy.ts";
import { IngestWriter } from "./ingestWriter.ts";

/** How often a streaming device's "last seen" reaches the room. */
const LAST_SEEN_EVERY_MS = 5_000;

const log = createLogger("soe");

export interface SoeListener {
  /** Stored, checked readings of one patient. */
  onReadings(patientId: string, readings: readonly RuledReading[]): void;
  onDropouts(patientId: string, findings: readonly DropoutFinding[]): void;
  onDevice(patientId: string, device: DeviceView): void;
  /** A quarantine or lift in one clinic: only that clinic's rooms hear of it. */
  onFirmwareAction(clinicId: string, action: FirmwareAction): void;
  /** A device reused a sequence number of its boot for other content (nothing was stored). */
  onSeqConflict(patientId: string, device: PairedDevice, seq: number): void;
}

/** What a clinician asks when quarantining a firmware. */
export interface QuarantineRequest {
  firmware: string;
  since: number;
  reason: string;
  confirm: boolean;
}

/** Counters that the server log and the benchmark read. */
export interface SoeStats {
  batches: number;
  readings: number;
  duplicates: number;
  conflicts: number;
  rejected: Record<string, number>;
}

export class SoeService {
  readonly stats: SoeStats = { batches: 0, readings: 0, duplicates: 0, conflicts: 0, rejected: {} };
  readonly display = new DisplayStream();
  private readonly writer: IngestWriter;
  /** Each patient's trust in their devices: the one place readings get their quality. */
  private readonly trusts = new Map<string, PatientTrust>();
  /** Quarantined versions per clinic, and each clinic's quarantines and lifts in order. */
  private readonly quarantined = new Map<string, Set<string>>();
  private readonly history = new Map<string, FirmwareAction[]>();
  /** Quarantines and lifts being stored now, per clinic and version (a double click waits its turn). */
  private readonly firmwareBusy = new Set<string>();
  private readonly firmwareOf = new Map<string, string>();
  private readonly lastSeen = new Map<string, number>();
  /** When each device's "last seen" was last sent to its room (throttled to LAST_SEEN_EVERY_MS). */
  private readonly lastSeenSent = new Map<string, number>();
  private listener: SoeListener | null = null;

  constructor(
    private readonly clinic: Clinic,
    private readonly storage: Storage,
    private readonly now: () => number,
  ) {
    this.writer = new IngestWriter(storage);
    for (const d of clinic.devices.values()) this.firmwareOf.set(d.deviceId, d.firmware);
  }

  async init(listener: SoeListener): Promise<void> {
    this.listener = listener;
    for (const { clinicId, action } of await this.storage.firmwareActions()) {
      this.historyOf(clinicId).push(action);
    }
    for (const [clinicId, actions] of this.history)
      this.quarantined.set(clinicId, activeQuarantines(actions));
  }

  isQuarantined(clinicId: string, firmware: string): boolean {
    return this.quarantinedIn(clinicId).has(firmware);
  }

  quarantinedFirmware(clinicId: string): string[] {
    return [...this.quarantinedIn(clinicId)];
  }

  /** Quarantines and lifts of one clinic, oldest first. */
  firmwareHistory(clinicId: string): FirmwareAction[] {
    return [...(this.history.get(clinicId) ?? [])];
  }

  deviceView(device: PairedDevice): DeviceView {
    const firmware = this.firmwareOf.get(device.deviceId) ?? device.firmware;
    return {
      deviceId: device.deviceId,
      firmware,
      tooth: device.tooth,
      quarantined: this.isQuarantined(device.clinicId, firmware),
      lastSeenAt: this.lastSeen.get(device.deviceId) ?? null,
    };
  }

  private quarantinedIn(clinicId: string): Set<string> {
    let set = this.quarantined.get(clinicId);
    if (!set) {
      set = new Set();
      this.quarantined.set(clinicId, set);
    }
    return set;
  }

  private historyOf(clinicId: string): FirmwareAction[] {
    let list = this.history.get(clinicId);
    if (!list) {
      list = [];
      this.history.set(clinicId, list);
    }
    return list;
  }

  private reject(code: string, message: string, deviceId: string): Result<never> {
    this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + 1;
    log.warn("batch rejected", { deviceId, code });
    return fail(code as ErrorCode, message);
  }

  /**
   * Checks, stores and forwards one batch of a device's boot. The ack is sent only once the batch
   * is durable. A seq repeated within the boot is a duplicate when its content is the same, and
   * a `seq_conflict` (nothing stored, a technical alarm) when it differs.
   */
  async ingest(deviceId: string, bootId: string, batch: DeviceBatch): Promise<Result<DeviceBatchAck>> {
    const device = this.clinic.devices.get(deviceId);
    if (!device)
      return this.reject(
        ErrorCode.deviceUnpaired,
        `Device ${deviceId} is not paired with a patient.`,
        deviceId,
      );
    for (const r of batch.readings) {
      const spec = SIGNAL_SPECS[r.signal];
      if (r.unit !== spec.unit) {
        return this.reject(
          ErrorCode.unknownUnit,
          `Unit "${r.unit}" is not valid for ${spec.label} (expected ${spec.unit}).`,
          deviceId,
        );
      }
      if (!device.signals.includes(r.signal)) {
        return this.reject(
          ErrorCode.deviceUnpaired,
          `Device ${deviceId} is not paired for ${spec.label}.`,
          deviceId,
        );
      }
      if ((r.tooth ?? null) !== device.tooth) {
        return this.reject(
          ErrorCode.deviceUnpaired,
          `Device ${deviceId} is paired with tooth ${device.tooth ?? "none"} and cannot write readings for ${r.tooth ?? "none"}.`,
          deviceId,
        );
      }
    }
    const receivedAt = this.now();
    this.noteFirmware(device, batch.firmware, receivedAt);
    const trust = this.trustFor(device.patientId);
    const checked = trust.judge(
      { deviceId, firmware: batch.firmware, readings: batch.readings, receivedAt },
      this.quarantinedIn(device.clinicId),
    );
    const outcome = await this.writer.store({
      deviceId,
      bootId,
      patientId: device.patientId,
      seq: batch.seq,
      digest: batchDigest(batch),
      firmware: batch.firmware,
      readings: checked,
    });
    this.stats.batches += 1;
    if (outcome.conflict) {
      this.stats.conflicts += 1;
      log.warn("sequence conflict", { deviceId, seq: batch.seq });
      this.listener?.onSeqConflict(device.patientId, device, batch.seq);
      return this.reject(
        ErrorCode.seqConflict,
        `Batch ${batch.seq} of this boot was already stored with other content; nothing was stored. Restart the device's counter with a new boot id.`,
        deviceId,
      );
    }
    if (outcome.duplicate) {
      this.stats.duplicates += 1;
      trust.noteDuplicate(deviceId, receivedAt);
      return ok({ seq: batch.seq, stored: 0, duplicate: true });
    }
    this.stats.readings += outcome.stored;
    this.display.push(device.patientId, checked);
    this.listener?.onReadings(device.patientId, checked);
    return ok({ seq: batch.seq, stored: outcome.stored, duplicate: false });
  }

  private trustFor(patientId: string): PatientTrust {
    let trust = this.trusts.get(patientId);
    if (!trust) {
      trust = new PatientTrust();
      this.trusts.set(patientId, trust);
    }
    return trust;
  }

  private noteFirmware(device: PairedDevice, firmware: string, at: number): void {
    const before = this.firmwareOf.get(device.deviceId);
    const firstSeen = !this.lastSeen.has(device.deviceId);
    this.firmwareOf.set(device.deviceId, firmware);
    this.lastSeen.set(device.deviceId, at);
    // Tell the room about firmware changes at once, and refresh "last seen" every few seconds
    // while data flows. (It was compared with the previous batch's time, so a streaming device
    // was announced once and then read "3 min ago · Silent" forever.)
    const announcedAt = this.lastSeenSent.get(device.deviceId) ?? Number.NEGATIVE_INFINITY;
    if (before !== firmware || firstSeen || at - announcedAt >= LAST_SEEN_EVERY_MS) {
      if (before !== firmware) log.info("device firmware changed", { deviceId: device.deviceId, firmware });
      this.lastSeenSent.set(device.deviceId, at);
      this.listener?.onDevice(device.patientId, this.deviceView(device));
    }
  }

  /** Once a second: devices that stopped sending. */
  tick(): void {
    const now = this.now();
    for (const [patientId, trust] of this.trusts) {
      this.listener?.onDropouts(patientId, trust.dropouts(now));
    }
  }

  /** What quarantining a version in a clinic from `since` would touch, and whether it was ever seen. */
  private async impactOf(
    devices: readonly PairedDevice[],
    firmware: string,
    since: number,
  ): Promise<{ impact: FirmwareImpact; seen: boolean }> {
    const usage = await this.storage.firmwareUsage(
      firmware,
      devices.map((d) => d.deviceId),
      since,
    );
    const running = devices.filter((d) => this.currentFirmware(d) === firmware);
    const patients = new Set([...usage.patientIds, ...running.map((d) => d.patientId)]);
    return {
      impact: { firmware, since, devices: running.length, patients: patients.size, readings: usage.readings },
      seen: usage.seen || running.length > 0,
    };
  }

  /**
   * Quarantines one exact firmware version in one clinic and retracts its readings there since a
   * time (kept, never deleted). Refused for an unknown or already quarantined version; a version
   * in normal use first answers `confirmation_required` with the counts it touches.
   */
  async quarantine(
    clinicId: string,
    request: QuarantineRequest,
    by: string,
  ): Promise<Result<FirmwareQuarantineOutcome>> {
    return this.oneAtATime(clinicId, request.firmware, () => this.quarantineNow(clinicId, request, by));
  }

  /**
   * Lifts a quarantine in one clinic: new readings of the version are trusted again; readings
   * retracted before stay retracted, and the lift joins the clinic's history.
   */
  async lift(
    clinicId: string,
    firmware: string,
    reason: string,
    by: string,
  ): Promise<Result<FirmwareAction>> {
    return this.oneAtATime(clinicId, firmware, () => this.liftNow(clinicId, firmware, reason, by));
  }

  /** Checks and stores run apart from another action on the same version, so both see a settled state. */
  private async oneAtATime<T>(
    clinicId: string,
    firmware: string,
    action: () => Promise<Result<T>>,
  ): Promise<Result<T>> {
    const key = `${clinicId}\u0000${firmware}`;
    if (this.firmwareBusy.has(key)) {
      return fail(
        ErrorCode.illegalTransition,
        `A quarantine or lift of ${firmware} is being stored; try again.`,
      );
    }
    this.firmwareBusy.add(key);
    try {
      return await action();
    } finally {
      this.firmwareBusy.delete(key);
    }
  }

  private async quarantineNow(
    clinicId: string,
    request: QuarantineRequest,
    by: string,
  ): Promise<Result<FirmwareQuarantineOutcome>> {
    const at = this.now();
    const { firmware, since } = request;
    const devices = this.devicesIn(clinicId);
    const { impact, seen } = await this.impactOf(devices, firmware, since);
    const decision = decideQuarantine(
      { firmware, since, confirm: request.confirm },
      {
        listed: clinicOf(this.clinic, clinicId).firmware.find((f) => f.version === firmware),
        seen,
        active: this.isQuarantined(clinicId, firmware),
        clinicDevices: devices.length,
        impact,
      },
      at,
    );
    if (!decision.ok) return decision;
    const action = { action: "quarantine" as const, firmware, since, at, by, reason: request.reason };
    const retracted = await this.storage.quarantineFirmware(
      clinicId,
      devices.map((d) => d.deviceId),
      action,
    );
    const stored: FirmwareAction = { ...action, retracted };
    this.historyOf(clinicId).push(stored);
    this.quarantinedIn(clinicId).add(firmware);
    this.announce(clinicId, firmware, stored);
    log.warn("firmware quarantined", { clinicId, firmware, since, devices: impact.devices, retracted });
    return ok({ devices: impact.devices, patients: impact.patients, retracted });
  }

  private async liftNow(
    clinicId: string,
    firmware: string,
    reason: string,
    by: string,
  ): Promise<Result<FirmwareAction>> {
    const decision = decideLift(firmware, this.isQuarantined(clinicId, firmware));
    if (!decision.ok) return decision;
    const action: FirmwareAction = { action: "lift", firmware, at: this.now(), by, reason };
    await this.storage.liftFirmware(clinicId, action);
    this.historyOf(clinicId).push(action);
    this.quarantinedIn(clinicId).delete(firmware);
    this.announce(clinicId, firmware, action);
    log.warn("firmware quarantine lifted", { clinicId, firmware });
    return ok(action);
  }

  /**
   * A quarantine or lift that another node stored (it came over the node bus): this node's view of
   * the clinic follows, so its readings are marked the same way, and its rooms hear of it.
   */
  applyFirmwareActionFromAnotherNode(clinicId: string, action: FirmwareAction): void {
    this.historyOf(clinicId).push(action);
    if (action.action === "quarantine") this.quarantinedIn(clinicId).add(action.firmware);
    else this.quarantinedIn(clinicId).delete(action.firmware);
    this.announce(clinicId, action.firmware, action);
  }

  private announce(clinicId: string, firmware: string, action: FirmwareAction): void {
    this.listener?.onFirmwareAction(clinicId, action);
    for (const device of this.devicesIn(clinicId)) {
      if (this.currentFirmware(device) === firmware) {
        this.listener?.onDevice(device.patientId, this.deviceView(device));
      }
    }
  }

  private devicesIn(clinicId: string): PairedDevice[] {
    return [...this.clinic.devices.values()].filter((d) => d.clinicId === clinicId);
  }

  private currentFirmware(device: PairedDevice): string {
    return this.firmwareOf.get(device.deviceId) ?? device.firmware;
  }

  async drain(): Promise<void> {
    await this.writer.drain();
  }
}

/**
 * Digest of what a device sent under one seq: firmware and readings in schema order (the parsed
 * batch has a fixed key order), so a resend matches and any changed value does not.
 */
export function batchDigest(batch: DeviceBatch): string {
  return createHash("sha256")
    .update(JSON.stringify([batch.firmware, batch.readings]))
    .digest("base64url");
}
