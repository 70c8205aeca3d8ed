/**
 * Telemetry at display rate: readings collected between ticks, with high-rate signals reduced to
 * one peak-preserving sample per device per 100 ms of sample time (storage keeps every sample).
 */
import { RATES } from "../../shared/protocol.ts";
import { type CheckedReading, SIGNAL_SPECS } from "../../shared/soe/signals.ts";
import { TokenBucket } from "../rateLimit.ts";

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

/**
 * When the readings waiting for display go out: at once (on the next turn, so the batches of one
 * turn go together) while the send rate allows, else as soon as it does: `ratePerSecond`
 * sustained, with a burst of `burst`, so the batches of a few devices arriving close together do
 * not wait for each other. The care team sees a reading as soon as it is stored. A fixed tick made
 * every reading wait for it: half a tick on average, longer when a busy loop fired it late.
 */
export class DisplayPacer {
  private readonly sends: TokenBucket;
  private pending: { cancel(): void } | null = null;

  constructor(
    ratePerSecond: number,
    burst: number,
    private readonly send: () => void,
    now: () => number = () => performance.now(),
  ) {
    this.sends = new TokenBucket(ratePerSecond, burst, now);
  }

  /** Readings are waiting. */
  request(): void {
    if (this.pending) return;
    const wait = this.sends.msUntil();
    if (wait > 0) {
      const timer = setTimeout(this.sendNow, wait);
      this.pending = { cancel: () => clearTimeout(timer) };
    } else {
      const immediate = setImmediate(this.sendNow);
      this.pending = { cancel: () => clearImmediate(immediate) };
    }
  }

  stop(): void {
    this.pending?.cancel();
    this.pending = null;
  }

  private readonly sendNow = (): void => {
    this.pending = null;
    if (this.sends.take()) this.send();
    else this.request(); // a timer that fired a little early
  };
}
