/**
 * The rules of a firmware quarantine and its lift, pure: which version may be named, how far back
 * readings may be retracted, when the clinician must confirm with the counts first, and what the
 * clinic's firmware state is after a list of actions. SoeService gathers the facts and applies.
 */
import {
  ErrorCode,
  type FirmwareAction,
  type FirmwareImpact,
  fail,
  ok,
  type Result,
} from "../../shared/protocol.ts";
import { FirmwareChannel, type FirmwareRelease } from "../clinic.ts";

/**
 * How far back a quarantine may retract readings: 30 days. A firmware fault is usually found
 * within days of a rollout; older readings have already been used for care, and correcting them
 * is a records review, not a button in a treatment room.
 */
export const MAX_RETRACTION_MS = 30 * 24 * 60 * 60_000;

/**
 * A version that this share of the clinic's devices runs is in normal use even when the firmware
 * list does not mark it as a release (DOMAIN.md: a staged rollout past 50 % is general use).
 */
export const NORMAL_USE_SHARE = 0.5;

/** What the clinic knows about one version when a quarantine is asked for. */
export interface FirmwareFacts {
  /** Its entry in the clinic's firmware list, if listed. */
  listed: FirmwareRelease | undefined;
  /** A device of the clinic has reported it (now or in stored readings). */
  seen: boolean;
  /** It is quarantined in the clinic right now. */
  active: boolean;
  /** Devices of the clinic, and how many run this version now. */
  clinicDevices: number;
  impact: FirmwareImpact;
}

export interface QuarantineAsk {
  firmware: string;
  since: number;
  confirm: boolean;
}

/** A retraction window must start in the past, and at most MAX_RETRACTION_MS ago. */
export function checkSince(since: number, now: number): Result<null> {
  if (since > now) return fail(ErrorCode.badPayload, "The retraction time cannot be in the future.");
  if (since < now - MAX_RETRACTION_MS) {
    return fail(
      ErrorCode.badPayload,
      "Readings can be retracted for the last 30 days at most; pick a later start.",
    );
  }
  return ok(null);
}

/** A release in the clinic's firmware list, or a version most of its devices run. */
export function inNormalUse(facts: FirmwareFacts): boolean {
  if (facts.listed?.channel === FirmwareChannel.release) return true;
  return facts.clinicDevices > 0 && facts.impact.devices / facts.clinicDevices >= NORMAL_USE_SHARE;
}

/**
 * Whether a quarantine may go ahead now. An unknown version or an active one is refused; a version
 * in normal use needs `confirm`, and the refusal carries the counts it would touch.
 */
export function decideQuarantine(ask: QuarantineAsk, facts: FirmwareFacts, now: number): Result<null> {
  const since = checkSince(ask.since, now);
  if (!since.ok) return since;
  if (facts.listed === undefined && !facts.seen) {
    return fail(
      ErrorCode.notFound,
      `Firmware ${ask.firmware} is not in this clinic's firmware list and no device here has reported it.`,
    );
  }
  if (facts.active) {
    return fail(
      ErrorCode.illegalTransition,
      `Firmware ${ask.firmware} is already quarantined here; lift it first to quarantine it again.`,
    );
  }
  if (inNormalUse(facts) && !ask.confirm) {
    const { devices, patients, readings } = facts.impact;
    return {
      ok: false,
      error: {
        code: ErrorCode.confirmationRequired,
        message:
          `Firmware ${ask.firmware} is in normal use: quarantining it flags ${devices} device(s) and ` +
          `retracts ${readings} reading(s) of ${patients} patient(s). Confirm to go ahead.`,
        impact: facts.impact,
      },
    };
  }
  return ok(null);
}

/** A lift needs an active quarantine of that exact version in the clinic. */
export function decideLift(firmware: string, active: boolean): Result<null> {
  if (!active) return fail(ErrorCode.notFound, `Firmware ${firmware} is not quarantined in this clinic.`);
  return ok(null);
}

/** Versions quarantined now, after a clinic's actions in order (the last action per version wins). */
export function activeQuarantines(history: readonly FirmwareAction[]): Set<string> {
  const active = new Set<string>();
  for (const a of history) {
    if (a.action === "quarantine") active.add(a.firmware);
    else active.delete(a.firmware);
  }
  return active;
}
