/**
 * Paired headsets' credentials (issue 8): minted when a headset collects its approval, bound to
 * one appointment's patient, carried in an HttpOnly cookie and stored as RecordKind.headsetCredential
 * with only the SHA-256 of its secret. A credential ends when the clinician hands the headset to the
 * next patient, when another headset is paired for the appointment, when the appointment ends, or
 * after `lifetimeMs` whatever happens.
 */
import { z } from "zod";
import type { Identity } from "../auth/identity.ts";
import { RecordKind, type Storage } from "../storage/storage.ts";
import { newPublicId, newToken, sha256, splitToken, tokenMatches } from "./credentialTokens.ts";
import type { AppointmentLookup, PairableAppointment } from "./pairableAppointments.ts";

/** A treatment day: a headset never stays paired overnight. */
export const HEADSET_LIFETIME_MS = 12 * 3_600_000;

const headsetBodySchema = z.strictObject({
  appointmentId: z.string(),
  patientId: z.string(),
  /** The staff member who approved the pairing. */
  pairedBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  secretHash: z.string(),
});
type HeadsetBody = z.infer<typeof headsetBodySchema>;

interface HeadsetRow {
  credentialId: string;
  clinicId: string;
  body: HeadsetBody;
}

export class HeadsetCredentials {
  constructor(
    private readonly storage: Storage,
    private readonly appointments: AppointmentLookup,
    private readonly now: () => number = Date.now,
    private readonly lifetimeMs = HEADSET_LIFETIME_MS,
  ) {}

  /**
   * A new credential for the appointment's patient; the appointment's earlier headsets end (one
   * seat, one headset). Returns the cookie's token and the ids of the credentials that ended.
   */
  async mint(
    appointment: PairableAppointment,
    pairedBy: string,
  ): Promise<{ token: string; credentialId: string; ended: string[]; maxAgeS: number }> {
    const ended = await this.endForAppointment(appointment.appointmentId);
    const credentialId = newPublicId();
    const secret = newToken();
    const at = this.now();
    const body: HeadsetBody = {
      appointmentId: appointment.appointmentId,
      patientId: appointment.patientId,
      pairedBy,
      createdAt: at,
      expiresAt: at + this.lifetimeMs,
      secretHash: sha256(secret),
    };
    await this.storage.putRecords([
      {
        kind: RecordKind.headsetCredential,
        id: credentialId,
        clinicId: appointment.clinicId,
        body: JSON.stringify(body),
        updatedAt: at,
      },
    ]);
    return { token: `${credentialId}.${secret}`, credentialId, ended, maxAgeS: this.lifetimeMs / 1000 };
  }

  /** The patient identity a cookie token proves, or null (unknown, wrong, expired, appointment over). */
  async identify(token: string | undefined): Promise<Identity | null> {
    const parts = splitToken(token);
    if (!parts) return null;
    const row = await this.row(parts.id);
    if (!row || !tokenMatches(parts.secret, row.body.secretHash)) return null;
    if (!this.alive(row)) {
      await this.storage.deleteRecords(RecordKind.headsetCredential, [row.credentialId]);
      return null;
    }
    return {
      kind: "headset",
      credentialId: row.credentialId,
      clinicId: row.clinicId,
      appointmentId: row.body.appointmentId,
      patientId: row.body.patientId,
    };
  }

  /**
   * Ends the credentials that are over (expired, or their appointment finished, cancelled or gone)
   * and returns their ids, so live sockets holding them can be cut.
   */
  async endDead(): Promise<string[]> {
    const dead: string[] = [];
    for (const stored of await this.storage.listRecords(RecordKind.headsetCredential)) {
      const body = headsetBodySchema.safeParse(JSON.parse(stored.body));
      if (
        !body.success ||
        !this.alive({ credentialId: stored.id, clinicId: stored.clinicId, body: body.data })
      )
        dead.push(stored.id);
    }
    if (dead.length > 0) await this.storage.deleteRecords(RecordKind.headsetCredential, dead);
    return dead;
  }

  private alive(row: HeadsetRow): boolean {
    const appointment = this.appointments(row.body.appointmentId);
    return (
      this.now() < row.body.expiresAt &&
      appointment !== null &&
      appointment.open &&
      appointment.clinicId === row.clinicId &&
      appointment.patientId === row.body.patientId
    );
  }

  /** When the appointment's live headset was paired; null when none is. */
  async pairedAt(appointmentId: string): Promise<number | null> {
    const at = this.now();
    const live = (await this.forAppointment(appointmentId)).filter((r) => at < r.body.expiresAt);
    return live.length === 0 ? null : Math.max(...live.map((r) => r.body.createdAt));
  }

  /** Ends every headset credential of an appointment; returns their ids. */
  async endForAppointment(appointmentId: string): Promise<string[]> {
    const ids = (await this.forAppointment(appointmentId)).map((r) => r.credentialId);
    if (ids.length > 0) await this.storage.deleteRecords(RecordKind.headsetCredential, ids);
    return ids;
  }

  private async forAppointment(appointmentId: string): Promise<HeadsetRow[]> {
    const rows: HeadsetRow[] = [];
    for (const stored of await this.storage.listRecords(RecordKind.headsetCredential)) {
      const body = headsetBodySchema.safeParse(JSON.parse(stored.body));
      if (body.success && body.data.appointmentId === appointmentId)
        rows.push({ credentialId: stored.id, clinicId: stored.clinicId, body: body.data });
    }
    return rows;
  }

  private async row(credentialId: string): Promise<HeadsetRow | null> {
    const stored = await this.storage.getRecord(RecordKind.headsetCredential, credentialId);
    if (!stored) return null;
    const body = headsetBodySchema.safeParse(JSON.parse(stored.body));
    return body.success ? { credentialId: stored.id, clinicId: stored.clinicId, body: body.data } : null;
  }
}
