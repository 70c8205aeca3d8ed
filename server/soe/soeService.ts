/**
 * Clinic-wide SOE ingestion: pairing and units, plausibility per patient, exactly-once durable
 * storage, firmware quarantine, and hand-off to the treatment sessions.
 */
import {
  type DeviceBatch,
  type DeviceBatchAck,
  type DeviceView,
  ErrorCode,
  fail,
  ok,
  type Result,
} from "../../shared/protocol.ts";
import { type DropoutFinding, PlausibilityChecker } from "../../shared/soe/plausibility.ts";
import { type CheckedReading, ReadingStatus, SIGNAL_SPECS } from "../../shared/soe/signals.ts";
import type { Clinic, PairedDevice } from "../clinic.ts";
import { createLogger } from "../log.ts";
import type { Storage } from "../storage/storage.ts";
import { DisplayStream } from "./displayStream.ts";
import { IngestWriter } from "./ingestWriter.ts";

const log = createLogger("soe");

export interface SoeListener {
  /** Stored, checked readings of one patient. */
  onReadings(patientId: string, readings: readonly CheckedReading[]): void;
  onDropouts(patientId: string, findings: readonly DropoutFinding[]): void;
  onDevice(patientId: string, device: DeviceView): void;
  onQuarantine(firmware: string, since: number, by: string, retracted: number): void;
}

/** Counters that the server log and the benchmark read. */
export interface SoeStats {
  batches: number;
  readings: number;
  duplicates: number;
  rejected: Record<string, number>;
}

export class SoeService {
  readonly stats: SoeStats = { batches: 0, readings: 0, duplicates: 0, rejected: {} };
  readonly display = new DisplayStream();
  private readonly writer: IngestWriter;
  private readonly checkers = new Map<string, PlausibilityChecker>();
  private readonly quarantined = new Set<string>();
  private readonly firmwareOf = new Map<string, string>();
  private readonly lastSeen = new Map<string, number>();
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
    for (const q of await this.storage.quarantines()) this.quarantined.add(q.firmware);
  }

  isQuarantined(firmware: string): boolean {
    return this.quarantined.has(firmware);
  }

  quarantinedFirmware(): string[] {
    return [...this.quarantined];
  }

  deviceView(device: PairedDevice): DeviceView {
    const firmware = this.firmwareOf.get(device.deviceId) ?? device.firmware;
    return {
      deviceId: device.deviceId,
      firmware,
      tooth: device.tooth,
      quarantined: this.quarantined.has(firmware),
      lastSeenAt: this.lastSeen.get(device.deviceId) ?? null,
    };
  }

  private reject(code: string, message: string, deviceId: string): Result<never> {
    this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + 1;
    log.warn("batch rejected", { deviceId, code });
    return fail(code as ErrorCode, message);
  }

  /** Checks, stores and forwards one device batch. The ack is sent only once the batch is durable. */
  async ingest(deviceId: string, batch: DeviceBatch): Promise<Result<DeviceBatchAck>> {
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
    const checker = this.checkerFor(device.patientId);
    const retracted = this.quarantined.has(batch.firmware);
    const checked: CheckedReading[] = batch.readings.map((reading) => {
      const verdict = checker.check(
        { deviceId, firmware: batch.firmware, reading, receivedAt },
        this.quarantined,
      );
      return {
        ...reading,
        deviceId,
        quality: verdict.quality,
        ...(verdict.reason ? { reason: verdict.reason } : {}),
        status: retracted ? ReadingStatus.enteredInError : ReadingStatus.final,
        receivedAt,
      };
    });
    const outcome = await this.writer.store({
      deviceId,
      patientId: device.patientId,
      seq: batch.seq,
      firmware: batch.firmware,
      readings: checked,
    });
    this.stats.batches += 1;
    if (outcome.duplicate) {
      this.stats.duplicates += 1;
      return ok({ seq: batch.seq, stored: 0, duplicate: true });
    }
    this.stats.readings += outcome.stored;
    this.display.push(device.patientId, checked);
    this.listener?.onReadings(device.patientId, checked);
    return ok({ seq: batch.seq, stored: outcome.stored, duplicate: false });
  }

  private checkerFor(patientId: string): PlausibilityChecker {
    let checker = this.checkers.get(patientId);
    if (!checker) {
      checker = new PlausibilityChecker();
      this.checkers.set(patientId, checker);
    }
    return checker;
  }

  private noteFirmware(device: PairedDevice, firmware: string, at: number): void {
    const before = this.firmwareOf.get(device.deviceId);
    const firstSeen = !this.lastSeen.has(device.deviceId);
    this.firmwareOf.set(device.deviceId, firmware);
    const lastAt = this.lastSeen.get(device.deviceId) ?? 0;
    this.lastSeen.set(device.deviceId, at);
    // Tell the room about firmware changes at once, and refresh "last seen" every few seconds.
    if (before !== firmware || firstSeen || at - lastAt > 5_000) {
      if (before !== firmware) log.info("device firmware changed", { deviceId: device.deviceId, firmware });
      this.listener?.onDevice(device.patientId, this.deviceView(device));
    }
  }

  /** Once a second: devices that stopped sending. */
  tick(): void {
    const now = this.now();
    for (const [patientId, checker] of this.checkers) {
      const findings = checker.dropouts(now);
      if (findings.length) this.listener?.onDropouts(patientId, findings);
    }
  }

  /** Quarantines a firmware clinic-wide and retracts its readings since a time (kept, never deleted). */
  async quarantine(
    firmware: string,
    since: number,
    by: string,
  ): Promise<Result<{ devices: number; retracted: number }>> {
    const at = this.now();
    if (since > at) return fail(ErrorCode.badPayload, "The retraction time cannot be in the future.");
    await this.storage.saveQuarantine({ firmware, since, by, at });
    const retracted = await this.storage.retractReadings(firmware, since);
    this.quarantined.add(firmware);
    let devices = 0;
    for (const device of this.clinic.devices.values()) {
      if ((this.firmwareOf.get(device.deviceId) ?? device.firmware) !== firmware) continue;
      devices += 1;
      this.listener?.onDevice(device.patientId, this.deviceView(device));
    }
    log.warn("firmware quarantined", { firmware, since, devices, retracted });
    this.listener?.onQuarantine(firmware, since, by, retracted);
    return ok({ devices, retracted });
  }

  async drain(): Promise<void> {
    await this.writer.drain();
  }
}
