/**
 * Fail-safe gate for automated procedure steps (DOMAIN.md): when data a step depends on is not
 * valid, the step does not run and control passes to the clinician with a plain statement.
 */
import { type ProcedureStep, StepKind } from "../procedure/types.ts";
import type { DropoutFinding } from "./plausibility.ts";
import { type CheckedReading, Quality, SIGNAL_SPECS, type Signal } from "./signals.ts";

/** What the interlock knows about one device+signal. */
export interface SignalStatus {
  deviceId: string;
  signal: Signal;
  tooth: number | null;
  quality: Quality | "no_data";
  reason?: string;
}

/** The interlock's answer for one step. */
export type InterlockVerdict = { ok: true } | { ok: false; reason: string };

/** Whether an automated step may run on the data as it is now; other kinds always may. */
export function interlockFor(step: ProcedureStep, statuses: readonly SignalStatus[]): InterlockVerdict {
  switch (step.kind) {
    case StepKind.automated:
      break;
    case StepKind.manual:
    case StepKind.narration:
    case StepKind.checkin:
    case StepKind.consent:
      return { ok: true };
    default:
      return assertNever(step.kind);
  }
  const problems: string[] = [];
  for (const signal of new Set(step.dependsOn)) {
    const label = SIGNAL_SPECS[signal].label;
    const ofSignal = statuses.filter((s) => s.signal === signal);
    if (!SIGNAL_SPECS[signal].perTooth || step.teeth.length === 0) {
      problems.push(...problemsOf(label, null, ofSignal));
      continue;
    }
    for (const tooth of step.teeth) {
      problems.push(
        ...problemsOf(
          label,
          tooth,
          ofSignal.filter((s) => s.tooth === tooth),
        ),
      );
    }
  }
  if (problems.length === 0) return { ok: true };
  const sentence = [...new Set(problems)].map((p, i) => (i === 0 ? p : word(p))).join("; ");
  return { ok: false, reason: `${sentence}: use clinical exam` };
}

/** Plain phrases for what is wrong with one signal on one tooth (or anywhere, for tooth null). */
function problemsOf(label: string, tooth: number | null, relevant: readonly SignalStatus[]): string[] {
  if (relevant.every((s) => s.quality === "no_data")) {
    return [tooth === null ? `No ${word(label)} data` : `No ${word(label)} data for ${tooth}`];
  }
  // Every device must be valid: a valid neighbour does not vouch for a faulty one.
  return relevant
    .filter((s) => s.quality !== Quality.valid)
    .map((s) => {
      const where = s.tooth === null ? "" : ` on ${s.tooth}`;
      const shared = relevant.some((o) => o !== s && o.tooth === s.tooth);
      const sensor = shared ? `${label} sensor ${s.deviceId}${where}` : `${label} sensor${where}`;
      if (s.quality !== "no_data") return `${sensor} unreliable`;
      if (shared) return `No ${word(label)} data from ${s.deviceId}${where}`;
      return s.tooth === null ? `No ${word(label)} data` : `No ${word(label)} data for ${s.tooth}`;
    });
}

interface Entry {
  status: SignalStatus;
  /** Server time of the last non-valid reading, and what it said. */
  badAt: number;
  bad: { quality: Quality; reason?: string } | null;
}

/** Latest status per (deviceId, signal), fed by checked readings and dropout findings. */
export class SignalStatusBoard {
  /** Per device, per signal. */
  private readonly entries = new Map<string, Map<Signal, Entry>>();

  /**
   * @param holdMs after a non-valid reading a stream keeps that quality until valid readings
   *   have come in for this long, so a flapping sensor cannot slip a step through between two
   *   faults (fail safe). 0 keeps the plain latest quality.
   */
  constructor(private readonly holdMs = 30_000) {}

  /** Applies readings, then dropouts; true when any stream's quality appeared or changed. */
  update(change: { readings?: readonly CheckedReading[]; dropouts?: readonly DropoutFinding[] }): boolean {
    let changed = false;
    for (const r of change.readings ?? []) {
      const entry = this.entry(r.deviceId, r.signal, r.tooth ?? null);
      const before = entry.status.quality;
      const tooth = r.tooth ?? null;
      if (r.quality !== Quality.valid) {
        entry.badAt = r.receivedAt;
        entry.bad =
          r.reason === undefined ? { quality: r.quality } : { quality: r.quality, reason: r.reason };
        entry.status = { deviceId: r.deviceId, signal: r.signal, tooth, ...entry.bad };
      } else if (entry.bad !== null && r.receivedAt - entry.badAt < this.holdMs) {
        entry.status = { deviceId: r.deviceId, signal: r.signal, tooth, ...entry.bad };
      } else {
        entry.bad = null;
        entry.status = { deviceId: r.deviceId, signal: r.signal, tooth, quality: Quality.valid };
      }
      changed ||= entry.status.quality !== before;
    }
    for (const f of change.dropouts ?? []) {
      const entry = this.entry(f.deviceId, f.signal, f.tooth);
      changed ||= entry.status.quality !== "no_data";
      entry.status = { deviceId: f.deviceId, signal: f.signal, tooth: f.tooth, quality: "no_data" };
    }
    return changed;
  }

  /** Every stream's current status. */
  statuses(): SignalStatus[] {
    const out: SignalStatus[] = [];
    for (const bySignal of this.entries.values()) {
      for (const { status: s } of bySignal.values()) {
        const copy: SignalStatus = {
          deviceId: s.deviceId,
          signal: s.signal,
          tooth: s.tooth,
          quality: s.quality,
        };
        if (s.reason !== undefined) copy.reason = s.reason;
        out.push(copy);
      }
    }
    return out;
  }

  private entry(deviceId: string, signal: Signal, tooth: number | null): Entry {
    let bySignal = this.entries.get(deviceId);
    if (bySignal === undefined) {
      bySignal = new Map();
      this.entries.set(deviceId, bySignal);
    }
    let e = bySignal.get(signal);
    if (e === undefined) {
      // A stream nobody has heard from yet has no data; its first reading counts as a change.
      e = {
        status: { deviceId, signal, tooth, quality: "no_data" },
        badAt: Number.NEGATIVE_INFINITY,
        bad: null,
      };
      bySignal.set(signal, e);
    }
    return e;
  }
}

function word(label: string): string {
  return label.charAt(0).toLowerCase() + label.slice(1);
}

function assertNever(x: never): never {
  throw new Error(`unexpected step kind ${String(x)}`);
}
