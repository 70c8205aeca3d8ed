/**
 * Invitations to a support group: signed links like today's observer invites, carried in the
 * link's fragment (never sent to the server in a URL, so never in a log). Each invitation has its
 * own id: the host removing someone withdraws that id, so the same link no longer opens the door,
 * and coming back needs a new invitation.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

const claimsSchema = z.strictObject({
  g: z.string(),
  i: z.string(),
  exp: z.number().int(),
});
export type InviteClaims = z.infer<typeof claimsSchema>;

/** How long an invitation works: a week, time to reach the session it was sent for. */
export const GROUP_INVITE_TTL_MS = 7 * 24 * 3_600_000;

export type InviteCheck =
  | { ok: true; groupId: string; inviteId: string }
  | { ok: false; reason: "forged" | "expired" | "other_group" | "withdrawn" };

export class GroupInvites {
  private readonly withdrawn = new Set<string>();

  constructor(
    private readonly secret: Buffer,
    private readonly now: () => number,
  ) {}

  mint(groupId: string): { inviteId: string; token: string; expiresAt: number } {
    const inviteId = `i-${randomBytes(9).toString("base64url")}`;
    const expiresAt = this.now() + GROUP_INVITE_TTL_MS;
    const body = Buffer.from(JSON.stringify({ g: groupId, i: inviteId, exp: expiresAt })).toString(
      "base64url",
    );
    return { inviteId, token: `${body}.${this.sign(body)}`, expiresAt };
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
