/**
 * The staff area's API for the clinic's records (issue 8): patients, appointments, SOE devices,
 * staff accounts and today's page. Each route names the StaffAction it performs (the guard answers
 * 401/403 and checks the CSRF token), parses params, query and body with schemas from
 * `shared/records.ts` (400 lists the problems by field) and works only inside the signed-in
 * person's own clinic. Writes take JSON only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { StaffAction } from "../../shared/access.ts";
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import {
  AppointmentStatus,
  appointmentInputSchema,
  type DeviceView,
  dayQuerySchema,
  devicePairInputSchema,
  deviceParamsSchema,
  patientInputSchema,
  patientsQuerySchema,
  recordParamsSchema,
  type StaffRecord,
  staffInputSchema,
  type TodayView,
} from "../../shared/records.ts";
import { apiError, apiOk, parseOr400 } from "../apiReply.ts";
import type { StaffGuard } from "../auth/httpGuard.ts";
import { createLogger } from "../log.ts";
import type { AuditEntry } from "../storage/storage.ts";
import type { ClinicDirectory } from "./clinicDirectory.ts";
import { deviceViewOf } from "./deviceRegistry.ts";
import { localDay } from "./liveRecords.ts";
import type { Outcome } from "./outcome.ts";
import type { StaffDirectory } from "./staffDirectory.ts";

const log = createLogger("records");

export interface RecordsRouteDeps {
  guard: StaffGuard;
  directory: ClinicDirectory;
  staff: StaffDirectory;
  /** What the device gateway knows now of a paired device (firmware reported, last contact). */
  liveDevice(deviceId: string): { firmware: string | null; lastSeenAt: number | null } | null;
  /** Writes one entry of the audit trail (storage.audit). */
  audit(entry: AuditEntry): Promise<void>;
  now: () => number;
}

const STATUS_OF = {
  [ApiErrorCode.notFound]: 404,
  [ApiErrorCode.conflict]: 409,
  [ApiErrorCode.invalid]: 400,
} as const;

function answer<T>(reply: FastifyReply, outcome: Outcome<T>, status = 200): FastifyReply {
  if (outcome.ok) return apiOk(reply, outcome.value, status);
  return apiError(
    reply,
    STATUS_OF[outcome.code],
    outcome.code,
    outcome.message,
    outcome.problems ? { problems: outcome.problems } : {},
  );
}

/** The signed-in staff member (the guard ran first). */
function who(request: FastifyRequest): StaffRecord {
  const live = request.staff;
  if (!live) throw new Error("records route without the staff guard");
  return live.staff;
}

