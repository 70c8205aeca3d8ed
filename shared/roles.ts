/** Who a participant is in the room. Otto is the server-owned AI assistant. */
export const Role = {
  patient: "patient",
  clinician: "clinician",
  assistant: "assistant",
  observer: "observer",
  otto: "otto",
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Roles a person can hold through an invite token (Otto never joins by token). */
export const INVITE_ROLES = [Role.patient, Role.clinician, Role.assistant, Role.observer] as const;
export type InviteRole = (typeof INVITE_ROLES)[number];

/** Roles that may see clinical data (charts, alarms, the full procedure). */
export function isCareTeam(role: Role): boolean {
  switch (role) {
    case Role.clinician:
    case Role.assistant:
      return true;
    case Role.patient:
    case Role.observer:
    case Role.otto:
      return false;
  }
}
