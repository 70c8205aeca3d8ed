/**
 * Runtime schemas for the HTTP routes' path parameters and query strings. The server parses every
 * request with these before it reaches a handler; the client builds the same URLs.
 */
import { z } from "zod";
import { type AudienceRole, INVITE_ROLES, type InviteRole } from "./roles.ts";

const flag = z.enum(["0", "1"]);

const appointmentId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "an appointment id is letters, digits, _ and -");

/**
 * `/join/:appointmentId/:role`: a convenience link into the demo clinic; it redirects to
 * `/room.html?appointment=<id>&as=<role>` and carries no credential.
 */
export const joinParamsSchema = z.strictObject({
  appointmentId,
  // Invited roles only: the presenter (the demo screen) is minted by the demo control, never by a link.
  role: z.enum(INVITE_ROLES),
});
export type JoinParams = z.infer<typeof joinParamsSchema>;

/** `POST /api/demo/pass`: a demo pass for one role of one demo-clinic appointment. */
export const demoPassRequestSchema = z.strictObject({
  appointmentId,
  role: z.enum(INVITE_ROLES),
});
export type DemoPassRequest = z.infer<typeof demoPassRequestSchema>;

/** The answer to `POST /api/demo/pass` (and the presenter's pass from `/api/demo/start`). */
export interface DemoPass {
  /** Kept in the tab's sessionStorage and sent in the socket handshake's `auth.pass`; never in a URL. */
  pass: string;
  appointmentId: string;
  role: AudienceRole;
  /** Epoch ms. */
  expiresAt: number;
}

/** `GET /api/demo/appointments`: what the start page offers (demo clinic only; no credential in it). */
export interface DemoAppointment {
  appointmentId: string;
  patientName: string;
  clinicianName: string;
  scheduledAt: string;
  roles: InviteRole[];
}

/** `GET /api/rooms/:appointmentId/seat`: who the caller's cookies seat in this room. */
export const roomSeatParamsSchema = z.strictObject({ appointmentId });

/** The answer of the seat endpoint: the room page picks its view from it. */
export interface RoomSeatView {
  appointmentId: string;
  role: AudienceRole;
  displayName: string;
}

/** `/api/demo/start?speed=&step=&restart=`: the demo's pace (the server clamps it), step mode, restart. */
export const demoStartQuerySchema = z.object({
  speed: z.coerce.number().positive().max(1000).default(1),
  step: flag.default("0"),
  restart: flag.default("0"),
});
export type DemoStartQuery = z.infer<typeof demoStartQuerySchema>;