/** Writes carry JSON: a form post from another site cannot reach them even without the CSRF check. */
async function jsonOnly(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const type = String(request.headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
  if (type === "application/json") return undefined;
  return apiError(
    reply,
    415,
    ApiErrorCode.invalid,
    "Send the request body as JSON (content-type: application/json).",
  );
}

export function registerRecordsRoutes(fastify: FastifyInstance, deps: RecordsRouteDeps): void {
  const { guard, directory, staff } = deps;
  /**
   * Every change that went through is on the audit trail: who, which route, what it named and, where
   * the route or the body names one, the patient. A refused or invalid write changed nothing.
   */
  const auditChange = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (reply.statusCode >= 300 || !request.staff) return;
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const patientId = request.routeOptions.url?.startsWith("/api/patients/")
      ? params.id
      : typeof body.patientId === "string"
        ? body.patientId
        : undefined;
    await deps
      .audit({
        at: deps.now(),
        who: request.staff.staff.staffId,
        action: `${request.method} ${request.routeOptions.url ?? request.url}`,
        subject: params.id ?? params.deviceId ?? "new record",
        why: "",
        ...(patientId ? { patientId } : {}),
      })
      .catch((error: unknown) => log.error("audit of a change failed", { error: String(error) }));
  };
  const read = (action: StaffAction) => ({ preHandler: guard(action) });
  const write = (action: StaffAction) => ({ preHandler: [guard(action), jsonOnly], onResponse: auditChange });

  // -- today ----------------------------------------------------------------------------------
  fastify.get("/api/today", read(StaffAction.appointmentsRead), async (request, reply) => {
    const query = parseOr400(dayQuerySchema, request.query, reply);
    if (!query) return reply;
    const day = query.day ?? localDay(deps.now());
    const body: TodayView = { day, appointments: await directory.today(who(request), day) };
    return apiOk(reply, body);
  });

  // -- patients -------------------------------------------------------------------------------
  fastify.get("/api/patients", read(StaffAction.patientsRead), async (request, reply) => {
    const query = parseOr400(patientsQuerySchema, request.query, reply);
    if (!query) return reply;
    return apiOk(reply, directory.listPatients(who(request).clinicId, query.archived === "1"));
  });
  fastify.post("/api/patients", write(StaffAction.patientsWrite), async (request, reply) => {
    const input = parseOr400(patientInputSchema, request.body, reply);
    if (!input) return reply;
    return apiOk(reply, await directory.createPatient(who(request).clinicId, input), 201);
  });
  fastify.put("/api/patients/:id", write(StaffAction.patientsWrite), async (request, reply) => {
    const params = parseOr400(recordParamsSchema, request.params, reply);
    const input = params && parseOr400(patientInputSchema, request.body, reply);
    if (!params || !input) return reply;
    return answer(reply, await directory.updatePatient(who(request).clinicId, params.id, input));
  });
  for (const [path, archived] of [
    ["archive", true],
    ["restore", false],
  ] as const) {
    fastify.post(`/api/patients/:id/${path}`, write(StaffAction.patientsArchive), async (request, reply) => {
      const params = parseOr400(recordParamsSchema, request.params, reply);
      if (!params) return reply;
      return answer(reply, await directory.setPatientArchived(who(request).clinicId, params.id, archived));
    });
  }

  // -- appointments ---------------------------------------------------------------------------
  fastify.get("/api/appointments", read(StaffAction.appointmentsRead), async (request, reply) => {
    const query = parseOr400(dayQuerySchema, request.query, reply);
    if (!query) return reply;
    const day = query.day ?? localDay(deps.now());
    return apiOk(reply, await directory.appointmentsOn(who(request).clinicId, day));
  });
  fastify.post("/api/appointments", write(StaffAction.appointmentsWrite), async (request, reply) => {
    const input = parseOr400(appointmentInputSchema, request.body, reply);
    if (!input) return reply;
    return answer(reply, await directory.createAppointment(who(request).clinicId, input), 201);
  });
  fastify.put("/api/appointments/:id", write(StaffAction.appointmentsWrite), async (request, reply) => {
    const params = parseOr400(recordParamsSchema, request.params, reply);
    const input = params && parseOr400(appointmentInputSchema, request.body, reply);
    if (!params || !input) return reply;
    return answer(reply, await directory.updateAppointment(who(request).clinicId, params.id, input));
  });
  for (const [path, status] of [
    ["finish", AppointmentStatus.finished],
    ["cancel", AppointmentStatus.cancelled],
  ] as const) {
    fastify.post(
      `/api/appointments/:id/${path}`,
      write(StaffAction.appointmentsWrite),
      async (request, reply) => {
        const params = parseOr400(recordParamsSchema, request.params, reply);
        if (!params) return reply;
        return answer(reply, await directory.endAppointment(who(request).clinicId, params.id, status));
      },
    );
  }

  // -- SOE devices ----------------------------------------------------------------------------
  const withLive = (view: DeviceView): DeviceView => {
    const live = view.patientId === null ? null : deps.liveDevice(view.deviceId);
    if (!live) return view;
    return {
      ...view,
      firmware: live.firmware ?? view.firmware,
      lastContactAt: Math.max(live.lastSeenAt ?? 0, view.lastContactAt ?? 0) || null,
    };
  };
  fastify.get("/api/devices", read(StaffAction.devicesRead), async (request, reply) => {
    const devices = directory.deviceRegistry
      .list(who(request).clinicId)
      .map((d) => withLive(deviceViewOf(d)));
    return apiOk(reply, devices);
  });
  fastify.post("/api/devices", write(StaffAction.devicesWrite), async (request, reply) => {
    const input = parseOr400(devicePairInputSchema, request.body, reply);
    if (!input) return reply;
    return answer(reply, await directory.deviceRegistry.pair(who(request).clinicId, input), 201);
  });
  fastify.post("/api/devices/:deviceId/unpair", write(StaffAction.devicesWrite), async (request, reply) => {
    const params = parseOr400(deviceParamsSchema, request.params, reply);
    if (!params) return reply;
    return answer(reply, await directory.deviceRegistry.unpair(who(request).clinicId, params.deviceId));
  });
  fastify.post("/api/devices/:deviceId/key", write(StaffAction.devicesWrite), async (request, reply) => {
    const params = parseOr400(deviceParamsSchema, request.params, reply);
    if (!params) return reply;
    return answer(reply, await directory.deviceRegistry.rotateKey(who(request).clinicId, params.deviceId));
  });

  // -- staff accounts -------------------------------------------------------------------------
  // Who is signed in (the staff page's own account and its CSRF token) is `GET /api/session`.
  fastify.get("/api/staff", read(StaffAction.staffRead), async (request, reply) => {
    return apiOk(reply, await staff.list(who(request).clinicId));
  });
  fastify.post("/api/staff", write(StaffAction.staffWrite), async (request, reply) => {
    const input = parseOr400(staffInputSchema, request.body, reply);
    if (!input) return reply;
    return answer(reply, await staff.create(who(request).clinicId, input), 201);
  });
  fastify.put("/api/staff/:id", write(StaffAction.staffWrite), async (request, reply) => {
    const params = parseOr400(recordParamsSchema, request.params, reply);
    const input = params && parseOr400(staffInputSchema, request.body, reply);
    if (!params || !input) return reply;
    const by = who(request);
    return answer(reply, await staff.update(by.clinicId, params.id, input, by));
  });
  fastify.post("/api/staff/:id/disable", write(StaffAction.staffWrite), async (request, reply) => {
    const params = parseOr400(recordParamsSchema, request.params, reply);
    if (!params) return reply;
    const by = who(request);
    return answer(reply, await staff.disable(by.clinicId, params.id, by));
  });
  fastify.post("/api/staff/:id/enable", write(StaffAction.staffWrite), async (request, reply) => {
    const params = parseOr400(recordParamsSchema, request.params, reply);
    if (!params) return reply;
    return answer(reply, await staff.enable(who(request).clinicId, params.id));
  });
  fastify.post("/api/staff/:id/enrolment", write(StaffAction.staffWrite), async (request, reply) => {
    const params = parseOr400(recordParamsSchema, request.params, reply);
    if (!params) return reply;
    return answer(reply, await staff.enrol(who(request).clinicId, params.id), 201);
  });
}
