/**
 * Fail-safe gate for automated procedure steps (DOMAIN.md): when data a step depends on is not
 * valid, the step does not run and control passes to the clinician with a plain statement. The
 * statuses it reads come from the patient's trust module (deviceTrust.ts `PatientTrust.statuses`).
 */
import { type ProcedureStep, StepKind } from "../procedure/types.ts";
import { Quality, SIGNAL_SPECS, type Signal } from "./signals.ts";

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

function word(label: string): string {
  return label.charAt(0).toLowerCase() + label.slice(1);
}

function assertNever(x: never): never {
  throw new Error(`unexpected step kind ${String(x)}`);
}
