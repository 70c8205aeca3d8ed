/**
 * What the sign-in, setup and account pages send and receive (issue 8). The pages validate their
 * forms with these schemas and the server parses every body with the same ones, so both say what
 * is wrong in the same words, next to the same field.
 */
import { z } from "zod";
import { emailSchema, type StaffView } from "./records.ts";

/** Long enough to resist guessing, short enough that hashing it costs nothing unusual (NIST 800-63B). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 200;

/** A new password: length is the rule; no composition rules (NIST 800-63B). */
export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN, `A password is at least ${PASSWORD_MIN} characters.`)
  .max(PASSWORD_MAX, `A password is at most ${PASSWORD_MAX} characters.`);

/** A password as typed at sign-in: any non-empty string (the old rules may have been different). */
const givenPasswordSchema = z
  .string()
  .min(1, "Enter your password.")
  .max(PASSWORD_MAX, `A password is at most ${PASSWORD_MAX} characters.`);

export const passwordSignInSchema = z.strictObject({
  email: emailSchema,
  password: givenPasswordSchema,
});
export type PasswordSignIn = z.infer<typeof passwordSignInSchema>;

export const changePasswordSchema = z.strictObject({
  /** Null when the account has no password yet (it signed in with a passkey or SSO). */
  currentPassword: givenPasswordSchema.nullable(),
  newPassword: newPasswordSchema,
});
export type ChangePassword = z.infer<typeof changePasswordSchema>;

/** An enrolment or setup token as it arrives from the page (it read it from the URL's fragment). */
export const enrolmentTokenSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{32,64}$/, "This setup link is not complete: copy the whole link.");

/** What the setup page shows before the person chooses a password or passkey. */
export const enrolmentLookupSchema = z.strictObject({ token: enrolmentTokenSchema });

/**
 * Finishing an enrolment: the first admin also gives their name and e-mail (no account exists yet);
 * a person an admin created only sets a password (the admin typed the rest). A password may be
 * left out when a passkey is registered instead.
 */
export const enrolmentFinishSchema = z.strictObject({
  token: enrolmentTokenSchema,
  displayName: z
    .string()
    .trim()
    .min(1, "Enter your name.")
    .max(80, "A name is at most 80 characters.")
    .optional(),
  email: emailSchema.optional(),
  password: newPasswordSchema.nullable().default(null),
});
export type EnrolmentFinish = z.infer<typeof enrolmentFinishSchema>;

/** A WebAuthn response from @simplewebauthn/browser; its inner shape is checked by @simplewebauthn/server. */
const webAuthnResponse = z.looseObject({
  id: z.string().min(1).max(1024),
  rawId: z.string().min(1).max(1024),
  type: z.literal("public-key"),
  response: z.looseObject({ clientDataJSON: z.string().max(8192) }),
});

export const passkeyRegisterSchema = z.strictObject({
  response: webAuthnResponse,
  /** What the person calls this passkey ("Surgery laptop"). */
  label: z.string().trim().max(60, "A name for a passkey is at most 60 characters.").default(""),
});

export const passkeyVerifySchema = z.strictObject({
  /** The id `POST /api/auth/passkey/options` answered with (which challenge this answers). */
  challengeId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "Start the passkey sign-in again."),
  response: webAuthnResponse,
});

/** `DELETE /api/account/passkeys/:credentialId`: one of one's own passkeys (a lost laptop). */
export const passkeyParamsSchema = z.strictObject({
  credentialId: z.string().regex(/^[A-Za-z0-9_-]{1,1024}$/, "Not a passkey id."),
});

/** What the account card lists of a passkey: never the key itself. */
export interface PasskeyView {
  credentialId: string;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** `GET /api/session`: who is signed in on this browser, and what the start and sign-in pages offer. */
export interface SessionInfo {
  staff: StaffView | null;
  csrfToken: string | null;
  demo: boolean;
  sso: boolean;
  /** The single sign-on button's words ("Sign in with Northside SSO"); null without SSO. */
  ssoName?: string | null;
}

/** `POST /api/auth/setup/lookup`: who the link is for. */
export interface EnrolmentInfo {
  /** True for the first admin of a new clinic: the page asks for name and e-mail too. */
  firstAdmin: boolean;
  displayName: string | null;
  email: string | null;
  expiresAt: number;
}
