/**
 * Runtime schemas for every inbound payload. The server parses each message with these at the
 * edge; a payload that fails never reaches room logic.
 */
import { z } from "zod";
import { ottoTellSchema } from "./feelings.ts";
import { PatientQuestion } from "./otto.ts";
import { ProcedureCommand } from "./procedure/types.ts";
import { Ev, Surroundings } from "./protocol.ts";
import { SIGNALS } from "./soe/signals.ts";
import { isPermanentTooth } from "./teeth.ts";

const id = z.string().min(1).max(100);
const note = z.string().trim().min(1).max(500);

/**
 * One exact firmware version, semantic-version shaped ("2.4.0-beta.1"). Wildcards and prefixes
 * ("2.*", "2.4") cannot match, so a quarantine always names exactly one version.
 */
export const FIRMWARE_VERSION = /^\d{1,4}\.\d{1,4}\.\d{1,4}(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?$/;
export const firmwareVersionSchema = z
  .string()
  .max(64)
  .regex(FIRMWARE_VERSION, { message: "name one exact firmware version, such as 2.4.0-beta.1" });
/** A written reason for a quarantine or a lift: a sentence, not a keystroke. */
export const firmwareReasonSchema = z
  .string()
  .trim()
  .min(8, { message: "write the reason in a few words (8 characters at least)" })
  .max(500);

/** Schemas of the people-namespace events that carry a payload, keyed by event name. */
export const clientPayloadSchemas = {
  [Ev.procedureSelect]: z.strictObject({ planId: id }),
  [Ev.procedureCommand]: z.strictObject({
    command: z.enum(Object.values(ProcedureCommand)),
    reason: note.optional(),
  }),
  [Ev.mdasSubmit]: z.strictObject({ answers: z.array(z.number().int().min(1).max(5)).length(5) }),
  [Ev.checkinSubmit]: z.strictObject({ score: z.number().int().min(0).max(10) }),
  [Ev.checkinRequest]: z.strictObject({ reason: note.optional() }),
  [Ev.breathing]: z.strictObject({ on: z.boolean() }),
  [Ev.surroundings]: z.strictObject({ surroundings: z.enum(Object.values(Surroundings)) }),
  [Ev.ottoAsk]: z.strictObject({ question: z.enum(Object.values(PatientQuestion)) }),
  [Ev.alarmAck]: z.strictObject({ alarmId: id }),
  [Ev.alarmSilence]: z.strictObject({ alarmId: id, seconds: z.number().int().min(10).max(600) }),
  [Ev.firmwareQuarantine]: z.strictObject({
    firmware: firmwareVersionSchema,
    since: z.number().int().min(0),
    reason: firmwareReasonSchema,
    confirm: z.boolean().optional(),
  }),
  [Ev.firmwareLift]: z.strictObject({ firmware: firmwareVersionSchema, reason: firmwareReasonSchema }),
  [Ev.soeHistory]: z.strictObject({ sinceMs: z.number().int().min(0) }),
  [Ev.ottoTell]: ottoTellSchema,
} as const;

export type ClientPayloadEvent = keyof typeof clientPayloadSchemas;
export type ClientPayload<E extends ClientPayloadEvent> = z.infer<(typeof clientPayloadSchemas)[E]>;

export const readingSchema = z.strictObject({
  signal: z.enum(SIGNALS),
  t: z.number().int().min(0),
  value: z.number(),
  unit: z.string().min(1).max(16),
  tooth: z
    .number()
    .int()
    .refine(isPermanentTooth, { message: "tooth must be an FDI permanent tooth number (11-48)" })
    .optional(),
});

/** Largest number of readings one device batch may carry (about 10 s of 50 Hz bite force plus the rest). */
export const MAX_READINGS_PER_BATCH = 1000;

export const deviceBatchSchema = z.strictObject({
  seq: z.number().int().min(1),
  firmware: z.string().min(1).max(64),
  readings: z.array(readingSchema).max(MAX_READINGS_PER_BATCH),
});
/** The device batch as the schema accepts it; protocol.ts names it `DeviceBatch`. */
export type DeviceBatchPayload = z.infer<typeof deviceBatchSchema>;

/** A device's `bootId` in its handshake: a fresh random id per boot (DeviceAuth). */
export const bootIdSchema = z
  .string()
  .min(8, { message: "bootId must be a fresh random id per boot (8 characters at least)" })
  .max(64)
  .regex(/^[0-9A-Za-z_-]+$/, { message: "bootId may hold letters, digits, - and _ only" });

/** First issue in a zod error, as one sentence for the error reply. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid payload";
  const path = issue.path.length ? issue.path.join(".") : "payload";
  return `${path}: ${issue.message}`;
}
