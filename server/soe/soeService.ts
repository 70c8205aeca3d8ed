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
import type { RuledReading } from "../../shared/soe/alarmRules.ts";
import { type DropoutFinding, PlausibilityChecker } from "../../shared/soe/plausibility.ts";
import { Quality, ReadingStatus, SIGNAL_SPECS } from "../../shared/soe/signals.ts";
import type { Clinic, PairedDevice } from "../clinic.ts";
import { createLogger } from "../log.ts";
import type { Storage } from "../storage/storage.ts";
import { DisplayStream } from "./displayStream.ts";
import { IngestWriter } from "./ingestWriter.ts";

const log = createLogger("soe");

/** Duplicates from one device within the window that mark it as replaying. */
const DUPLICATES_TO_SUSPECT = 3;
const DUPLICATE_WINDOW_MS = 30_000;
const DUPLICATE_SUSPECT_MS = 60_000;

export interface SoeListener {
  /** Stored, checked readings of one patient. */
  onReadings(patientId: string, readings: readonly RuledReading[]): void;
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
  private readonly duplicateTimes = new Map<string, number[]>();
  private readonly replayingUntil = new Map<string, number>();
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
    const replaying = this.isReplaying(deviceId, receivedAt);
    const status = retracted ? ReadingStatus.enteredInError : ReadingStatus.final;
    // Built field by field: this runs for every reading (50 Hz bite force), and spreads are slow.
    const checked: RuledReading[] = batch.readings.map((reading) => {
      const verdict = checker.check(
        { deviceId, firmware: batch.firmware, reading, receivedAt },
        this.quarantined,
      );
      const out: RuledReading = {
        deviceId,
        signal: reading.signal,
        t: reading.t,
        value: reading.value,
        unit: reading.unit,
        quality: verdict.quality,
        status,
        receivedAt,
      };
      if (reading.tooth !== undefined) out.tooth = reading.tooth;
      if (verdict.reason !== undefined) out.reason = verdict.reason;
      if (verdict.rule !== undefined) out.rule = verdict.rule;
      if (replaying && out.quality === Quality.valid) {
        out.quality = Quality.suspect;
        out.reason = `${SIGNAL_SPECS[reading.signal].label} device keeps resending duplicate packets: firmware fault suspected`;
      }
      return out;
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
      this.noteDuplicate(deviceId, receivedAt);
      return ok({ seq: batch.seq, stored: 0, duplicate: true });
    }
    this.stats.readings += outcome.stored;
    this.display.push(device.patientId, checked);
    this.listener?.onReadings(device.patientId, checked);
    return ok({ seq: batch.seq, stored: outcome.stored, duplicate: false });
  }

  /**
   * A resend after a reconnect is normal; a device that keeps sending the same packets while
   * connected is not (a firmware fault). Storage stays exact either way (deduplication), but its
   * fresh readings are suspect for a while, so alarms and the interlock see the device as untrusted.
   */
  private noteDuplicate(deviceId: string, at: number): void {
    const times = (this.duplicateTimes.get(deviceId) ?? []).filter((t) => at - t < DUPLICATE_WINDOW_MS);
    times.push(at);
    this.duplicateTimes.set(deviceId, times);
    if (times.length >= DUPLICATES_TO_SUSPECT) this.replayingUntil.set(deviceId, at + DUPLICATE_SUSPECT_MS);
  }

  private isReplaying(deviceId: string, at: number): boolean {
    return (this.replayingUntil.get(deviceId) ?? 0) > at;
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
      this.listener?.onDropouts(patientId, checker.dropouts(now));
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
