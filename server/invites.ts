/** Mints invite tokens for the clinic's appointments, per role. */
import type { InviteClaims } from "../shared/protocol.ts";
import { type AudienceRole, INVITE_ROLES, type InviteRole, Role } from "../shared/roles.ts";
import { type Clinic, ClinicId, personForRole } from "./clinic.ts";
import { signInvite } from "./tokens.ts";

export interface DemoInvite {
  appointmentId: string;
  patientName: string;
  scheduledAt: string;
  links: Record<InviteRole, string>;
}

export class InviteService {
  constructor(
    private readonly secret: Buffer,
    private readonly clinic: Clinic,
    private readonly ttlHours: number,
    private readonly now: () => number,
  ) {}

  /**
   * A signed token for one role of one appointment, or null if the appointment does not exist or
   * admits nobody in that role (a presenter only exists on the demo clinic's appointment).
   */
  mint(appointmentId: string, role: AudienceRole, ttlSeconds = this.ttlHours * 3600): string | null {
    const appt = this.clinic.appointments.get(appointmentId);
    if (!appt) return null;
    // The presenter sees what the care team sees: only ever on the demo clinic's fictional patients.
    if (role === Role.presenter && appt.clinicId !== ClinicId.demo) return null;
    const personId = personForRole(appt, role);
    if (personId === null) return null;
    const claims: InviteClaims = {
      appointmentId,
      roomId: appt.roomId,
      personId,
      role,
      exp: Math.floor(this.now() / 1000) + ttlSeconds,
    };
    return signInvite(this.secret, claims);
  }

  /** Stable join URLs for the start page and the README (they mint a fresh token on each visit). */
  demoInvites(origin: string): DemoInvite[] {
    return [...this.clinic.appointments.values()].map((a) => ({
      appointmentId: a.appointmentId,
      patientName: a.patientName,
      scheduledAt: a.scheduledAt,
      links: Object.fromEntries(
        INVITE_ROLES.map((r) => [r, `${origin}/join/${a.appointmentId}/${r}`]),
      ) as Record<InviteRole, string>,
    }));
  }
}
