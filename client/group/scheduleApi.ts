/**
 * The scheduling page's calls (issue 12): the support-group routes of server/group/groupRoutes.ts
 * through the staff area's one API client (the session's CSRF token on every write, errors as
 * values), typed by the shapes in shared/supportGroup.ts.
 */
import type {
  GroupInvitation,
  GroupSummary,
  InvitablePatient,
  PastGroup,
  ScheduleGroup,
} from "../../shared/supportGroup.ts";
import { type ApiResult, StaffApi } from "../staff/staffApi.ts";

export interface GroupsOverview {
  timeZone: string;
  groups: GroupSummary[];
  past: PastGroup[];
}

export class ScheduleApi {
  readonly staff = new StaffApi();

  overviewAsync(): Promise<ApiResult<GroupsOverview>> {
    return this.staff.getAsync("/api/groups");
  }

  patientsAsync(): Promise<ApiResult<{ patients: InvitablePatient[] }>> {
    return this.staff.getAsync("/api/groups/patients");
  }

  scheduleAsync(plan: ScheduleGroup): Promise<ApiResult<{ groupId: string; link: string }>> {
    return this.staff.sendAsync("POST", "/api/groups", plan);
  }

  inviteAsync(groupId: string, patientId: string | null): Promise<ApiResult<{ link: string }>> {
    return this.staff.sendAsync("POST", `/api/groups/${groupId}/invites`, patientId ? { patientId } : {});
  }

  invitationsAsync(groupId: string): Promise<ApiResult<{ invitations: GroupInvitation[] }>> {
    return this.staff.getAsync(`/api/groups/${groupId}/invites`);
  }

  withdrawAsync(groupId: string, inviteId: string): Promise<ApiResult<{ invitations: GroupInvitation[] }>> {
    return this.staff.sendAsync("POST", `/api/groups/${groupId}/invites/${inviteId}/withdraw`);
  }

  cancelAsync(groupId: string): Promise<ApiResult<{ cancelled: string }>> {
    return this.staff.sendAsync("POST", `/api/groups/${groupId}/cancel`);
  }
}
