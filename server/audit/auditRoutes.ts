/**
 * The admin's view of the audit trail (guard `audit.read`): a filtered page, the same filter as a
 * CSV download, and a walk of the hash chain. Reading the trail is itself written to the trail: it
 * names patients and who looked at them.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { StaffAction } from "../../shared/access.ts";
import {
  AuditAction,
  type AuditEntryView,
  type AuditPageView,
  type AuditQuery,
  type AuditVerifyView,
  auditQuerySchema,
} from "../../shared/auditTrail.ts";
import { apiOk, parseOr400 } from "../apiReply.ts";
import type { StaffGuard } from "../auth/httpGuard.ts";
import type { AuditFilter, Storage } from "../storage/storage.ts";
import { type ChainedAuditRow, describeChainReport, verifyAuditChainAsync } from "./auditChain.ts";
import { auditCsvHeader, auditCsvRow } from "./auditCsv.ts";

export interface AuditRouteDeps {
  guard: StaffGuard;
  storage: Pick<Storage, "audit" | "auditQuery" | "auditChain">;
  now: () => number;
}

/** Rows read per storage call while writing a CSV, so a long trail never sits in memory at once. */
const CSV_CHUNK = 1_000;

function view(row: ChainedAuditRow): AuditEntryView {
  return {
    id: row.id,
    at: row.at,
    who: row.who,
    action: row.action,
    subject: row.subject,
    why: row.why,
    patientId: row.patientId ?? null,
    roomId: row.roomId ?? null,
    hash: row.hash,
  };
}

/** The query as a filter, within the admin's own clinic (and entries from before the clinic column). */
function filterOf(q: AuditQuery, clinicId: string): Omit<AuditFilter, "limit" | "offset"> {
  return {
    clinicId,
    ...(q.who !== undefined ? { who: q.who } : {}),
    ...(q.patient !== undefined ? { patientId: q.patient } : {}),
    ...(q.from !== undefined ? { from: q.from } : {}),
    ...(q.to !== undefined ? { to: q.to } : {}),
  };
}

/** The filter in words, as the trail records what was read. */
function describeFilter(q: AuditQuery): string {
  const parts = [
    q.who !== undefined ? `who=${q.who}` : "",
    q.patient !== undefined ? `patient=${q.patient}` : "",
    q.from !== undefined ? `from=${new Date(q.from).toISOString()}` : "",
    q.to !== undefined ? `to=${new Date(q.to).toISOString()}` : "",
  ].filter((p) => p !== "");
  return parts.length > 0 ? `audit trail (${parts.join(", ")})` : "audit trail (all)";
}

function staffOf(request: FastifyRequest) {
  const live = request.staff;
  if (!live) throw new Error("audit route without the staff guard");
  return live.staff;
}

/** "2026-11-26" for the download's file name. */
function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function registerAuditRoutes(fastify: FastifyInstance, deps: AuditRouteDeps): void {
  const { guard, storage, now } = deps;
  const readGuard = guard(StaffAction.auditRead);

  const record = (request: FastifyRequest, action: AuditAction, q: AuditQuery | null, why: string) =>
    storage.audit({
      at: now(),
      who: staffOf(request).staffId,
      clinicId: staffOf(request).clinicId,
      action,
      subject: q ? describeFilter(q) : "audit trail (hash chain)",
      why,
      ...(q?.patient !== undefined ? { patientId: q.patient } : {}),
    });

  fastify.get("/api/audit", { preHandler: readGuard }, async (request, reply) => {
    const q = parseOr400(auditQuerySchema, request.query, reply);
    if (!q) return reply;
    // Written before the read, so the page the admin sees already holds their own look at it.
    await record(request, AuditAction.read, q, `page ${q.page}`);
    const page = await storage.auditQuery({
      ...filterOf(q, staffOf(request).clinicId),
      limit: q.pageSize,
      offset: (q.page - 1) * q.pageSize,
    });
    const body: AuditPageView = {
      total: page.total,
      page: q.page,
      pageSize: q.pageSize,
      entries: page.entries.map(view),
    };
    return apiOk(reply, body);
  });

  fastify.get("/api/audit.csv", { preHandler: readGuard }, async (request, reply) => {
    const q = parseOr400(auditQuerySchema, request.query, reply);
    if (!q) return reply;
    await record(request, AuditAction.exportCsv, q, "downloaded as CSV");
    const filter = filterOf(q, staffOf(request).clinicId);
    let csv = auditCsvHeader();
    for (let offset = 0; ; offset += CSV_CHUNK) {
      const chunk = await storage.auditQuery({ ...filter, limit: CSV_CHUNK, offset });
      for (const row of chunk.entries) csv += auditCsvRow(view(row));
      if (chunk.entries.length < CSV_CHUNK) break;
    }
    return reply
      .code(200)
      .header("cache-control", "no-store")
      .header("content-disposition", `attachment; filename="chairside-audit-${day(now())}.csv"`)
      .type("text/csv; charset=utf-8")
      .send(csv);
  });

  fastify.get("/api/audit/verify", { preHandler: readGuard }, async (request, reply) => {
    await record(request, AuditAction.verify, null, "verified the hash chain");
    const report = await verifyAuditChainAsync((afterId, limit) => storage.auditChain(afterId, limit));
    const body: AuditVerifyView = {
      intact: report.broken === null,
      checked: report.checked,
      brokenAt: report.broken?.id ?? null,
      message: describeChainReport(report),
    };
    return apiOk(reply, body);
  });
}
