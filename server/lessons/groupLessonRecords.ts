/**
 * Which answers from a lesson in the support group's circle reach a patient's record (issue 12):
 * only those of a participant whose invitation the host made for a patient of the clinic (group
 * invitations name the patient, server/storage/groupStore.ts). Such answers go into a lesson
 * assignment of that patient, made once per group and lesson, as if the host had assigned it, so
 * the care team reads them with the patient's other lessons (and the FHIR export carries them).
 * A plain link, or a participant who joined under a name only, keeps nothing.
 */
import type { GradedAnswer, Lesson } from "../../shared/lessons.ts";
import type { Storage } from "../storage/storage.ts";
import { type LessonAssignment, LessonAssignments } from "./lessonAssignments.ts";

/** The group's clinic and host, from its plan (null: the group is gone). */
export type GroupPlanOf = (groupId: string) => { clinicId: string; hostStaffId: string } | null;

export class GroupLessonRecords {
  private readonly assignments: LessonAssignments;
  /** The assignment made for `groupId|inviteId|lessonId`. */
  private readonly made = new Map<string, Promise<LessonAssignment>>();

  constructor(
    private readonly storage: Storage,
    private readonly planOf: GroupPlanOf,
    now: () => number,
  ) {
    this.assignments = new LessonAssignments(storage, now);
  }

  /** Keeps the answers when the invitation names a patient; resolves whether it did. */
  async keepAsync(
    groupId: string,
    inviteId: string,
    lesson: Lesson,
    answers: readonly GradedAnswer[],
  ): Promise<boolean> {
    const plan = this.planOf(groupId);
    if (!plan) return false;
    const invite = (await this.storage.groupInvites(groupId)).find((i) => i.inviteId === inviteId);
    if (!invite?.patientId || invite.withdrawnAt !== null) return false;
    const key = `${groupId}|${inviteId}|${lesson.id}`;
    let assignment = this.made.get(key);
    if (!assignment) {
      assignment = this.assignments
        .assignAsync({
          patientId: invite.patientId,
          clinicId: plan.clinicId,
          lessonId: lesson.id,
          assignedBy: plan.hostStaffId,
        })
        .then((made) => made.assignment);
      this.made.set(key, assignment);
    }
    const saved = await this.assignments.answerAsync(await assignment, answers);
    this.made.set(key, Promise.resolve(saved));
    return true;
  }
}
