/**
 * A past visit's replay over HTTP (issue 9): `GET /api/visits/:id/replay` answers everything the
 * room page needs to replay the visit without a live socket or a seat: the empty room, the room's
 * stored events up to the visit's last one, and the pose keyframes of the visit's span. Guarded by
 * `records.read`, only for visits of the signed-in person's own clinic (another clinic's visit is
 * "not found"), and audited as `record.replay`. The room itself is rebuilt in the browser by the
 * pure engine in shared/replay.ts through the live reducer. What is sent is what an observer would
 * have seen (replayProjection.ts): no device details, override notes or staff names; the alarms
 * are shown as they were (with who acknowledged by alias).
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { StaffAction } from "../../shared/access.ts";
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import { visitIdSchema } from "../../shared/patientRecord.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import type { StaffRecord } from "../../shared/records.ts";
import { emptyRoomView, keyframeToJson, type ReplayRecording } from "../../shared/replay.ts";
import { apiError, apiOk, parseOr400 } from "../apiReply.ts";
import type { StaffGuard } from "../auth/httpGuard.ts";
import type { Clinic } from "../clinic.ts";
import { initialComfort } from "../room.ts";
import type { Storage } from "../storage/storage.ts";
import { observerReplay } from "./replayProjection.ts";
import { findVisitAsync, visitAppointmentAsync } from "./visits.ts";

export interface ReplayRouteDeps {
  guard: StaffGuard;
  storage: Storage;
  /** The live directory: the demo clinic's appointments live only here. */
  clinic: Clinic;
  now: () => number;
}

/** The audit action of a replay (the Contracts every slice shares). */
export const REPLAY_AUDIT_ACTION = "record.replay";

const paramsSchema = z.strictObject({ id: visitIdSchema });
const noQuerySchema = z.strictObject({});

function notFound(reply: FastifyReply): FastifyReply {
  return apiError(reply, 404, ApiErrorCode.notFound, "There is no such visit in your clinic.");
}

export function registerReplayRoutes(fastify: FastifyInstance, deps: ReplayRouteDeps): void {
  const { storage, clinic, now } = deps;

  const appointmentOf = (visitId: string, clinicId: string) =>
    visitAppointmentAsync(storage, clinic.appointments, visitId, clinicId);

  fastify.get(
    "/api/visits/:id/replay",
    { preHandler: deps.guard(StaffAction.recordsRead) },
    async (req, reply) => {
      const params = parseOr400(paramsSchema, req.params, reply);
      if (!params || !parseOr400(noQuerySchema, req.query, reply)) return reply;
      const staff: StaffRecord | undefined = req.staff?.staff;
      if (!staff) throw new Error("replay route without the staff guard");
      const appt = await appointmentOf(params.id, staff.clinicId);
      if (!appt) return notFound(reply);
      const visit = await findVisitAsync(storage, appt, params.id);
      if (!visit) return notFound(reply);
      const [events, keyframes] = await Promise.all([
        storage.roomEventsBetween(visit.roomId, { toSeq: visit.lastSeq }),
        storage.poseKeyframesBetween(
          visit.roomId,
          visit.startedAt - 60_000,
          (visit.endedAt ?? now()) + 60_000,
        ),
      ]);
      const live = clinic.appointments.get(appt.appointmentId);
      const patientName = clinic.people.get(appt.patientId)?.displayName ?? "Patient";
      const clinicianName = clinic.people.get(appt.clinicianId)?.displayName ?? "Clinician";
      const seen = observerReplay(
        emptyRoomView(
          {
            appointmentId: appt.appointmentId,
            roomId: appt.roomId,
            patientName,
            clinicianName,
            scheduledAt: live?.scheduledAt ?? new Date(visit.startedAt).toISOString(),
          },
          initialComfort(),
          "replay",
          PROTOCOL_VERSION,
        ),
        events,
      );
      const recording: ReplayRecording = {
        visitId: visit.id,
        initial: seen.initial,
        events: seen.events,
        firstSeq: visit.firstSeq,
        keyframes: keyframes.map(keyframeToJson),
      };
      await storage.audit({
        at: now(),
        who: staff.staffId,
        action: REPLAY_AUDIT_ACTION,
        subject: `replay of visit ${visit.id}`,
        why: "",
        patientId: visit.patientId,
        roomId: visit.roomId,
      });
      return apiOk(reply, recording);
    },
  );
}
