/**
 * The patient's record as staff review it afterwards (issue 9): visits derived from the stored room
 * events, one visit's timeline, SOE trends and anxiety across visits. The record page, the FHIR
 * export and the replay all read visits in this one shape; the server answers with these schemas
 * and the page parses with them, so both agree on every field. Types are derived from the schemas.
 */
import { z } from "zod";
import { SIGNALS } from "./soe/signals.ts";
import { ToothNotation } from "./teeth.ts";

/** How a visit ended. `in_progress` while its room is still open and the procedure has not ended. */
export const VisitOutcome = {
  completed: "completed",
  aborted: "aborted",
  stoppedByPatient: "stopped_by_patient",
  inProgress: "in_progress",
} as const;
export type VisitOutcome = (typeof VisitOutcome)[keyof typeof VisitOutcome];
export const visitOutcomeSchema = z.enum([
  VisitOutcome.completed,
  VisitOutcome.aborted,
  VisitOutcome.stoppedByPatient,
  VisitOutcome.inProgress,
]);

/**
 * A visit id names the appointment and the seq of the event that started its procedure:
 * `<appointmentId>.<startSeq>`. Appointment ids have no dot, so the id parses back without a lookup.
 */
export const visitIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}\.[1-9][0-9]{0,14}$/, "A visit id is <appointment>.<number>.");

export function visitIdOf(appointmentId: string, startSeq: number): string {
  return `${appointmentId}.${startSeq}`;
}

/** The appointment and start seq a visit id names, or null when it is not a visit id. */
export function parseVisitId(id: string): { appointmentId: string; startSeq: number } | null {
  if (!visitIdSchema.safeParse(id).success) return null;
  const dot = id.lastIndexOf(".");
  return { appointmentId: id.slice(0, dot), startSeq: Number(id.slice(dot + 1)) };
}

/** One treatment session of one appointment: its procedure from start to end. */
export const visitSchema = z.object({
  id: visitIdSchema,
  appointmentId: z.string(),
  patientId: z.string(),
  roomId: z.string(),
  /** The plan id (shared/procedure/plans.ts) and its name as the procedure showed it. */
  plan: z.string(),
  planName: z.string(),
  /** The FDI tooth the plan works on; null for whole-mouth plans (cleaning). */
  tooth: z.number().int().nullable(),
  clinicianId: z.string(),
  assistantId: z.string().nullable(),
  /** When the procedure started (epoch ms). */
  startedAt: z.number(),
  /** When it completed or was aborted, or the last event of a session left unfinished; null in progress. */
  endedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
  outcome: visitOutcomeSchema,
  /** The room events that belong to this visit: seq `firstSeq` to `lastSeq`, both included. */
  firstSeq: z.number().int(),
  lastSeq: z.number().int(),
});
export type Visit = z.infer<typeof visitSchema>;

// -- the record page's reads --------------------------------------------------------------------

export const recordPatientSchema = z.object({
  patientId: z.string(),
  displayName: z.string(),
  dateOfBirth: z.string().nullable(),
  clinicId: z.string(),
});
export type RecordPatient = z.infer<typeof recordPatientSchema>;

/** `GET /api/patients/:id/record`: the patient and their visits, newest first. */
export const patientRecordViewSchema = z.object({
  patient: recordPatientSchema,
  visits: z.array(visitSchema),
  /** Display names of the visits' staff, by id (ids alone mean nothing to a reader). */
  staffNames: z.record(z.string(), z.string()),
});
export type PatientRecordView = z.infer<typeof patientRecordViewSchema>;

/** What a timeline entry is about; the page filters by these. */
export const TimelineKind = {
  procedure: "procedure",
  stop: "stop",
  checkin: "checkin",
  mdas: "mdas",
  alarm: "alarm",
  interlock: "interlock",
  override: "override",
  firmware: "firmware",
  otto: "otto",
  people: "people",
} as const;
export type TimelineKind = (typeof TimelineKind)[keyof typeof TimelineKind];
export const TIMELINE_KINDS = Object.values(TimelineKind);
export const timelineKindSchema = z.enum(TIMELINE_KINDS as [TimelineKind, ...TimelineKind[]]);

