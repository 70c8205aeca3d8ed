/**
 * Invitations to a support group: signed links like today's observer invites, carried in the
 * link's fragment (never sent to the server in a URL, so never in a log). Each invitation has its
 * own id: the host removing someone withdraws that id, so the same link no longer opens the door,
 * and coming back needs a new invitation. The token is a pure function of (group, id, expiry) and
 * the server's secret, so storage keeps only those (groupStore.ts) and the host's page can show a
 * stored invitation's link again; withdrawn ids come back from storage at start.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

const claimsSchema = z.strictObject({
  g: z.string(),
  i: z.string(),
  exp: z.number().int(),
});
export type InviteClaims = z.infer<typeof claimsSchema>;

/** How long an invitation works at least: a week, time to reach the session it was sent for. */
export const GROUP_INVITE_TTL_MS = 7 * 24 * 3_600_000;
/** After its session's planned end, how long an invitation still opens it (a session that runs over). */
export const GROUP_INVITE_GRACE_MS = 2 * 3_600_000;

/** When a session's invitations stop working: its planned end (start plus agenda) and the grace. */
export function inviteExpiryFor(plan: { startsAt: string; agenda: readonly { minutes: number }[] }): number {
  const minutes = plan.agenda.reduce((sum, topic) => sum + topic.minutes, 0);
  return Date.parse(plan.startsAt) + minutes * 60_000 + GROUP_INVITE_GRACE_MS;
}

export type InviteCheck =
  | { ok: true; groupId: string; inviteId: string }
  | { ok: false; reason: "forged" | "expired" | "other_group" | "withdrawn" };

export class GroupInvites {
  private readonly withdrawn = new Set<string>();

  constructor(
    private readonly secret: Buffer,
    private readonly now: () => number,
  ) {}

  /** A new invitation: it works for a week, and in any case until `atLeastUntil` (its session's end). */
  mint(groupId: string, atLeastUntil = 0): { inviteId: string; token: string; expiresAt: number } {
    const inviteId = `i-${randomBytes(9).toString("base64url")}`;
    const expiresAt = Math.max(this.now() + GROUP_INVITE_TTL_MS, atLeastUntil);
    return { inviteId, token: this.tokenFor(groupId, inviteId, expiresAt), expiresAt };
  }

  /** The token of an invitation minted before (the same bytes: the link the patient holds). */
  tokenFor(groupId: string, inviteId: string, expiresAt: number): string {
    const body = Buffer.from(JSON.stringify({ g: groupId, i: inviteId, exp: expiresAt })).toString(
      "base64url",
    );
    return `${body}.${this.sign(body)}`;
  }

  check(token: string, groupId: string): InviteCheck {
    const [body, sig] = token.split(".");
    if (!body || !sig) return { ok: false, reason: "forged" };
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, reason: "forged" };
    let claims: InviteClaims;
    try {
      const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
      if (!parsed.success) return { ok: false, reason: "forged" };
      claims = parsed.data;
    } catch {
      return { ok: false, reason: "forged" };
    }
    if (claims.g !== groupId) return { ok: false, reason: "other_group" };
    if (claims.exp <= this.now()) return { ok: false, reason: "expired" };
    if (this.withdrawn.has(claims.i)) return { ok: false, reason: "withdrawn" };
    return { ok: true, groupId: claims.g, inviteId: claims.i };
  }

  withdraw(inviteId: string): void {
    this.withdrawn.add(inviteId);
  }

  private sign(body: string): string {
    return createHmac("sha256", this.secret).update(`group-invite|${body}`).digest("base64url");
  }
}

/** The sentence a refused invitation gets. */
export const INVITE_REFUSAL: Record<Exclude<InviteCheck, { ok: true }>["reason"], string> = {
  forged: "This invitation link is not valid: ask the clinic for a new one.",
  expired: "This invitation has expired: ask the clinic for a new one.",
  other_group: "This invitation is for another group.",
  withdrawn: "This invitation was withdrawn by the host: ask the clinic for a new one.",
};
