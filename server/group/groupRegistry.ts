/**
 * The clinic's support groups: sessions the host scheduled (each a GroupRoom), their invitations,
 * and the boards a group agreed to keep. Held in memory: a scheduled group lasts until the server
 * restarts (README-voice.md says so; storage is the pg slice's history to extend).
 */
import { randomBytes } from "node:crypto";
import type { GroupNote, GroupSummary, ScheduleGroup } from "../../shared/supportGroup.ts";
import { GroupInvites } from "./groupInvites.ts";
import { type GroupPlan, GroupRoom } from "./groupRoom.ts";

export class GroupRegistry {
  private readonly groups = new Map<string, GroupRoom>();
  readonly invites: GroupInvites;

  constructor(
    secret: Buffer,
    private readonly now: () => number,
  ) {
    this.invites = new GroupInvites(secret, now);
  }

  schedule(plan: ScheduleGroup, host: { staffId: string; clinicId: string; name: string }): GroupRoom {
    const groupId = `g-${randomBytes(9).toString("base64url")}`;
    const full: GroupPlan = {
      groupId,
      title: plan.title,
      startsAt: plan.startsAt,
      agenda: plan.agenda,
      hostStaffId: host.staffId,
      hostName: host.name,
      clinicId: host.clinicId,
    };
    const group = new GroupRoom(full, this.now);
    this.groups.set(groupId, group);
    return group;
  }

  /** The session ended: the group closes; a board the group agreed to keep stays with its plan. */
  end(groupId: string): void {
    const group = this.groups.get(groupId);
    if (!group) return;
    this.groups.delete(groupId);
    if (group.archived) this.kept.set(groupId, { plan: group.plan, notes: group.archived });
  }

  /** Boards kept by agreement, by group. */
  readonly kept = new Map<string, { plan: GroupPlan; notes: GroupNote[] }>();

  get(groupId: string): GroupRoom | undefined {
    return this.groups.get(groupId);
  }

  all(): GroupRoom[] {
    return [...this.groups.values()];
  }

  /** The groups of one clinic, soonest first. */
  list(clinicId: string): GroupSummary[] {
    return this.all()
      .filter((g) => g.plan.clinicId === clinicId)
      .sort((a, b) => a.plan.startsAt.localeCompare(b.plan.startsAt))
      .map((g) => ({
        groupId: g.plan.groupId,
        title: g.plan.title,
        startsAt: g.plan.startsAt,
        agenda: g.plan.agenda,
        hostName: g.plan.hostName,
        present: g.room.people().length,
      }));
  }
}
