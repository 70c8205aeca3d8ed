/**
 * The public face of pairing (issue 8): the headset's RFC 8628 device grant, paired headsets'
 * credentials and observer invites, and what the one authenticator asks of them. Read this file to
 * learn how a headset or an observer gets into a room and how they are put out again:
 *
 * - `identifyHeadset(cookieHeader)` / `identifyObserver(cookieHeader)`: the live identity a
 *   request's cookies prove, or null;
 * - `onRevoked(listener)`: called with the credential ids that just ended (headset handed on or
 *   replaced, invite revoked, appointment finished), so their sockets are cut at once;
 * - `endForAppointment(appointmentId)`: the records call it when an appointment is finished or
 *   cancelled;
 * - `registerPairingRoutes` (pairingRoutes.ts) puts the HTTP side on Fastify.
 */
import type { Identity } from "../auth/identity.ts";
import { CookieName } from "../auth/identity.ts";
import { createLogger } from "../log.ts";
import type { Storage } from "../storage/storage.ts";
import { cookieValue } from "./credentialTokens.ts";
import { HeadsetCredentials } from "./headsetCredentials.ts";
import { ObserverInvites } from "./observerInvites.ts";
import type { AppointmentLookup } from "./pairableAppointments.ts";
import { DEFAULT_PAIRING_POLICY, PairingCodes, type PairingPolicy } from "./pairingCodes.ts";

export interface PairingOptions {
  storage: Storage;
  appointments: AppointmentLookup;
  /** Cookies get the `__Host-` prefix and Secure under HTTPS. */
  https: boolean;
  now?: () => number;
  policy?: PairingPolicy;
}

export const PairingAuditAction = {
  headsetPaired: "headset_paired",
  headsetHandedOn: "headset_handed_on",
  observerInvited: "observer_invited",
  observerJoined: "observer_joined",
  observerRevoked: "observer_revoked",
} as const;
export type PairingAuditAction = (typeof PairingAuditAction)[keyof typeof PairingAuditAction];

const log = createLogger("pairing");

/**
 * How often credentials that ran out of time, or whose appointment closed without a call to
 * `endForAppointment`, are looked for, so their live sockets are cut within this long.
 */
const SWEEP_EVERY_MS = 30_000;

export type RevokedListener = (credentialIds: readonly string[]) => void;

export class Pairing {
  readonly codes: PairingCodes;
  readonly headsets: HeadsetCredentials;
  readonly invites: ObserverInvites;
  readonly appointments: AppointmentLookup;
  readonly https: boolean;
  private readonly storage: Storage;
  private readonly now: () => number;
  private readonly listeners = new Set<RevokedListener>();
  private readonly pruneTimer: ReturnType<typeof setInterval>;
  private lastSweepAt: number;
  private sweeping = false;

  constructor(opts: PairingOptions) {
    const now = opts.now ?? Date.now;
    this.now = now;
    this.storage = opts.storage;
    this.https = opts.https;
    this.appointments = opts.appointments;
    this.codes = new PairingCodes(opts.policy ?? DEFAULT_PAIRING_POLICY, now);
    this.headsets = new HeadsetCredentials(opts.storage, opts.appointments, now);
    this.invites = new ObserverInvites(opts.storage, opts.appointments, now);
    this.lastSweepAt = now();
    this.pruneTimer = setInterval(() => {
      this.codes.prune();
      this.sweepAsync().catch((error: unknown) => log.warn("sweep failed", { error: String(error) }));
    }, SWEEP_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** The paired headset a request's cookies prove (the patient of exactly its appointment), or null. */
  identifyHeadset(cookieHeader: string | undefined): Promise<Identity | null> {
    return this.headsets.identify(cookieValue(cookieHeader, CookieName.headset, this.https));
  }

  /** The invited observer a request's cookies prove, or null. */
  identifyObserver(cookieHeader: string | undefined): Promise<Identity | null> {
    return this.invites.identify(cookieValue(cookieHeader, CookieName.observer, this.https));
  }

  /** Tells `listener` the ids of credentials as they end; returns a function that stops it. */
  onRevoked(listener: RevokedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The appointment was finished or cancelled: its headset, pending approvals and invites end. */
  async endForAppointment(appointmentId: string): Promise<string[]> {
    this.codes.withdraw(appointmentId);
    const ended = [
      ...(await this.headsets.endForAppointment(appointmentId)),
      ...(await this.invites.endForAppointment(appointmentId)),
    ];
    this.revoked(ended);
    return ended;
  }

  /** Hands the appointment's headset to the next patient: its credential and uncollected approvals end. */
  async unpairHeadset(appointmentId: string): Promise<string[]> {
    this.codes.withdraw(appointmentId);
    const ended = await this.headsets.endForAppointment(appointmentId);
    this.revoked(ended);
    return ended;
  }

  /** Ends credentials that are over by time or by their appointment, and tells the listeners. */
  async sweepAsync(): Promise<string[]> {
    if (this.sweeping) return [];
    this.sweeping = true;
    try {
      const since = this.lastSweepAt;
      this.lastSweepAt = this.now();
      const ended = [...(await this.headsets.endDead()), ...(await this.invites.endDead(since))];
      this.revoked(ended);
      return ended;
    } finally {
      this.sweeping = false;
    }
  }

  /** Called by the routes when credentials ended for another reason (replaced, revoked). */
  revoked(credentialIds: readonly string[]): void {
    if (credentialIds.length === 0) return;
    for (const listener of [...this.listeners]) listener(credentialIds);
  }

  /**
   * Writes who gave or took which access to a patient's appointment into the append-only audit
   * log (HIPAA 164.312(b)): pairing and handing on a headset, inviting, admitting and revoking observers.
   */
  async audit(who: string, action: PairingAuditAction, appointmentId: string, why: string): Promise<void> {
    const subject = this.appointments(appointmentId)?.patientId ?? `appointment:${appointmentId}`;
    await this.storage.audit({
      at: this.now(),
      who,
      action,
      subject,
      why: `${why} (appointment ${appointmentId})`,
    });
  }

  dispose(): void {
    clearInterval(this.pruneTimer);
    this.listeners.clear();
  }
}
