/** Puts a lesson for the support group's circle on `/group-lesson`, next to the group gateway's `/group`. */
import { GROUP_LESSON_NAMESPACE } from "../../shared/lessons.ts";
import type { GroupRegistry } from "../group/groupRegistry.ts";
import type { Storage } from "../storage/storage.ts";
import { attachGroupLessonGateway, type GroupLessonNamespace, type GroupSide } from "./groupLessonGateway.ts";
import { GroupLessonRecords } from "./groupLessonRecords.ts";
import { lessonCatalog } from "./lessonWiring.ts";

export function attachCircleLessons(
  /** The app's Socket.IO server (any event map: only namespaces are looked up). */
  io: { of(name: string): object },
  groupNamespace: string,
  deps: { groups: GroupRegistry; storage: Storage; now: () => number },
): void {
  const records = new GroupLessonRecords(
    deps.storage,
    (groupId) => {
      const plan = deps.groups.get(groupId)?.plan;
      return plan ? { clinicId: plan.clinicId, hostStaffId: plan.hostStaffId } : null;
    },
    deps.now,
  );
  const groupNsp = io.of(groupNamespace) as { sockets: ReadonlyMap<string, GroupSide> };
  attachGroupLessonGateway(io.of(GROUP_LESSON_NAMESPACE) as unknown as GroupLessonNamespace, {
    groupSockets: () => groupNsp.sockets,
    lessons: lessonCatalog(),
    now: deps.now,
    keepAnswers: (groupId, inviteId, lesson, answers) =>
      records.keepAsync(groupId, inviteId, lesson, answers),
    roleOf: (groupId, memberId) => deps.groups.get(groupId)?.roleOf(memberId) ?? null,
  });
}
