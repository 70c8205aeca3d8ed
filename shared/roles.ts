/** Who a participant is in the room. Otto is the server-owned AI assistant. */
export const Role = {
  patient: "patient",
  clinician: "clinician",
  assistant: "assistant",
  observer: "observer",
  /**
   * The self-running demo screen: sees what the care team sees, may do nothing, has no body in
   * the scene. Minted only by the demo control, for the demo clinic (fictional patients only).
   */
  presenter: "presenter",
  otto: "otto",
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Roles a person is invited as, by a `/join/:appointment/:role` link or an invite token. */
export const INVITE_ROLES = [Role.patient, Role.clinician, Role.assistant, Role.observer] as const;
export type InviteRole = (typeof INVITE_ROLES)[number];

/**
 * Every role a token can carry, so every role the server sends to: the invited roles and the
 * presenter, which only the demo control mints (never a join link). Otto never joins by token.
 */
export const AUDIENCE_ROLES = [...INVITE_ROLES, Role.presenter] as const;
export type AudienceRole = (typeof AUDIENCE_ROLES)[number];

/** Roles that may see clinical data (charts, alarms, the full procedure). */
export function isCareTeam(role: Role): boolean {
  switch (role) {
    case Role.clinician:
    case Role.assistant:
      return true;
    case Role.patient:
    case Role.observer:
    case Role.presenter:
    case Role.otto:
      return false;
  }
}
