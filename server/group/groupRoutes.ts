/**
 * The host's HTTP side of support groups, behind the scheduling page (client/group/schedule.ts):
 * list the clinic's upcoming sessions and the past ones whose notes were kept, schedule a session
 * with its agenda, invite patients of the clinic (a signed link whose token rides in the fragment)
 * or withdraw an invitation, and cancel. Each route is behind the staff guard with `groups.host`
 * (shared/access.ts): assistants such as Noah, and clinicians. A participant needs no account: the
 * invitation and a chosen name are the door. Another clinic's group answers as if it did not exist.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { StaffAction } from "../../shared/access.ts";
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import { groupIdSchema, inviteToGroupSchema, scheduleGroupSchema } from "../../shared/supportGroup.ts";
import { apiError, apiOk, parseOr400 } from "../apiReply.ts";
import type { StaffGuard } from "../auth/httpGuard.ts";
import type { GroupRegistry } from "./groupRegistry.ts";

export interface GroupRouteDeps {
  guard: StaffGuard;
  groups: GroupRegistry;
  /** The origin invitation links point at (the clinic's public name when set). */
  origin: () => string;
  now?: () => number;
}

const paramsSchema = z.strictObject({ groupId: groupIdSchema });
const inviteParamsSchema = z.strictObject({
  groupId: groupIdSchema,
  inviteId: z.string().regex(/^i-[A-Za-z0-9_-]{6,40}$/, "an invitation id"),
});

/** A session may start a little in the past (the host schedules the one starting now), not days ago. */
const PAST_GRACE_MS = 3_600_000;

const NO_GROUP = "There is no such upcoming group in your clinic.";

export function registerGroupRoutes(fastify: FastifyInstance, deps: GroupRouteDeps): void {
  const host = { preHandler: deps.guard(StaffAction.groupsHost) };
  const now = deps.now ?? Date.now;
  const groupLink = (groupId: string) => `${deps.origin()}/group.html?group=${groupId}`;
  // The token rides in the fragment: browsers never send it to a server in a request line.
  const inviteLink = (groupId: string) => (token: string) => `${groupLink(groupId)}#invite=${token}`;
  const staffOf = (req: FastifyRequest) => {
    const staff = req.staff?.staff;
    if (!staff) throw new Error("group route without the staff guard");
    return staff;
  };
  const noGroup = (reply: FastifyReply) => apiError(reply, 404, ApiErrorCode.notFound, NO_GROUP);

  fastify.get("/api/groups", host, async (req, reply) => {
    const staff = staffOf(req);
    return apiOk(reply, {
      timeZone: deps.groups.timeZone,
      groups: deps.groups.list(staff.clinicId, groupLink),
      past: await deps.groups.pastAsync(staff.clinicId),
    });
  });

  fastify.get("/api/groups/patients", host, async (req, reply) => {
    const staff = staffOf(req);
    return apiOk(reply, { patients: deps.groups.invitable(staff.clinicId) });
  });

  fastify.post("/api/groups", host, async (req, reply) => {
    const staff = staffOf(req);
    const body = parseOr400(scheduleGroupSchema, req.body, reply);
    if (!body) return reply;
    if (Date.parse(body.startsAt) < now() - PAST_GRACE_MS) {
      return apiError(
        reply,
        400,
        ApiErrorCode.invalid,
        "This time has passed: choose a date and time to come.",
        {
          problems: [{ path: "startsAt", message: "choose a date and time to come" }],
        },
      );
    }
    const group = await deps.groups.scheduleAsync(body, {
      staffId: staff.staffId,
      clinicId: staff.clinicId,
      // The circle knows the host by first name.
      name: staff.displayName.split(" ")[0] ?? staff.displayName,
    });
    return apiOk(reply, { groupId: group.plan.groupId, link: groupLink(group.plan.groupId) }, 201);
  });

  fastify.post("/api/groups/:groupId/invites", host, async (req, reply) => {
    const staff = staffOf(req);
    const params = parseOr400(paramsSchema, req.params, reply);
    if (!params) return reply;
    const body = parseOr400(inviteToGroupSchema, req.body ?? {}, reply);
    if (!body) return reply;
    const made = await deps.groups.inviteAsync(params.groupId, staff.clinicId, body.patientId ?? null);
    if (!made.ok) {
      return made.reason === "not_found"
        ? noGroup(reply)
        : apiError(reply, 400, ApiErrorCode.invalid, "There is no such patient in your clinic.", {
            problems: [{ path: "patientId", message: "choose a patient of your clinic" }],
          });
    }
    return apiOk(
      reply,
      {
        inviteId: made.inviteId,
        expiresAt: made.expiresAt,
        link: inviteLink(params.groupId)(made.token),
      },
      201,
    );
  });

  fastify.get("/api/groups/:groupId/invites", host, async (req, reply) => {
    const staff = staffOf(req);
    const params = parseOr400(paramsSchema, req.params, reply);
    if (!params) return reply;
    if (!deps.groups.inClinic(params.groupId, staff.clinicId)) return noGroup(reply);
    return apiOk(reply, {
      invitations: deps.groups.invitationsOf(params.groupId, inviteLink(params.groupId)),
    });
  });

  fastify.post("/api/groups/:groupId/invites/:inviteId/withdraw", host, async (req, reply) => {
    const staff = staffOf(req);
    const params = parseOr400(inviteParamsSchema, req.params, reply);
    if (!params) return reply;
    if (
      !deps.groups.inClinic(params.groupId, staff.clinicId) ||
      !deps.groups.hasInvitation(params.groupId, params.inviteId)
    ) {
      return apiError(reply, 404, ApiErrorCode.notFound, "There is no such invitation to this group.");
    }
    await deps.groups.withdrawAsync(params.inviteId);
    return apiOk(reply, {
      invitations: deps.groups.invitationsOf(params.groupId, inviteLink(params.groupId)),
    });
  });

  fastify.post("/api/groups/:groupId/cancel", host, async (req, reply) => {
    const staff = staffOf(req);
    const params = parseOr400(paramsSchema, req.params, reply);
    if (!params) return reply;
    if (!deps.groups.inClinic(params.groupId, staff.clinicId)) return noGroup(reply);
    await deps.groups.cancelAsync(params.groupId);
    return apiOk(reply, { cancelled: params.groupId });
  });
}
