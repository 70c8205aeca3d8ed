/**
 * Telemetry at display rate: readings collected between ticks, with high-rate signals reduced to
 * one peak-preserving sample per device per 100 ms of sample time (storage keeps every sample).
 */
import { RATES } from "../../shared/protocol.ts";
import { type CheckedReading, SIGNAL_SPECS } from "../../shared/soe/signals.ts";

const DISPLAY_MAX_HZ = RATES.displaySampleHz;
const BUCKET_MS = 1000 / DISPLAY_MAX_HZ;

export class DisplayStream {
  private readonly pending = new Map<string, CheckedReading[]>();

  push(patientId: string, readings: readonly CheckedReading[]): void {
    let list = this.pending.get(patientId);
    if (!list) {
      list = [];
      this.pending.set(patientId, list);
    }
    for (const r of readings) list.push(r);
  }

  /** Takes what arrived since the last tick, per patient, downsampled. */
  take(): Map<string, CheckedReading[]> {
    const out = new Map<string, CheckedReading[]>();
    for (const [patientId, list] of this.pending) {
      if (list.length) out.set(patientId, downsample(list));
    }
    this.pending.clear();
    return out;
  }
}

/**
 * Keeps low-rate readings as they are. For high-rate signals keeps, per device and 100 ms of
 * sample time, the largest valid value (a bite-force peak must not vanish from the chart), and
 * every reading that is not valid (the chart shows why).
 */
export function downsample(readings: readonly CheckedReading[]): CheckedReading[] {
  const out: CheckedReading[] = [];
  const peaks = new Map<string, CheckedReading>();
  for (const r of readings) {
    if (SIGNAL_SPECS[r.signal].sampleHz <= DISPLAY_MAX_HZ || r.quality !== "valid") {
      out.push(r);
      continue;
    }
    const key = `${r.deviceId}|${r.signal}|${Math.floor(r.t / BUCKET_MS)}`;
    const best = peaks.get(key);
    if (!best || r.value > best.value) peaks.set(key, r);
  }
  for (const r of peaks.values()) out.push(r);
  return out;
}
