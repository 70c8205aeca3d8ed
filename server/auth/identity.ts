/**
 * Who is asking, decided in one place for HTTP and Socket.IO alike (issue 8). A request may carry
 * several credentials (a staff session cookie, a paired headset's cookie, an observer's cookie, a
 * demo pass in the socket handshake); each live one becomes an Identity. What an identity may then
 * do in a room is decided by `server/auth/roomAdmission.ts` from the appointment, never by the client.
 */

import type { StaffRole } from "../../shared/records.ts";
import type { AudienceRole } from "../../shared/roles.ts";

export type Identity =
  /** A signed-in staff member (cookie session). */
  | {
      kind: "staff";
      credentialId: string;
      staffId: string;
      clinicId: string;
      role: StaffRole;
      displayName: string;
    }
  /** A headset a clinician paired to one appointment's patient (RFC 8628 device grant). */
  | { kind: "headset"; credentialId: string; clinicId: string; appointmentId: string; patientId: string }
  /** Someone a clinician invited to watch one appointment. */
  | { kind: "observer"; credentialId: string; clinicId: string; appointmentId: string; displayName: string }
  /** Anyone trying the demo clinic (only while CHAIRSIDE_DEMO is on): any role, demo clinic only. */
  | { kind: "demo"; credentialId: string; clinicId: string; appointmentId: string; role: AudienceRole };

export type IdentityKind = Identity["kind"];

/** Cookie names; with HTTPS they get the `__Host-` prefix (Secure, no Domain, Path=/). */
export const CookieName = {
  staffSession: "chairside_session",
  headset: "chairside_headset",
  observer: "chairside_observer",
} as const;

export function cookieName(name: (typeof CookieName)[keyof typeof CookieName], https: boolean): string {
  return https ? `__Host-${name}` : name;
}

/** What a request presents: its Cookie header, and for a socket the demo pass in its `auth`. */
export interface Presented {
  cookieHeader: string | undefined;
  demoPass?: unknown;
}

/** Decides identity from what a request presents, and tells when credentials end. */
export interface Authenticator {
  /** Every live identity the request presents (empty when anonymous). Touches staff sessions' idle clocks. */
  identify(presented: Presented): Promise<Identity[]>;
  /** Called with the credential ids that just ended (sign-out, disabled account, unpaired headset, revoked invite). */
  onRevoked(listener: (credentialIds: readonly string[]) => void): void;
}
