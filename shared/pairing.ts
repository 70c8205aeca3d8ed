/**
 * Pairing the patient's headset (RFC 8628 device authorization grant) and inviting observers
 * (issue 8): the request bodies both sides parse with the same schemas, and the answers' types.
 * The headset shows a short user code; a clinician types it into the appointment; the headset's
 * poll then receives its credential as an HttpOnly cookie, never in a URL or a response body.
 */
import { z } from "zod";

/**
 * The user code's alphabet: capitals and digits a person cannot confuse when reading them off a
 * headset and typing them (no 0/O, 1/I/L, 5/S, 2/Z, 8/B). 25^6 ≈ 244 million codes.
 */
export const USER_CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY";
export const USER_CODE_LENGTH = 6;

/** How long a code stays valid, and how often the headset may poll (RFC 8628 `expires_in`, `interval`). */
export const PAIRING_EXPIRES_IN_S = 600;
export const PAIRING_INTERVAL_S = 2;

/** What a person may type: spaces, dashes and lower case are forgiven; look-alikes are not guessed. */
export function normaliseUserCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, "");
}

export const userCodeSchema = z
  .string()
  .max(20, "A pairing code has 6 characters.")
  .transform(normaliseUserCode)
  .pipe(
    z
      .string()
      .length(USER_CODE_LENGTH, "A pairing code has 6 characters.")
      .refine(
        (s) => [...s].every((c) => USER_CODE_ALPHABET.includes(c)),
        "This is not a pairing code: check the characters on the headset.",
      ),
  );

/** `POST /api/headset/code`: the headset sends an empty object. */
export const headsetCodeRequestSchema = z.strictObject({});

/** `POST /api/headset/token`: the headset's poll with its secret device code. */
export const headsetTokenInputSchema = z.strictObject({
  deviceCode: z.string().min(20).max(100),
});

/** `POST /api/appointments/:id/headset/lookup` and `POST /api/appointments/:id/headset`. */
export const headsetCodeInputSchema = z.strictObject({ userCode: userCodeSchema });

/** `:appointmentId` in the appointment routes. */
export const appointmentParamsSchema = z.strictObject({
  appointmentId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "An appointment id is 1–64 lowercase letters, digits and -."),
});

/** `POST /api/headset/code`'s answer. `deviceCode` is the headset's secret; `userCode` is shown. */
export interface HeadsetCode {
  deviceCode: string;
  userCode: string;
  expiresIn: number;
  interval: number;
}

/**
 * The states of a headset's poll (RFC 8628 section 3.5). They are expected answers, not failures,
 * so the token route answers them all with 200 and this union; `approved` comes with the cookie.
 */
export const PollStatus = {
  pending: "authorization_pending",
  slowDown: "slow_down",
  expired: "expired_token",
  denied: "access_denied",
  approved: "approved",
} as const;
export type PollStatus = (typeof PollStatus)[keyof typeof PollStatus];

export type HeadsetPoll =
  | { status: typeof PollStatus.pending; interval: number }
  | { status: typeof PollStatus.slowDown; interval: number }
  | { status: typeof PollStatus.expired }
  | { status: typeof PollStatus.denied }
  | { status: typeof PollStatus.approved; appointmentId: string };

/** The clinician's look-up: whose appointment the headset would join, to confirm by name. */
export interface HeadsetLookup {
  appointmentId: string;
  patientName: string;
}

/** Whether an appointment has a paired headset (the panel's card). */
export interface HeadsetStatus {
  paired: boolean;
  pairedAt: number | null;
}

// -- observers --------------------------------------------------------------------------------

export const OBSERVER_MAX_HOURS = 24;

export const observerInviteInputSchema = z.strictObject({
  displayName: z
    .string()
    .trim()
    .min(1, "Enter who is invited (a name the room shows).")
    .max(60, "A name is at most 60 characters."),
  hours: z
    .number({ error: "Say for how many hours the link works." })
    .int("Whole hours, please.")
    .min(1, "A link works for at least 1 hour.")
    .max(OBSERVER_MAX_HOURS, `A link works for at most ${OBSERVER_MAX_HOURS} hours.`),
});
export type ObserverInviteInput = z.infer<typeof observerInviteInputSchema>;

export const observerInviteParamsSchema = appointmentParamsSchema.extend({
  inviteId: z.string().regex(/^[A-Za-z0-9_-]{8,40}$/, "Not an invite id."),
});

export const InviteState = {
  /** Not opened yet. */
  open: "open",
  /** Opened: the link is used up, the observer's browser holds the credential. */
  joined: "joined",
  expired: "expired",
  revoked: "revoked",
} as const;
export type InviteState = (typeof InviteState)[keyof typeof InviteState];

/** What the care team sees of an invite: never its link or credential. */
export interface ObserverInviteView {
  inviteId: string;
  appointmentId: string;
  displayName: string;
  createdAt: number;
  expiresAt: number;
  state: InviteState;
}

/** `POST /api/appointments/:id/observers`'s answer: the link is shown this once. */
export interface ObserverInviteCreated {
  invite: ObserverInviteView;
  link: string;
}
