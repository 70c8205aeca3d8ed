/**
 * Observer invites (issue 8): a clinician invites a student or a family member to watch one
 * appointment. The link (`/observe/<id>.<secret>`) is shown once and works once: opening it trades
 * it for an HttpOnly observer cookie and sends the browser on to the room without the token, so
 * the link left in a chat or the history lets nobody in. Invite and cookie end when the invite
 * expires, is revoked, or the appointment ends. Stored as RecordKind.observerInvite, secrets hashed.
 */
import { z } from "zod";
import type { InviteState, ObserverInviteInput, ObserverInviteView } from "../../shared/pairing.ts";
import type { Identity } from "../auth/identity.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";
import { newPublicId, newToken, sha256, splitToken, tokenMatches } from "./credentialTokens.ts";
import type { AppointmentLookup, PairableAppointment } from "./pairableAppointments.ts";

const inviteBodySchema = z.strictObject({
  appointmentId: z.string(),
  displayName: z.string(),
  createdBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  /** SHA-256 of the link's secret; the link works until it is opened once. */
  linkHash: z.string(),
  /** SHA-256 of the observer cookie's secret, once the link was opened. */
  sessionHash: z.string().nullable(),
  joinedAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});
type InviteBody = z.infer<typeof inviteBodySchema>;

interface InviteRow {
  inviteId: string;
  clinicId: string;
  body: InviteBody;
}

/** Why an invite link opens no room. */
export const RedeemRefusal = { invalid: "invalid", used: "used", ended: "ended" } as const;
export type RedeemRefusal = (typeof RedeemRefusal)[keyof typeof RedeemRefusal];

export type Redeemed =
  | {
      ok: true;
      inviteId: string;
      appointmentId: string;
      cookieToken: string;
      maxAgeS: number;
      /** False when the browser that opened it before opens it again. */
      firstOpening: boolean;
    }
  | { ok: false; refusal: RedeemRefusal };

export class ObserverInvites {
  /** Invites being opened right now: a second, simultaneous opening of one link is refused. */
  private readonly opening = new Set<string>();

