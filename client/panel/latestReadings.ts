/** Latest reading per signal and tooth (or device, for the wearable). Pure. */
import type { CheckedReading, Signal } from "../../shared/soe/signals.ts";

export interface LatestEntry {
  /** Newest sample by sample time, whatever its quality; a retraction of it replaces it. */
  latest: CheckedReading;
  /** Newest valid, non-retracted sample, if any. */
  lastValid: CheckedReading | null;
}

export function isTrusted(r: CheckedReading): boolean {
  return r.quality === "valid" && r.status === "final";
}

function keyOf(signal: Signal, where: number | string): string {
  return `${signal}|${where}`;
}

export class LatestReadings {
  private readonly map = new Map<string, LatestEntry>();

  add(r: CheckedReading): void {
    const key = keyOf(r.signal, r.tooth ?? r.deviceId);
    const entry = this.map.get(key);
    if (entry === undefined) {
      this.map.set(key, { latest: r, lastValid: isTrusted(r) ? r : null });
      return;
    }
    const retraction = r.status === "entered-in-error";
    if (r.t > entry.latest.t || (retraction && r.t === entry.latest.t)) entry.latest = r;
    if (isTrusted(r) && (entry.lastValid === null || r.t >= entry.lastValid.t)) entry.lastValid = r;
    if (retraction && entry.lastValid !== null && entry.lastValid.t === r.t) entry.lastValid = null;
  }

  forTooth(signal: Signal, tooth: number): LatestEntry | undefined {
    return this.map.get(keyOf(signal, tooth));
  }

  forDevice(signal: Signal, deviceId: string): LatestEntry | undefined {
    return this.map.get(keyOf(signal, deviceId));
  }

  /** Teeth that have sent any reading. */
  teethWithReadings(): Set<number> {
    const teeth = new Set<number>();
    for (const e of this.map.values()) if (e.latest.tooth !== undefined) teeth.add(e.latest.tooth);
    return teeth;
  }
}
