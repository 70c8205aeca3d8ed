/**
 * The FHIR R4 export's two doors, both for staff allowed `records.export` (clinicians) and both
 * audited as `record.export.fhir` before anything is sent: `GET /fhir/Patient/:id/$everything` (the
 * whole record) and `GET /api/visits/:id/fhir` (one visit). Answers `application/fhir+json` as a
 * download, streamed entry by entry; bad ids get the one 400 shape, other clinics' patients and
 * visits a 404. A third door, `GET /api/visits/:id/readings.ndjson` (audited as
 * `record.export.ndjson`), streams the visit's full-rate readings as FHIR Bulk Data NDJSON: the
 * Bundle's DocumentReference points at it.
 */
import { Readable } from "node:stream";
import type { Bundle } from "@medplum/fhirtypes";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { StaffAction } from "../../shared/access.ts";
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import { visitIdSchema } from "../../shared/patientRecord.ts";
import { recordIdSchema } from "../../shared/records.ts";
import { apiError, parseOr400 } from "../apiReply.ts";
import type { StaffGuard } from "../auth/httpGuard.ts";
import { bundleJsonChunks } from "./fhirBundle.ts";
import {
  type FhirExportDeps,
  patientBundleAsync,
  patientInClinicAsync,
  visitBundleAsync,
  visitInClinicAsync,
  visitNdjsonAsync,
} from "./fhirExport.ts";
import { NDJSON_CONTENT_TYPE } from "./fhirReadings.ts";

export const FHIR_JSON = "application/fhir+json";
export const FHIR_EXPORT_AUDIT_ACTION = "record.export.fhir";
export const NDJSON_EXPORT_AUDIT_ACTION = "record.export.ndjson";

export interface FhirRouteDeps extends FhirExportDeps {
  guard: StaffGuard;
}

const patientParams = z.strictObject({ id: recordIdSchema });
const visitParams = z.strictObject({ id: visitIdSchema });

function staffOf(request: FastifyRequest) {
  const live = request.staff;
  if (!live) throw new Error("FHIR route without the staff guard");
  return live.staff;
}

function download(reply: FastifyReply, type: string, filename: string): FastifyReply {
  return reply
    .code(200)
    .header("cache-control", "no-store")
    .header("content-disposition", `attachment; filename="${filename}"`)
    .type(`${type}; charset=utf-8`);
}

function sendBundle(reply: FastifyReply, bundle: Bundle, filename: string): FastifyReply {
  return download(reply, FHIR_JSON, filename).send(Readable.from(bundleJsonChunks(bundle)));
}

export function registerFhirRoutes(fastify: FastifyInstance, deps: FhirRouteDeps): void {
  const guard = deps.guard(StaffAction.recordsExport);

  fastify.get("/fhir/Patient/:id/$everything", { preHandler: guard }, async (request, reply) => {
    const params = parseOr400(patientParams, request.params, reply);
    if (!params) return reply;
    const staff = staffOf(request);
    const patient = await patientInClinicAsync(deps, params.id, staff.clinicId);
    if (!patient) return apiError(reply, 404, ApiErrorCode.notFound, "No such patient in your clinic.");
    await deps.storage.audit({
      at: deps.now(),
      who: staff.staffId,
      action: FHIR_EXPORT_AUDIT_ACTION,
      subject: `Patient/${patient.patientId}/$everything`,
      why: "",
      patientId: patient.patientId,
    });
    const bundle = await patientBundleAsync(deps, patient);
    return sendBundle(reply, bundle, `chairside-${patient.patientId}-record.fhir.json`);
  });

  fastify.get("/api/visits/:id/fhir", { preHandler: guard }, async (request, reply) => {
    const params = parseOr400(visitParams, request.params, reply);
    if (!params) return reply;
    const staff = staffOf(request);
    const visit = await visitInClinicAsync(deps, params.id, staff.clinicId);
    const patient = visit ? await patientInClinicAsync(deps, visit.patientId, staff.clinicId) : null;
    if (!visit || !patient)
      return apiError(reply, 404, ApiErrorCode.notFound, "No such visit in your clinic.");
    await deps.storage.audit({
      at: deps.now(),
      who: staff.staffId,
      action: FHIR_EXPORT_AUDIT_ACTION,
      subject: `visit ${visit.id}`,
      why: "",
      patientId: patient.patientId,
      roomId: visit.roomId,
    });
    const bundle = await visitBundleAsync(deps, patient, visit);
    return sendBundle(reply, bundle, `chairside-${patient.patientId}-visit-${visit.id}.fhir.json`);
  });

  fastify.get("/api/visits/:id/readings.ndjson", { preHandler: guard }, async (request, reply) => {
    const params = parseOr400(visitParams, request.params, reply);
    if (!params) return reply;
    const staff = staffOf(request);
    const visit = await visitInClinicAsync(deps, params.id, staff.clinicId);
    if (!visit) return apiError(reply, 404, ApiErrorCode.notFound, "No such visit in your clinic.");
    await deps.storage.audit({
      at: deps.now(),
      who: staff.staffId,
      action: NDJSON_EXPORT_AUDIT_ACTION,
      subject: `visit ${visit.id} readings`,
      why: "",
      patientId: visit.patientId,
      roomId: visit.roomId,
    });
    const filename = `chairside-${visit.patientId}-visit-${visit.id}-readings.ndjson`;
    return download(reply, NDJSON_CONTENT_TYPE, filename).send(Readable.from(visitNdjsonAsync(deps, visit)));
  });
}
