/**
 * Pairing's HTTP side (issue 8). The headset's two anonymous routes (ask for a code, poll for the
 * credential), the care team's routes on one appointment (look a code up, approve it, hand the
 * headset on; invite, list and revoke observers), and the observer's link, which is traded for a
 * cookie and leaves the address bar by a 303. Every body and parameter is parsed with a schema
 * from shared/pairing.ts; staff routes go through the staff guard (session, role, CSRF) and then
 * must belong to the appointment's own care team.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { StaffAction } from "../../shared/access.ts";
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import {
  appointmentParamsSchema,
  type HeadsetLookup,
  type HeadsetPoll,
  type HeadsetStatus,
  headsetCodeInputSchema,
  headsetCodeRequestSchema,
  headsetTokenInputSchema,
  type ObserverInviteCreated,
  observerInviteInputSchema,
  observerInviteParamsSchema,
  PollStatus,
} from "../../shared/pairing.ts";
import { apiError, apiOk, parseOr400 } from "../apiReply.ts";
import type { StaffGuard } from "../auth/httpGuard.ts";
import { CookieName, cookieName } from "../auth/identity.ts";
import { createLogger } from "../log.ts";
import { problemHtml } from "../problemPage.ts";
import { cookieValue } from "./credentialTokens.ts";
import { RedeemRefusal } from "./observerInvites.ts";
import type { PairableAppointment } from "./pairableAppointments.ts";
import { type Pairing, PairingAuditAction } from "./pairing.ts";
import { type CodeCheck, CodeRefusal } from "./pairingCodes.ts";

const log = createLogger("pairing");

export interface PairingRouteDeps {
  pairing: Pairing;
  guard: StaffGuard;
}

/** An observer link's token as it may appear in the path (id, dot, secret). */
const OBSERVE_TOKEN = /^[A-Za-z0-9_-]{8,40}\.[A-Za-z0-9_-]{40,60}$/;

