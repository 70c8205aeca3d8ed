/**
 * The audit trail as the admin page reads it (issue 9): the filter the page sends (also the CSV
 * export's query) and the entries and verify report it gets back. Times are epoch milliseconds, so
 * the page converts the admin's wall-clock inputs once and the server never guesses a time zone.
 */
import { z } from "zod";

/** Entries per page on the admin page, and the most one request may ask for. */
export const AUDIT_PAGE_SIZE = 50;
export const AUDIT_PAGE_SIZE_MAX = 200;

const epochMs = z.coerce
  .number({ error: "Give the time as milliseconds since 1970." })
  .int("Give the time as whole milliseconds since 1970.")
  .nonnegative("A time cannot be before 1970.");
const name = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter a ${what}, or leave it out.`)
    .max(64, `A ${what} id is at most 64 characters.`);

/** The filter: by person (staff or patient id who acted), by patient read or changed, by time [from, to). */
export const auditQuerySchema = z
  .strictObject({
    who: name("person").optional(),
    patient: name("patient").optional(),
    from: epochMs.optional(),
    to: epochMs.optional(),
    page: z.coerce.number().int("A page is a whole number.").min(1, "Pages start at 1.").default(1),
    pageSize: z.coerce
      .number()
      .int("A page size is a whole number.")
      .min(1, "A page holds at least 1 entry.")
      .max(AUDIT_PAGE_SIZE_MAX, `A page holds at most ${AUDIT_PAGE_SIZE_MAX} entries.`)
      .default(AUDIT_PAGE_SIZE),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    path: ["to"],
    message: "The end of the time range must be after its start.",
  });
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** One entry as the page shows it. */
export const auditEntryViewSchema = z.object({
  id: z.number().int(),
  at: z.number(),
  who: z.string(),
  action: z.string(),
  subject: z.string(),
  why: z.string(),
  patientId: z.string().nullable(),
  roomId: z.string().nullable(),
  hash: z.string(),
});
export type AuditEntryView = z.infer<typeof auditEntryViewSchema>;

export const auditPageViewSchema = z.object({
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  entries: z.array(auditEntryViewSchema),
});
export type AuditPageView = z.infer<typeof auditPageViewSchema>;

/** The result of "Verify the chain". */
export const auditVerifyViewSchema = z.object({
  intact: z.boolean(),
  checked: z.number().int(),
  /** The first broken link's row id, null when every link holds. */
  brokenAt: z.number().int().nullable(),
  message: z.string(),
});
export type AuditVerifyView = z.infer<typeof auditVerifyViewSchema>;

/** The actions the trail's own reads are written under. */
export const AuditAction = {
  read: "audit.read",
  exportCsv: "audit.export.csv",
  verify: "audit.verify",
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];
