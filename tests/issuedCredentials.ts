/**
 * Credentials of the kinds other services issue (a paired headset, an observer's invitation), for
 * tests about what the gateway does with them: the room admission, the revocation of a live
 * socket. It plugs into the one authenticator through the same `CredentialChecker` interface the
 * pairing service's checkers use, reads them from the same cookies, and announces revocations the
 * same way; the pairing service's own tests cover how those credentials are issued.
 */
import { randomBytes } from "node:crypto";
import { fastifyCookie } from "@fastify/cookie";
import type { Chairside } from "../server/app.ts";
import type { CredentialChecker, RevokedListener } from "../server/auth/authenticator.ts";
import { CookieName, type Identity } from "../server/auth/identity.ts";

type Issued = Extract<Identity, { kind: "headset" | "observer" }>;

export class IssuedCredentials implements CredentialChecker {
  readonly name = "issued-in-test";
  private readonly live = new Map<string, Issued>();
  private readonly listeners: RevokedListener[] = [];

  private static readonly byServer = new WeakMap<Chairside["authenticator"], IssuedCredentials>();

  /** The one instance registered with a server's authenticator (registered on first use). */
  static for(server: Chairside): IssuedCredentials {
    let issued = IssuedCredentials.byServer.get(server.authenticator);
    if (!issued) {
      issued = new IssuedCredentials();
      server.authenticator.use(issued);
      IssuedCredentials.byServer.set(server.authenticator, issued);
    }
    return issued;
  }

  /** Same as `for`: registers with a server's authenticator. */
  static on(server: Chairside): IssuedCredentials {
    return IssuedCredentials.for(server);
  }

  /** A paired headset for an appointment's patient: the Cookie header the headset's browser sends. */
  headset(server: Chairside, appointmentId: string): { cookie: string; credentialId: string } {
    const appt = server.clinic.appointments.get(appointmentId)!;
    return this.issue(CookieName.headset, {
      kind: "headset",
      credentialId: `hs-${randomBytes(6).toString("hex")}`,
      clinicId: appt.clinicId,
      appointmentId,
      patientId: appt.patientId,
    });
  }

  /** An invited observer of an appointment. */
  observer(
    server: Chairside,
    appointmentId: string,
    displayName: string,
  ): { cookie: string; credentialId: string } {
    const appt = server.clinic.appointments.get(appointmentId)!;
    return this.issue(CookieName.observer, {
      kind: "observer",
      credentialId: `ob-${randomBytes(6).toString("hex")}`,
      clinicId: appt.clinicId,
      appointmentId,
      displayName,
    });
  }

  /** Ends a credential, as handing the headset on or withdrawing an invitation does. */
  revoke(credentialId: string): void {
    for (const [token, identity] of this.live)
      if (identity.credentialId === credentialId) this.live.delete(token);
    for (const listener of this.listeners) listener([credentialId]);
  }

  async identify(presented: { cookieHeader: string | undefined }): Promise<Identity | null> {
    if (!presented.cookieHeader) return null;
    const cookies = fastifyCookie.parse(presented.cookieHeader);
    for (const name of [CookieName.headset, CookieName.observer]) {
      const identity = cookies[name] ? this.live.get(cookies[name]) : undefined;
      if (identity) return identity;
    }
    return null;
  }

  onRevoked(listener: RevokedListener): void {
    this.listeners.push(listener);
  }

  private issue(cookieName: string, identity: Issued): { cookie: string; credentialId: string } {
    const token = randomBytes(24).toString("base64url");
    this.live.set(token, identity);
    return { cookie: `${cookieName}=${token}`, credentialId: identity.credentialId };
  }
}