  constructor(
    private readonly storage: Storage,
    private readonly appointments: AppointmentLookup,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new invite; the link token is returned this once. */
  async create(
    appointment: PairableAppointment,
    input: ObserverInviteInput,
    createdBy: string,
  ): Promise<{ invite: ObserverInviteView; linkToken: string }> {
    const inviteId = newPublicId();
    const secret = newToken();
    const at = this.now();
    const body: InviteBody = {
      appointmentId: appointment.appointmentId,
      displayName: input.displayName,
      createdBy,
      createdAt: at,
      expiresAt: at + input.hours * 3_600_000,
      linkHash: sha256(secret),
      sessionHash: null,
      joinedAt: null,
      revokedAt: null,
    };
    await this.put({ inviteId, clinicId: appointment.clinicId, body });
    return {
      invite: this.view({ inviteId, clinicId: appointment.clinicId, body }),
      linkToken: `${inviteId}.${secret}`,
    };
  }

  /** The appointment's invites, newest first, without any secret. */
  async list(appointmentId: string): Promise<ObserverInviteView[]> {
    return (await this.forAppointment(appointmentId))
      .sort((a, b) => b.body.createdAt - a.body.createdAt)
      .map((r) => this.view(r));
  }

  /**
   * Opens the link once: a live, unopened invite gives the observer's cookie token. `presented` is
   * the observer cookie the browser already holds: opening the same link again there is fine.
   */
  async redeem(linkToken: string, presented: string | undefined): Promise<Redeemed> {
    const parts = splitToken(linkToken);
    if (!parts) return { ok: false, refusal: RedeemRefusal.invalid };
    if (this.opening.has(parts.id)) return { ok: false, refusal: RedeemRefusal.used };
    this.opening.add(parts.id);
    try {
      return await this.redeemOnce(parts, presented);
    } finally {
      this.opening.delete(parts.id);
    }
  }

  private async redeemOnce(
    parts: { id: string; secret: string },
    presented: string | undefined,
  ): Promise<Redeemed> {
    const row = await this.row(parts.id);
    if (!row || !tokenMatches(parts.secret, row.body.linkHash))
      return { ok: false, refusal: RedeemRefusal.invalid };
    if (!this.alive(row)) return { ok: false, refusal: RedeemRefusal.ended };
    if (row.body.sessionHash !== null) {
      const mine = splitToken(presented);
      if (mine?.id === row.inviteId && tokenMatches(mine.secret, row.body.sessionHash))
        return {
          ok: true,
          inviteId: row.inviteId,
          appointmentId: row.body.appointmentId,
          cookieToken: presented!,
          maxAgeS: this.maxAgeS(row),
          firstOpening: false,
        };
      return { ok: false, refusal: RedeemRefusal.used };
    }
    const secret = newToken();
    row.body.sessionHash = sha256(secret);
    row.body.joinedAt = this.now();
    await this.put(row);
    return {
      ok: true,
      inviteId: row.inviteId,
      appointmentId: row.body.appointmentId,
      cookieToken: `${row.inviteId}.${secret}`,
      maxAgeS: this.maxAgeS(row),
      firstOpening: true,
    };
  }

  /** The observer identity a cookie token proves, or null. */
  async identify(token: string | undefined): Promise<Identity | null> {
    const parts = splitToken(token);
    if (!parts) return null;
    const row = await this.row(parts.id);
    if (!row || row.body.sessionHash === null || !tokenMatches(parts.secret, row.body.sessionHash))
      return null;
    if (!this.alive(row)) return null;
    return {
      kind: "observer",
      credentialId: row.inviteId,
      clinicId: row.clinicId,
      appointmentId: row.body.appointmentId,
      displayName: row.body.displayName,
    };
  }

  /** Revokes one invite of an appointment; false if there is no such live invite. */
  async revoke(appointmentId: string, inviteId: string): Promise<boolean> {
    const row = await this.row(inviteId);
    if (!row || row.body.appointmentId !== appointmentId || row.body.revokedAt !== null) return false;
    row.body.revokedAt = this.now();
    await this.put(row);
    return true;
  }

  /** Revokes every live invite of an appointment (it ended); returns their ids. */
  async endForAppointment(appointmentId: string): Promise<string[]> {
    const ended: string[] = [];
    for (const row of await this.forAppointment(appointmentId)) {
      if (row.body.revokedAt !== null) continue;
      row.body.revokedAt = this.now();
      await this.put(row);
      ended.push(row.inviteId);
    }
    return ended;
  }

  /**
   * Ids of opened invites that ended since `since` by running out of time, and of live ones whose
   * appointment is over (those are marked revoked now), so live sockets holding them can be cut.
   */
  async endDead(since: number): Promise<string[]> {
    const at = this.now();
    const dead: string[] = [];
    for (const stored of await this.storage.listRecords(RecordKind.observerInvite)) {
      const body = inviteBodySchema.safeParse(JSON.parse(stored.body));
      if (!body.success || body.data.revokedAt !== null) continue;
      const row = { inviteId: stored.id, clinicId: stored.clinicId, body: body.data };
      if (this.alive(row)) continue;
      if (at >= row.body.expiresAt) {
        if (row.body.expiresAt > since && row.body.sessionHash !== null) dead.push(row.inviteId);
        continue;
      }
      row.body.revokedAt = at;
      await this.put(row);
      if (row.body.sessionHash !== null) dead.push(row.inviteId);
    }
    return dead;
  }

  private alive(row: InviteRow): boolean {
    const appointment = this.appointments(row.body.appointmentId);
    return (
      row.body.revokedAt === null &&
      this.now() < row.body.expiresAt &&
      appointment !== null &&
      appointment.open &&
      appointment.clinicId === row.clinicId
    );
  }

  private maxAgeS(row: InviteRow): number {
    return Math.max(1, Math.floor((row.body.expiresAt - this.now()) / 1000));
  }

  private view(row: InviteRow): ObserverInviteView {
    const { body } = row;
    const state: InviteState =
      body.revokedAt !== null
        ? "revoked"
        : this.now() >= body.expiresAt
          ? "expired"
          : body.joinedAt !== null
            ? "joined"
            : "open";
    return {
      inviteId: row.inviteId,
      appointmentId: body.appointmentId,
      displayName: body.displayName,
      createdAt: body.createdAt,
      expiresAt: body.expiresAt,
      state,
    };
  }

  private async put(row: InviteRow): Promise<void> {
    await this.storage.putRecords([
      {
        kind: RecordKind.observerInvite,
        id: row.inviteId,
        clinicId: row.clinicId,
        body: JSON.stringify(row.body),
        updatedAt: this.now(),
      },
    ]);
  }

  private async forAppointment(appointmentId: string): Promise<InviteRow[]> {
    const rows: InviteRow[] = [];
    for (const stored of await this.storage.listRecords(RecordKind.observerInvite)) {
      const body = inviteBodySchema.safeParse(JSON.parse(stored.body));
      if (body.success && body.data.appointmentId === appointmentId)
        rows.push({ inviteId: stored.id, clinicId: stored.clinicId, body: body.data });
    }
    return rows;
  }

  private async row(inviteId: string): Promise<InviteRow | null> {
    const stored = await this.storage.getRecord(RecordKind.observerInvite, inviteId);
    if (!stored) return null;
    const body = inviteBodySchema.safeParse(JSON.parse(stored.body));
    return body.success ? { inviteId: stored.id, clinicId: stored.clinicId, body: body.data } : null;
  }
}
