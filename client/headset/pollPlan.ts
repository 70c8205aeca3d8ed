/**
 * What the headset page does after each answer of the pairing server (RFC 8628 section 3.5), as a
 * pure function: poll again after the interval the server asks for (it grows after `slow_down`),
 * fetch a new code when this one expired or was refused, or enter the room once approved.
 */
import { type HeadsetPoll, PollStatus } from "../../shared/pairing.ts";

export type NextStep =
  | { kind: "poll"; afterMs: number }
  | { kind: "new_code"; afterMs: number; why: string }
  | { kind: "enter"; appointmentId: string };

/** After a refused code, wait a moment so the page does not flicker through codes. */
const NEW_CODE_PAUSE_MS = 3_000;

export function nextStep(poll: HeadsetPoll): NextStep {
  switch (poll.status) {
    case PollStatus.pending:
    case PollStatus.slowDown:
      return { kind: "poll", afterMs: poll.interval * 1000 };
    case PollStatus.expired:
      return { kind: "new_code", afterMs: 0, why: "The code expired: here is a new one." };
    case PollStatus.denied:
      return {
        kind: "new_code",
        afterMs: NEW_CODE_PAUSE_MS,
        why: "Pairing was cancelled at the desk: here is a new code.",
      };
    case PollStatus.approved:
      return { kind: "enter", appointmentId: poll.appointmentId };
  }
}

/**
 * The room's address for an appointment. Only display settings of this page's URL travel on
 * (`xr`: the emulated headset in tests and demos, `quality`): never anything else.
 */
export function roomUrl(appointmentId: string, currentSearch: string): string {
  const from = new URLSearchParams(currentSearch);
  const to = new URLSearchParams({ appointment: appointmentId });
  for (const key of ["xr", "quality"]) {
    const value = from.get(key);
    if (value !== null && /^[a-z0-9-]{1,20}$/.test(value)) to.set(key, value);
  }
  return `/room.html?${to.toString()}`;
}

/** What the QR code encodes: the staff page with the code filled in (the code alone admits nobody). */
export function pairingUrl(origin: string, userCode: string): string {
  return `${origin}/staff.html?pair=${encodeURIComponent(userCode)}`;
}

/** "K7M3QX" as "K7M 3QX": two groups are easier to read aloud and type. */
export function spacedCode(userCode: string): string {
  return `${userCode.slice(0, 3)} ${userCode.slice(3)}`;
}
