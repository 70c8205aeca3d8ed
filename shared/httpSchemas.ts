/**
 * Runtime schemas for the HTTP routes' path parameters and query strings. The server parses every
 * request with these before it reaches a handler; the client builds the same URLs.
 */
import { z } from "zod";
import { INVITE_ROLES } from "./roles.ts";

const flag = z.enum(["0", "1"]);

/** `/join/:appointmentId/:role`: a demo join link for one role of one appointment. */
export const joinParamsSchema = z.strictObject({
  appointmentId: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, "an appointment id is lowercase letters, digits and -"),
  // Invited roles only: the presenter (the demo screen) is minted by the demo control, never by a link.
  role: z.enum(INVITE_ROLES),
});
export type JoinParams = z.infer<typeof joinParamsSchema>;

/** `/api/demo/start?speed=&step=&restart=`: the demo's pace (the server clamps it), step mode, restart. */
export const demoStartQuerySchema = z.object({
  speed: z.coerce.number().positive().max(1000).default(1),
  step: flag.default("0"),
  restart: flag.default("0"),
});
export type DemoStartQuery = z.infer<typeof demoStartQuerySchema>;