export function registerPairingRoutes(fastify: FastifyInstance, deps: PairingRouteDeps): void {
  const { pairing, guard } = deps;
  const https = pairing.https;

  // -- the headset (anonymous) --

  fastify.post("/api/headset/code", async (request, reply) => {
    if (parseOr400(headsetCodeRequestSchema, request.body ?? {}, reply) === null) return reply;
    const issued = pairing.codes.issue(request.ip);
    if (!issued.ok) {
      return apiError(
        reply,
        429,
        ApiErrorCode.rateLimited,
        "Too many pairing codes asked for: wait a moment.",
        {
          retryAfterMs: issued.retryAfterMs,
        },
      );
    }
    return apiOk(reply, issued.code);
  });

  fastify.post("/api/headset/token", async (request, reply) => {
    const input = parseOr400(headsetTokenInputSchema, request.body, reply);
    if (!input) return reply;
    const outcome = pairing.codes.poll(input.deviceCode);
    if (outcome.status !== PollStatus.approved) return apiOk(reply, outcome satisfies HeadsetPoll);
    const appointment = pairing.appointments(outcome.approval.appointmentId);
    if (!appointment?.open) return apiOk(reply, { status: PollStatus.denied } satisfies HeadsetPoll);
    const minted = await pairing.headsets.mint(appointment, outcome.approval.staffId);
    pairing.revoked(minted.ended);
    log.info("headset paired", { appointmentId: appointment.appointmentId, by: outcome.approval.staffId });
    await pairing.audit(
      outcome.approval.staffId,
      PairingAuditAction.headsetPaired,
      appointment.appointmentId,
      `paired headset ${minted.credentialId} to the patient's seat`,
    );
    reply.setCookie(cookieName(CookieName.headset, https), minted.token, {
      path: "/",
      httpOnly: true,
      sameSite: "strict",
      secure: https,
      maxAge: minted.maxAgeS,
    });
    return apiOk(reply, {
      status: PollStatus.approved,
      appointmentId: appointment.appointmentId,
    } satisfies HeadsetPoll);
  });

  // -- the care team, on one appointment --

  /** The appointment in the path, if the signed-in staff member treats it; else the reply is sent. */
  const careTeamAppointment = (
    request: FastifyRequest,
    reply: FastifyReply,
    params: unknown,
  ): PairableAppointment | null => {
    const parsed = parseOr400(appointmentParamsSchema, params, reply);
    if (!parsed) return null;
    const staff = request.staff!.staff;
    const appointment = pairing.appointments(parsed.appointmentId);
    // Another clinic's appointment is not found: its existence is none of this clinic's business.
    if (!appointment || appointment.clinicId !== staff.clinicId) {
      apiError(reply, 404, ApiErrorCode.notFound, "There is no such appointment.");
      return null;
    }
    if (!appointment.careTeam.includes(staff.staffId)) {
      apiError(
        reply,
        403,
        ApiErrorCode.forbidden,
        "Only this appointment's clinician or assistant can do this.",
      );
      return null;
    }
    return appointment;
  };

  const openAppointment = (
    request: FastifyRequest,
    reply: FastifyReply,
    params: unknown,
  ): PairableAppointment | null => {
    const appointment = careTeamAppointment(request, reply, params);
    if (appointment && !appointment.open) {
      apiError(
        reply,
        409,
        ApiErrorCode.conflict,
        "This appointment is over: it takes no headset or observer.",
      );
      return null;
    }
    return appointment;
  };

  const typist = (request: FastifyRequest) => ({
    staffId: request.staff!.staff.staffId,
    address: request.ip,
  });

  const headsetPair = { preHandler: guard(StaffAction.headsetPair) };

  fastify.get("/api/appointments/:appointmentId/headset", headsetPair, async (request, reply) => {
    const appointment = careTeamAppointment(request, reply, request.params);
    if (!appointment) return reply;
    const pairedAt = await pairing.headsets.pairedAt(appointment.appointmentId);
    return apiOk(reply, { paired: pairedAt !== null, pairedAt } satisfies HeadsetStatus);
  });

  fastify.post("/api/appointments/:appointmentId/headset/lookup", headsetPair, async (request, reply) => {
    const appointment = openAppointment(request, reply, request.params);
    if (!appointment) return reply;
    const input = parseOr400(headsetCodeInputSchema, request.body, reply);
    if (!input) return reply;
    const checked = pairing.codes.check(input.userCode, typist(request));
    if (!checked.ok) return refuseCode(reply, checked);
    return apiOk(reply, {
      appointmentId: appointment.appointmentId,
      patientName: appointment.patientName,
    } satisfies HeadsetLookup);
  });

  fastify.post("/api/appointments/:appointmentId/headset", headsetPair, async (request, reply) => {
    const appointment = openAppointment(request, reply, request.params);
    if (!appointment) return reply;
    const input = parseOr400(headsetCodeInputSchema, request.body, reply);
    if (!input) return reply;
    const approval = { appointmentId: appointment.appointmentId, staffId: request.staff!.staff.staffId };
    const approved = pairing.codes.approve(input.userCode, approval, typist(request));
    if (!approved.ok) return refuseCode(reply, approved);
    return apiOk(reply, {
      appointmentId: appointment.appointmentId,
      patientName: appointment.patientName,
    } satisfies HeadsetLookup);
  });

  fastify.delete("/api/appointments/:appointmentId/headset", headsetPair, async (request, reply) => {
    const appointment = careTeamAppointment(request, reply, request.params);
    if (!appointment) return reply;
    const ended = await pairing.unpairHeadset(appointment.appointmentId);
    log.info("headset handed on", { appointmentId: appointment.appointmentId, ended: ended.length });
    await pairing.audit(
      request.staff!.staff.staffId,
      PairingAuditAction.headsetHandedOn,
      appointment.appointmentId,
      `handed the headset on (${ended.length} credential(s) ended)`,
    );
    return apiOk(reply, { ended: ended.length });
  });

  // -- observers --

  const observersInvite = { preHandler: guard(StaffAction.observersInvite) };

  fastify.get("/api/appointments/:appointmentId/observers", observersInvite, async (request, reply) => {
    const appointment = careTeamAppointment(request, reply, request.params);
    if (!appointment) return reply;
    return apiOk(reply, { invites: await pairing.invites.list(appointment.appointmentId) });
  });

  fastify.post("/api/appointments/:appointmentId/observers", observersInvite, async (request, reply) => {
    const appointment = openAppointment(request, reply, request.params);
    if (!appointment) return reply;
    const input = parseOr400(observerInviteInputSchema, request.body, reply);
    if (!input) return reply;
    const created = await pairing.invites.create(appointment, input, request.staff!.staff.staffId);
    await pairing.audit(
      request.staff!.staff.staffId,
      PairingAuditAction.observerInvited,
      appointment.appointmentId,
      `invited observer ${created.invite.inviteId} for ${input.hours} h`,
    );
    // The Host header was checked on the way in, so the link points at this server.
    const link = `${https ? "https" : "http"}://${request.headers.host}/observe/${created.linkToken}`;
    return apiOk(reply, { invite: created.invite, link } satisfies ObserverInviteCreated, 201);
  });

  fastify.delete(
    "/api/appointments/:appointmentId/observers/:inviteId",
    observersInvite,
    async (request, reply) => {
      const params = parseOr400(observerInviteParamsSchema, request.params, reply);
      if (!params) return reply;
      const appointment = careTeamAppointment(request, reply, { appointmentId: params.appointmentId });
      if (!appointment) return reply;
      if (!(await pairing.invites.revoke(appointment.appointmentId, params.inviteId)))
        return apiError(reply, 404, ApiErrorCode.notFound, "There is no such live invite.");
      pairing.revoked([params.inviteId]);
      await pairing.audit(
        request.staff!.staff.staffId,
        PairingAuditAction.observerRevoked,
        appointment.appointmentId,
        `revoked observer ${params.inviteId}`,
      );
      return apiOk(reply, { revoked: true });
    },
  );

  // -- the observer's link --

  fastify.get("/observe/:token", async (request, reply) => {
    const { token } = request.params as { token: string };
    reply.header("cache-control", "no-store");
    if (!OBSERVE_TOKEN.test(token)) return observePage(reply, RedeemRefusal.invalid);
    const presented = cookieValue(request.headers.cookie, CookieName.observer, https);
    const redeemed = await pairing.invites.redeem(token, presented);
    if (!redeemed.ok) return observePage(reply, redeemed.refusal);
    if (redeemed.firstOpening) {
      await pairing.audit(
        `observer:${redeemed.inviteId}`,
        PairingAuditAction.observerJoined,
        redeemed.appointmentId,
        `opened invite ${redeemed.inviteId}`,
      );
    }
    reply.setCookie(cookieName(CookieName.observer, https), redeemed.cookieToken, {
      path: "/",
      httpOnly: true,
      sameSite: "strict",
      secure: https,
      maxAge: redeemed.maxAgeS,
    });
    // 303: the browser replaces the link with the room's address; the token stays in no history entry.
    return reply.redirect(`/room.html?appointment=${encodeURIComponent(redeemed.appointmentId)}`, 303);
  });
}

