/**
 * Demo passes: while CHAIRSIDE_DEMO is on, anyone may try any role of a demo-clinic appointment
 * without signing in. A pass is the signed InviteClaims token of server/tokens.ts, handed out in a
 * JSON body by `POST /api/demo/pass`, kept in the tab's sessionStorage and sent in the socket
 * handshake's `auth.pass`: never in a URL. It is only ever minted for, and only ever admits to, the
 * demo clinic's appointments, whose people are fictional; a real clinic's appointment gets none.
 */
import { createHash } from "node:crypto";
import type { DemoAppointment, DemoPass } from "../../shared/httpSchemas.ts";
import { ErrorCode, type InviteClaims, type ProtocolError } from "../../shared/protocol.ts";
import { type AudienceRole, INVITE_ROLES, Role } from "../../shared/roles.ts";
import { type Clinic, ClinicId, personForRole } from "../clinic.ts";
import { signInvite, verifyInvite } from "../tokens.ts";
import type { CredentialChecker } from "./authenticator.ts";

/** The story the demo screen plays (server/demo); the start page offers the others. */
const STORY_APPOINTMENT = "demo";

export class DemoPasses {
  constructor(
    private readonly secret: Buffer,
    private readonly clinic: Clinic,
    private readonly ttlHours: number,
    private readonly now: () => number,
  ) {}

  /**
   * A pass for one role of one demo-clinic appointment, or null when there is no such appointment,
   * it is a real clinic's, or it admits nobody in that role (a presenter only on the story).
   */
  mint(appointmentId: string, role: AudienceRole, ttlSeconds = this.ttlHours * 3600): DemoPass | null {
    const appt = this.clinic.appointments.get(appointmentId);
    if (!appt || appt.clinicId !== ClinicId.demo) return null;
    const personId = personForRole(appt, role);
    if (personId === null) return null;
    const exp = Math.floor(this.now() / 1000) + ttlSeconds;
    const claims: InviteClaims = { appointmentId, roomId: appt.roomId, personId, role, exp };
    return { pass: signInvite(this.secret, claims), appointmentId, role, expiresAt: exp * 1000 };
  }

  /**
   * A pass a visitor asked for (`POST /api/demo/pass`, `/join`): any role of the try-it-yourself
   * appointments, never a seat of the self-running story (its simulated people hold those, and a
   * visitor taking one would end the story for everyone watching).
   */
  mintForVisitor(appointmentId: string, role: AudienceRole): DemoPass | null {
    if (appointmentId === STORY_APPOINTMENT) return null;
    return this.mint(appointmentId, role);
  }

  /** What the start page lists: the demo clinic's appointments and the roles anyone may try. */
  appointments(): DemoAppointment[] {
    return [...this.clinic.appointments.values()]
      .filter((a) => a.clinicId === ClinicId.demo && a.appointmentId !== STORY_APPOINTMENT)
      .sort((a, b) => a.scheduledAt.localeCompare(b.scheduledAt))
      .map((a) => ({
        appointmentId: a.appointmentId,
        patientName: a.patientName,
        clinicianName: a.clinicianName,
        scheduledAt: a.scheduledAt,
        roles: INVITE_ROLES.filter((role) => personForRole(a, role) !== null),
      }));
  }

  /**
   * The checker for the one authenticator: a pass whose signature, expiry, appointment, room and
   * person still hold, on a demo-clinic appointment. Passes end by expiry only; the demo holds
   * nothing worth revoking.
   */
  checker(): CredentialChecker {
    return {
      name: "demo",
      identify: async (presented) => {
        if (presented.demoPass === undefined) return null;
        const verified = verifyInvite(this.secret, presented.demoPass, this.now());
        if (!verified.ok) return null;
        const claims = verified.value;
        const appt = this.clinic.appointments.get(claims.appointmentId);
        if (!appt || appt.clinicId !== ClinicId.demo || appt.roomId !== claims.roomId) return null;
        if (personForRole(appt, claims.role) !== claims.personId) return null;
        if (claims.role === Role.presenter && appt.staff.presenterId === null) return null;
        return {
          kind: "demo",
          credentialId: demoCredentialId(String(presented.demoPass)),
          clinicId: appt.clinicId,
          appointmentId: appt.appointmentId,
          role: claims.role,
        };
      },
    };
  }
}

/**
 * Why a pass the handshake carried proves nothing, in words for the page (the checker only says
 * null): expired, forged, or for no demo appointment here. `demoOn` false: the demo is off.
 */
export function demoPassRefusal(
  secret: Buffer,
  clinic: Clinic,
  pass: string,
  now: number,
  demoOn: boolean,
): ProtocolError {
  if (!demoOn) {
    return { code: ErrorCode.forbidden, message: "The demo is turned off on this server: sign in instead." };
  }
  const verified = verifyInvite(secret, pass, now);
  if (!verified.ok) return verified.error;
  const appt = clinic.appointments.get(verified.value.appointmentId);
  if (!appt || appt.clinicId !== ClinicId.demo) {
    return { code: ErrorCode.forbidden, message: "A demo pass only opens the demo clinic's rooms." };
  }
  return { code: ErrorCode.forbidden, message: "This demo pass does not belong to any room here." };
}

/** A pass's id for the `cred:<id>` socket room: a hash, so the pass itself is never a room name or a log line. */
export function demoCredentialId(pass: string): string {
  return `demo-${createHash("sha256").update(pass).digest("hex").slice(0, 32)}`;
}
