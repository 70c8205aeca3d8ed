/**
 * The clinic's records as the staff area edits them (issue 8): patients, appointments, SOE devices
 * and staff accounts. The browser validates every form with these schemas and the server parses
 * every request body with the same ones, so both say exactly what is wrong, in the same words.
 * Types are derived from the schemas.
 */
import { z } from "zod";
import { planById } from "./procedure/plans.ts";
import { isPermanentTooth } from "./teeth.ts";

/** What a staff account may do; one role per account. */
export const StaffRole = { clinician: "clinician", assistant: "assistant", admin: "admin" } as const;
export type StaffRole = (typeof StaffRole)[keyof typeof StaffRole];
export const staffRoleSchema = z.enum([StaffRole.clinician, StaffRole.assistant, StaffRole.admin]);

/** Server-made ids: lowercase letters, digits and -, as in room names and URLs. */
export const recordIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "An id is 1–64 lowercase letters, digits and -.");

const displayName = z.string().trim().min(1, "Enter a name.").max(80, "A name is at most 80 characters.");
const notes = z.string().trim().max(2000, "Notes are at most 2,000 characters.");

/** A calendar date, YYYY-MM-DD, that exists. */
export const isoDateSchema = z
  .string()
  .min(1, "Enter a date.")
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Write the date as YYYY-MM-DD.")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, "This date does not exist.");