function refuseCode(reply: FastifyReply, checked: Extract<CodeCheck, { ok: false }>): FastifyReply {
  switch (checked.refusal) {
    case CodeRefusal.unknown:
      return apiError(
        reply,
        400,
        ApiErrorCode.invalid,
        "No headset shows this code: check it on the headset.",
        {
          problems: [{ path: "userCode", message: "No headset shows this code: check it on the headset." }],
        },
      );
    case CodeRefusal.expired:
      return apiError(
        reply,
        410,
        ApiErrorCode.expired,
        "This code has expired: the headset shows a new one, type that.",
      );
    case CodeRefusal.used:
      return apiError(
        reply,
        409,
        ApiErrorCode.conflict,
        "This code was used already: the headset shows a new one.",
      );
    case CodeRefusal.limited:
      return apiError(
        reply,
        429,
        ApiErrorCode.rateLimited,
        "Too many wrong codes. Wait a few minutes, then type the code on the headset again.",
        { retryAfterMs: checked.retryAfterMs ?? 60_000 },
      );
  }
}

const OBSERVE_WORDS: Record<RedeemRefusal, { status: number; title: string; detail: string }> = {
  invalid: {
    status: 404,
    title: "This invite link is not valid",
    detail: "Check that the whole link was copied, or ask the clinic for a new one.",
  },
  used: {
    status: 410,
    title: "This invite link was used already",
    detail: "Each link opens the room in one browser. Ask the clinic for a new link for this one.",
  },
  ended: {
    status: 410,
    title: "This invite has ended",
    detail:
      "It expired, was withdrawn, or the appointment is over. Ask the clinic if you should still watch.",
  },
};

/** A plain page a person can read (the security policy allows no inline style or script). */
function observePage(reply: FastifyReply, refusal: RedeemRefusal): FastifyReply {
  const words = OBSERVE_WORDS[refusal];
  // The full bad-path page, with a way back.
  const code = refusal === RedeemRefusal.invalid ? ApiErrorCode.notFound : ApiErrorCode.expired;
  const html = problemHtml({ status: words.status, code, title: words.title, detail: words.detail });
  return reply.code(words.status).type("text/html; charset=utf-8").send(html);
}