/** One line of a visit's timeline: when, what kind, a plain-words title, and who and why where known. */
export const timelineEntrySchema = z.object({
  seq: z.number().int(),
  at: z.number(),
  kind: timelineKindSchema,
  title: z.string(),
  detail: z.string().nullable(),
  /** Who did it (a display name or a role), when a person did. */
  by: z.string().nullable(),
  /** Their written reason, where one was given. */
  reason: z.string().nullable(),
  /** For spans (a procedure step, an alarm): when it ended; null while open or for a moment. */
  endedAt: z.number().nullable(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const visitTimelineSchema = z.object({
  visit: visitSchema,
  entries: z.array(timelineEntrySchema),
});
export type VisitTimeline = z.infer<typeof visitTimelineSchema>;

/** `?kinds=procedure,stop`: a comma-separated list of timeline kinds; absent means all. */
export const timelineQuerySchema = z.strictObject({
  kinds: z
    .string()
    .max(200)
    .optional()
    .transform((s) => (s === undefined || s === "" ? [] : s.split(",")))
    .pipe(z.array(timelineKindSchema)),
  // The reader's tooth notation for the alarm lines; FDI when absent
  notation: z.enum(Object.values(ToothNotation) as [ToothNotation, ...ToothNotation[]]).optional(),
});

export const signalSchema = z.enum(SIGNALS as [(typeof SIGNALS)[number], ...(typeof SIGNALS)[number][]]);

/** `?signal=ph&tooth=36&from=<ms>&to=<ms>`: one signal, optionally one tooth and a time range. */
export const trendsQuerySchema = z
  .strictObject({
    signal: signalSchema,
    tooth: z.coerce.number().int().min(11).max(48).optional(),
    from: z.coerce.number().int().min(0).optional(),
    to: z.coerce.number().int().min(0).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: "`from` must not be after `to`.",
    path: ["from"],
  });
export type TrendsQuery = z.infer<typeof trendsQuerySchema>;

/** One point of a trend: value null marks a gap (no reading for longer than the signal allows). */
export const trendPointSchema = z.object({
  t: z.number(),
  value: z.number().nullable(),
  retracted: z.boolean(),
  invalid: z.boolean(),
});
export type TrendPoint = z.infer<typeof trendPointSchema>;

export const trendSeriesSchema = z.object({
  tooth: z.number().int().nullable(),
  visitId: z.string().nullable(),
  points: z.array(trendPointSchema),
});

/** Per calendar day (UTC): time below pH 5.5, bite-force peak, mean plaque and gingival index. */
export const dailySummarySchema = z.object({
  day: z.string(),
  minutesBelowPh55: z.number().nullable(),
  biteForcePeak: z.number().nullable(),
  plaqueMean: z.number().nullable(),
  gingivalMean: z.number().nullable(),
});
export type DailySummary = z.infer<typeof dailySummarySchema>;

export const patientTrendsSchema = z.object({
  signal: signalSchema,
  unit: z.string(),
  series: z.array(trendSeriesSchema),
  daily: z.array(dailySummarySchema),
});
export type PatientTrends = z.infer<typeof patientTrendsSchema>;

/** One visit's anxiety picture: MDAS, comfort ratings, stops and heart rate above the patient's baseline. */
export const visitAnxietySchema = z.object({
  visitId: z.string(),
  startedAt: z.number(),
  mdasScore: z.number().nullable(),
  pathway: z.string().nullable(),
  comfortRatings: z.array(z.object({ at: z.number(), score: z.number() })),
  stops: z.number().int(),
  heartRateBaseline: z.number().nullable(),
  heartRatePeak: z.number().nullable(),
  /** Peak minus baseline, in beats per minute. */
  heartRateRise: z.number().nullable(),
});
export type VisitAnxiety = z.infer<typeof visitAnxietySchema>;

export const patientAnxietySchema = z.object({
  /** The patient's own resting heart rate: the median of the visits' baselines. */
  baseline: z.number().nullable(),
  visits: z.array(visitAnxietySchema),
});
export type PatientAnxiety = z.infer<typeof patientAnxietySchema>;