/** Clinic-local date and time, YYYY-MM-DDTHH:MM (the clinic's wall clock, as on the appointment card). */
export const localDateTimeSchema = z
  .string()
  .min(1, "Enter a date and time.")
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Write the time as YYYY-MM-DDTHH:MM.")
  .refine((s) => {
    const d = new Date(`${s}:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 16) === s;
  }, "This date or time does not exist.");

/** An adult permanent tooth, FDI numbering (11–48). */
export const toothSchema = z
  .number()
  .int()
  .refine(isPermanentTooth, "Pick a permanent tooth in FDI numbering (11–48).");

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "An e-mail address is at most 254 characters.")
  .pipe(z.email("Enter an e-mail address like name@clinic.example."));

// -- patients ---------------------------------------------------------------------------------

export const patientInputSchema = z.strictObject({
  displayName,
  dateOfBirth: isoDateSchema.refine(
    (s) => s <= new Date().toISOString().slice(0, 10),
    "The date of birth is in the future.",
  ),
  /** What the team knows about the patient's dental anxiety (free text, staff only). */
  anxietyNotes: notes.default(""),
  /** Comfort preferences: surroundings, music, how much to be told. */
  preferences: notes.default(""),
});
export type PatientInput = z.infer<typeof patientInputSchema>;

export const patientRecordSchema = patientInputSchema.extend({
  patientId: recordIdSchema,
  clinicId: z.string(),
  /** Archived patients keep their records but get no new appointments. */
  archivedAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type PatientRecord = z.infer<typeof patientRecordSchema>;

// -- appointments -----------------------------------------------------------------------------

export const AppointmentStatus = {
  scheduled: "scheduled",
  /** Ended: the headset's credential and observer invites end with it. */
  finished: "finished",
  cancelled: "cancelled",
} as const;
export type AppointmentStatus = (typeof AppointmentStatus)[keyof typeof AppointmentStatus];

/**
 * A plan id as `shared/procedure/plans.ts` knows it: "cleaning", "extraction-48", "sensor-check-36",
 * or a filling "filling-<tooth>-<surfaces>" such as "filling-36-MO" (the tooth is in the id).
 */
export const planIdSchema = z
  .string()
  .max(40)
  .refine((id) => planById(id) !== null, "Pick a treatment plan (a filling needs its tooth and surfaces).");

export const appointmentInputSchema = z.strictObject({
  patientId: recordIdSchema,
  scheduledAt: localDateTimeSchema,
  planId: planIdSchema,
  clinicianId: recordIdSchema,
  assistantId: recordIdSchema.nullable().default(null),
});
export type AppointmentInput = z.infer<typeof appointmentInputSchema>;

export const appointmentRecordSchema = appointmentInputSchema.extend({
  appointmentId: recordIdSchema,
  clinicId: z.string(),
  roomId: z.string(),
  status: z.enum([AppointmentStatus.scheduled, AppointmentStatus.finished, AppointmentStatus.cancelled]),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type AppointmentRecord = z.infer<typeof appointmentRecordSchema>;

// -- SOE devices ------------------------------------------------------------------------------

/** A sensor on a tooth (pH, temperature, bite force, plaque, inflammation) or a heart-rate wearable. */
export const DeviceKind = { soe: "soe", wearable: "wearable" } as const;
export type DeviceKind = (typeof DeviceKind)[keyof typeof DeviceKind];

export const deviceIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{2,63}$/,
    "A device id is 3–64 lowercase letters, digits and - (as printed on the device).",
  );

/** Pairing a device to a patient: an SOE needs its tooth, a wearable has none. */
export const devicePairInputSchema = z
  .strictObject({
    deviceId: deviceIdSchema,
    kind: z.enum([DeviceKind.soe, DeviceKind.wearable]),
    patientId: recordIdSchema,
    tooth: toothSchema.nullable().default(null),
  })
  .superRefine((d, ctx) => {
    if (d.kind === DeviceKind.soe && d.tooth === null) {
      ctx.addIssue({ code: "custom", path: ["tooth"], message: "An SOE sits on a tooth: pick which." });
    }
    if (d.kind === DeviceKind.wearable && d.tooth !== null) {
      ctx.addIssue({ code: "custom", path: ["tooth"], message: "A wearable is not on a tooth." });
    }
  });
export type DevicePairInput = z.infer<typeof devicePairInputSchema>;

export const deviceRecordSchema = z.strictObject({
  deviceId: deviceIdSchema,
  clinicId: z.string(),
  kind: z.enum([DeviceKind.soe, DeviceKind.wearable]),
  /** null once unpaired: the device is known but sends for nobody. */
  patientId: recordIdSchema.nullable(),
  tooth: toothSchema.nullable(),
  /** SHA-256 of the device key (hex); the key itself is shown once, when paired or rotated. */
  keyHash: z.string(),
  pairedAt: z.number().nullable(),
  /** Firmware the device last reported, and when it last sent (null until it has). */
  firmware: z.string().nullable(),
  lastContactAt: z.number().nullable(),
});
export type DeviceRecord = z.infer<typeof deviceRecordSchema>;

/** What the staff area sees of a device: never the key hash. */
export type DeviceView = Omit<DeviceRecord, "keyHash">;

// -- staff accounts ---------------------------------------------------------------------------

export const staffInputSchema = z.strictObject({
  displayName,
  email: emailSchema,
  role: staffRoleSchema,
});
export type StaffInput = z.infer<typeof staffInputSchema>;

export const staffRecordSchema = staffInputSchema.extend({
  staffId: recordIdSchema,
  clinicId: z.string(),
  /** Disabled accounts cannot sign in; disabling ends their sessions and live connections. */
  disabledAt: z.number().nullable(),
  /** Argon2id PHC string; null for an account that signs in only with a passkey or single sign-on. */
  passwordHash: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type StaffRecord = z.infer<typeof staffRecordSchema>;

/** What the staff area and the session endpoint show of an account: never its password hash. */
export type StaffView = Omit<StaffRecord, "passwordHash"> & { hasPassword: boolean; passkeys: number };

// -- what the staff API answers, and its params and queries -----------------------------------

/** An appointment as the staff area lists it: the record with its people's names and room link. */
export type AppointmentEntry = AppointmentRecord & {
  patientName: string;
  clinicianName: string;
  assistantName: string | null;
  planName: string;
  /** The treatment room's page; null once the appointment is finished or cancelled. */
  roomUrl: string | null;
};

/** `GET /api/today`: the signed-in person's appointments of the day, by time. */
export interface TodayView {
  day: string;
  appointments: AppointmentEntry[];
}

/** A device paired or re-keyed: its key appears in this answer and never again. */
export interface DeviceKeyIssued {
  device: DeviceView;
  deviceKey: string;
}

/** A staff enrolment link (the token sits in the `#fragment`), shown to the admin once. */
export interface EnrolmentLink {
  url: string;
  expiresAt: number;
}

/** `POST /api/staff`: the account, and the link its owner sets a password or passkey with. */
export interface StaffCreated {
  staff: StaffView;
  /** null when no link could be made (the account can be enrolled later). */
  enrolment: EnrolmentLink | null;
}

/** `GET /api/staff/me`: who the staff page is for, and the CSRF token its writes carry. */
export interface StaffMe {
  staff: StaffView;
  csrfToken: string;
}

/** The room page of an appointment (no credential in it: the cookie says who opens it). */
export function roomUrlOf(appointmentId: string): string {
  return `/room.html?appointment=${encodeURIComponent(appointmentId)}`;
}

export const recordParamsSchema = z.strictObject({ id: recordIdSchema });
export const deviceParamsSchema = z.strictObject({ deviceId: deviceIdSchema });

/** `?day=YYYY-MM-DD` (default: today on the clinic's clock). */
export const dayQuerySchema = z.strictObject({ day: isoDateSchema.optional() });

/** `?archived=1` lists archived patients too. */
export const patientsQuerySchema = z.strictObject({ archived: z.enum(["0", "1"]).default("0") });

/** One field's problem, as every 400 from the staff API lists them (the form shows it by the field). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Turns a zod failure into the problems a form shows next to its fields. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
