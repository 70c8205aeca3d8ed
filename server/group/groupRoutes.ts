/**
 * The host's HTTP side of support groups: schedule a session with its agenda, list the clinic's
 * sessions, and send an invitation (a signed link whose token rides in the fragment). Each route
 * is behind the staff guard with `groups.host` (shared/access.ts): assistants such as Noah, and
 * clinicians. A participant needs no account: the invitation and a chosen name are the door.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { StaffAction } from "../../shared/access.ts";
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import { groupIdSchema, scheduleGroupSchema } from "../../shared/supportGroup.ts";
import { apiError, apiOk, parseOr400 } from "../apiReply.ts";
import type { StaffGuard } from "../auth/httpGuard.ts";
import type { GroupRegistry } from "./groupRegistry.ts";

export interface GroupRouteDeps {
  guard: StaffGuard;
  groups: GroupRegistry;
  /** The origin invitation links point at (the clinic's public name when set). */
  origin: () => string;
}

const paramsSchema = z.strictObject({ groupId: groupIdSchema });

export function registerGroupRoutes(fastify: FastifyInstance, deps: GroupRouteDeps): void {
  fastify.get("/api/groups", { preHandler: deps.guard(StaffAction.groupsHost) }, async (req, reply) => {
    const staff = req.staff?.staff;
    if (!staff) throw new Error("group route without the staff guard");
    return apiOk(reply, { groups: deps.groups.list(staff.clinicId) });
  });

  fastify.post("/api/groups", { preHandler: deps.guard(StaffAction.groupsHost) }, async (req, reply) => {
    const staff = req.staff?.staff;
    if (!staff) throw new Error("group route without the staff guard");
    const body = parseOr400(scheduleGroupSchema, req.body, reply);
    if (!body) return reply;
    const group = deps.groups.schedule(body, {
      staffId: staff.staffId,
      clinicId: staff.clinicId,
      // The circle knows the host by first name.
      name: staff.displayName.split(" ")[0] ?? staff.displayName,
    });
    return apiOk(
      reply,
      { groupId: group.plan.groupId, link: `${deps.origin()}/group.html?group=${group.plan.groupId}` },
      201,
    );
  });

  fastify.post(
    "/api/groups/:groupId/invites",
    { preHandler: deps.guard(StaffAction.groupsHost) },
    async (req, reply) => {
      const staff = req.staff?.staff;
      if (!staff) throw new Error("group route without the staff guard");
      const params = parseOr400(paramsSchema, req.params, reply);
      if (!params) return reply;
      const group = deps.groups.get(params.groupId);
      if (!group || group.plan.clinicId !== staff.clinicId) {
        return apiError(reply, 404, ApiErrorCode.notFound, "There is no such group in your clinic.");
      }
      const invite = deps.groups.invites.mint(group.plan.groupId);
      return apiOk(
        reply,
        {
          inviteId: invite.inviteId,
          expiresAt: invite.expiresAt,
          // The token rides in the fragment: browsers never send it to a server in a request line.
          link: `${deps.origin()}/group.html?group=${group.plan.groupId}#invite=${invite.token}`,
        },
        201,
      );
    },
  );
}
