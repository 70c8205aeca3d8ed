/**
 * HTTP(S) on one origin and one port, on Fastify: the built client, the demo clinic's doors (while
 * CHAIRSIDE_DEMO is on: its appointment list, demo passes in a JSON body, `/join` convenience
 * redirects that carry no credential, the self-running story's control), the room page's "who am
 * I here" answer from the one authenticator, and a health check. Socket.IO attaches to the same server (app.ts),
 * guarded by `allowSocketRequest`. Everything the browser loads comes from here (no CDN), so a clinic
 * with no internet works.
 *
 * Every response carries the security headers (set on the raw response before Fastify sees the
 * request, so even the answers Fastify writes without running hooks have them). Only configured
 * host names are answered; any other `Host` gets 421.
 */
import { existsSync, readFileSync } from "node:fs";
import {
  createServer as createPlainServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { resolve, sep } from "node:path";
import { fastifyCookie } from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { z } from "zod";
import { ApiErrorCode } from "../shared/apiErrors.ts";
import {
  demoPassRequestSchema,
  demoStartQuerySchema,
  joinParamsSchema,
  type RoomSeatView,
  roomSeatParamsSchema,
} from "../shared/httpSchemas.ts";
import { Role } from "../shared/roles.ts";
import { apiError, apiOk, parseOr400 } from "./apiReply.ts";
import { type AuditRouteDeps, registerAuditRoutes } from "./audit/auditRoutes.ts";
import type { DemoPasses } from "./auth/demoPass.ts";
import type { StaffGuard } from "./auth/httpGuard.ts";
import type { Authenticator } from "./auth/identity.ts";
import { type OidcDeps, registerOidcRoutes } from "./auth/oidc.ts";
import { admitToRoom } from "./auth/roomAdmission.ts";
import type { StaffAuth } from "./auth/staffAuth.ts";
import type { Clinic } from "./clinic.ts";
import type { ServerConfig } from "./config.ts";
import type { DemoControl } from "./demo/demoControl.ts";
import { DEMO_APPOINTMENT } from "./demo/demoDirector.ts";
import { type RecordsRouteDeps, registerRecordsRoutes } from "./directory/recordsRoutes.ts";
import { type FhirRouteDeps, registerFhirRoutes } from "./fhir/fhirRoutes.ts";
import { type GroupRouteDeps, registerGroupRoutes } from "./group/groupRoutes.ts";
import { HostNames, originAllowed } from "./hostAndOrigin.ts";
import { type LessonRouteDeps, registerLessonRoutes } from "./lessons/lessonRoutes.ts";
import { createLogger } from "./log.ts";
import type { Pairing } from "./pairing/pairing.ts";
import { registerPairingRoutes } from "./pairing/pairingRoutes.ts";
import { PROBLEMS, replyProblem } from "./problemPage.ts";
import { type RecordRouteDeps, registerRecordRoutes } from "./record/recordRoutes.ts";
import { type ReplayRouteDeps, registerReplayRoutes } from "./record/replayRoutes.ts";
import { setSecurityHeaders } from "./securityHeaders.ts";

const log = createLogger("http");

export interface HttpDeps {
  config: ServerConfig;
  clinic: Clinic;
  /** The one authenticator: the same answer for HTTP as for the socket handshake. */
  authenticator: Authenticator;
  demoPasses: DemoPasses;
  /** Set once the server listens (the demo's simulated participants connect back to it). */
  demo: DemoControl | null;
  /** The staff API's door (server/auth/httpGuard.ts). */
  guard: StaffGuard;
  /** Staff sign-in: accounts, passkeys, setup links and their routes. */
  staffAuth: StaffAuth;
  /** Single sign-on (server/auth/oidc.ts); null when CHAIRSIDE_OIDC_ISSUER is not set. */
  oidc: OidcDeps | null;
  /** Headset pairing and observer invites (server/pairing/pairing.ts). */
  pairing: Pairing;
  /** The staff area's records API (server/directory/recordsRoutes.ts). */
  records?: RecordsRouteDeps;
  /** The FHIR R4 export (server/fhir/fhirRoutes.ts). */
  fhir?: FhirRouteDeps;
  /** The patient's record: visits, timeline, trends, anxiety (server/record/recordRoutes.ts). */
  patientRecord?: RecordRouteDeps;
  /** Health education lessons: assigning, progress, the patient's lesson link (server/lessons/lessonRoutes.ts). */
  lessons?: LessonRouteDeps;
  /** The admin's audit trail: filtered pages, CSV, verify (server/audit/auditRoutes.ts). */
  audit?: AuditRouteDeps;
  /** A past visit's replay (server/record/replayRoutes.ts). */
  replay?: ReplayRouteDeps;
  /** Support groups: schedule, list, invite (server/group/groupRoutes.ts). */
  groups?: GroupRouteDeps;
  /** Whether this node can take connections now (server/cluster/nodeReadiness.ts); always, on one server. */
  readiness?: () => { ready: boolean; reason?: string };
}

/** Engine.IO's `allowRequest` callback. */
type AllowCallback = (err: string | null | undefined, success: boolean) => void;

export interface HttpServer {
  /** The Node server that Fastify and Socket.IO share. */
  server: Server;
  /** Starts listening on the configured port and host; resolves with the port. */
  listenAsync(): Promise<number>;
  /** Engine.IO's `allowRequest`: refuses a socket handshake for a foreign Host or Origin. */
  allowSocketRequest(req: IncomingMessage, callback: AllowCallback): void;
  /** Engine.IO middleware: the security headers on Socket.IO's own HTTP answers too. */
  secureSocketResponse(req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void): void;
  /** Every route Fastify serves (tests check each refuses an anonymous caller). */
  routes(): readonly { method: string; url: string }[];
}

export function createHttpServer(deps: HttpDeps): HttpServer {
  const { config } = deps;
  const scheme = config.tlsCertPath ? "https" : "http";
  const hosts = new HostNames(config.hostnames, config.host);
  const extraOrigins = new Set(config.allowedOrigins);
  const fastify = Fastify({
    logger: false,
    serverFactory: (handler) => {
      const secured = (req: IncomingMessage, res: ServerResponse) => {
        setSecurityHeaders(res);
        handler(req, res);
      };
      const { tlsCertPath, tlsKeyPath } = config;
      return tlsCertPath && tlsKeyPath
        ? createHttpsServer({ cert: readFileSync(tlsCertPath), key: readFileSync(tlsKeyPath) }, secured)
        : createPlainServer(secured);
    },
    // A path that cannot be decoded, or a parameter over the length limit.
    frameworkErrors: (_error, _req, reply) => plain(reply, 400, "bad request"),
  });

  fastify.addHook("onRequest", async (req, reply) => {
    if (!hosts.allows(req.headers.host)) return refuseHost(reply, req.headers.host);
  });
  fastify.setErrorHandler((error: { statusCode?: number }, _req, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) return plain(reply, status, status === 403 ? "forbidden" : "bad request");
    // A bad request must never take the server down; the error is ours, so it is logged, not echoed.
    log.error("request failed", { error: String(error) });
    return plain(reply, 500, "internal error");
  });
  fastify.setNotFoundHandler((req, reply) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return plain(reply.header("allow", "GET, HEAD"), 405, "method not allowed");
    }
    // An API path that does not exist is a 404 whether or not the client is built.
    if (req.url.startsWith("/api/"))
      return apiError(reply, 404, ApiErrorCode.notFound, "There is no such API route.");
    if (!config.clientDir || !existsSync(config.clientDir)) {
      return plain(reply, 503, "The client is not built: run `npm run build` (npm start does it for you).");
    }
    // A missing link is a page with a way back (JSON for programs).
    return replyProblem(req, reply, PROBLEMS.missingPage);
  });

  const routes: { method: string; url: string }[] = [];
  fastify.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  fastify.register(fastifyCookie);
  registerRoutes(fastify, deps);
  deps.staffAuth.registerRoutes(fastify, deps.guard);
  if (deps.oidc) registerOidcRoutes(fastify, deps.oidc);
  registerPairingRoutes(fastify, { pairing: deps.pairing, guard: deps.guard });
  if (config.clientDir) registerClient(fastify, config.clientDir);

  return {
    server: fastify.server,
    async listenAsync() {
      await fastify.listen({ port: config.port, host: config.host });
      const address = fastify.server.address();
      return typeof address === "object" && address !== null ? address.port : config.port;
    },
    allowSocketRequest(req, callback) {
      const host = req.headers.host;
      if (!hosts.allows(host)) {
        log.debug("socket refused: unknown host", { host: String(host).slice(0, 100) });
        callback("unknown host", false);
        return;
      }
      if (!originAllowed(req.headers.origin, `${scheme}://${host}`, extraOrigins)) {
        log.debug("socket refused: origin not allowed", { origin: String(req.headers.origin).slice(0, 100) });
        callback("origin not allowed", false);
        return;
      }
      callback(null, true);
    },
    secureSocketResponse(_req, res, next) {
      setSecurityHeaders(res);
      next();
    },
    routes: () => routes,
  };
}

function plain(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header("cache-control", "no-store").type("text/plain; charset=utf-8").send(body);
}

function json(reply: FastifyReply, body: unknown): FastifyReply {
  return reply
    .code(200)
    .header("cache-control", "no-store")
    .type("application/json")
    .send(JSON.stringify(body));
}

/**
 * The refusal names neither the host names this server does answer to nor its addresses: a
 * DNS-rebinding page can read this answer, and the LAN layout is none of its business.
 */
function refuseHost(reply: FastifyReply, host: string | undefined): FastifyReply {
  log.debug("request refused: unknown host", { host: String(host).slice(0, 100) });
  return plain(
    reply,
    421,
    "This Chairside server does not answer to this host name.\n" +
      "If it is the clinic's name for this server, add it to CHAIRSIDE_HOSTNAMES.",
  );
}

/** Parses a request's params or query; on failure answers `status` with what is wrong. */
function parse<T extends z.ZodType>(
  schema: T,
  input: unknown,
  reply: FastifyReply,
  status: number,
): z.infer<T> | null {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  plain(reply, status, issue ? `${issue.path.join(".")}: ${issue.message}` : "bad request");
  return null;
}

function registerRoutes(fastify: FastifyInstance, deps: HttpDeps): void {
  const { config } = deps;
  fastify.get("/healthz", (_req, reply) => json(reply, { ok: true }));
  // The balancer's check; 503 while this node is cut off Redis.
  fastify.get("/readyz", (_req, reply) => {
    const state = deps.readiness?.() ?? { ready: true };
    return reply
      .code(state.ready ? 200 : 503)
      .header("cache-control", "no-store")
      .type("application/json")
      .send(JSON.stringify(state));
  });
  if (deps.records) registerRecordsRoutes(fastify, deps.records);
  if (deps.fhir) registerFhirRoutes(fastify, deps.fhir);
  if (deps.patientRecord) registerRecordRoutes(fastify, deps.patientRecord);
  if (deps.audit) registerAuditRoutes(fastify, deps.audit);
  if (deps.replay) registerReplayRoutes(fastify, deps.replay);
  if (deps.lessons) registerLessonRoutes(fastify, deps.lessons);
  if (deps.groups) registerGroupRoutes(fastify, deps.groups);

  // The room page asks who its cookies seat in a room, so it opens the right view; the socket
  // handshake asks the same authenticator and admission again (this answer grants nothing).
  fastify.get("/api/rooms/:appointmentId/seat", async (req, reply) => {
    const params = parseOr400(roomSeatParamsSchema, req.params, reply);
    if (!params) return reply;
    const identities = await deps.authenticator.identify({ cookieHeader: req.headers.cookie });
    if (identities.length === 0) {
      return apiError(reply, 401, ApiErrorCode.signedOut, "Sign in, or pair this headset, to enter a room.");
    }
    const appt = deps.clinic.appointments.get(params.appointmentId);
    if (!appt) return apiError(reply, 404, ApiErrorCode.notFound, "There is no such appointment here.");
    const admission = admitToRoom(identities, appt, { passSent: false, demoOn: config.demo });
    if (!admission.ok) return apiError(reply, 403, ApiErrorCode.forbidden, admission.error.message);
    const { seat } = admission;
    const view: RoomSeatView = {
      appointmentId: seat.appointmentId,
      role: seat.role,
      displayName: seat.displayName ?? deps.clinic.people.get(seat.personId)?.displayName ?? seat.personId,
    };
    return apiOk(reply, view);
  });

  // With the demo off, no route below exists: nothing hands out a role without sign-in.
  if (!config.demo) return;

  fastify.get("/api/demo/appointments", (_req, reply) => apiOk(reply, deps.demoPasses.appointments()));

  fastify.post("/api/demo/pass", (req, reply) => {
    const body = parseOr400(demoPassRequestSchema, req.body, reply);
    if (!body) return reply;
    const pass = deps.demoPasses.mintForVisitor(body.appointmentId, body.role);
    if (!pass) {
      return apiError(reply, 404, ApiErrorCode.notFound, "The demo clinic has no such appointment.", {
        problems: [{ path: "appointmentId", message: "not an appointment of the demo clinic" }],
      });
    }
    return apiOk(reply, pass);
  });

  // A convenience link: it names a room and a role and carries no credential; the room page asks
  // for a demo pass itself (POST, in a JSON body, kept in the tab's sessionStorage).
  fastify.get("/join/:appointmentId/:role", (req, reply) => {
    const params = parse(joinParamsSchema, req.params, reply, 404);
    if (!params) return reply;
    if (!deps.demoPasses.mintForVisitor(params.appointmentId, params.role)) {
      // An unknown appointment is a page with a way back.
      return replyProblem(req, reply, PROBLEMS.unknownAppointment);
    }
    const target = new URLSearchParams({ appointment: params.appointmentId, as: params.role });
    for (const [key, value] of new URL(req.url, "http://x").searchParams) {
      if (!target.has(key)) target.append(key, value);
    }
    return reply.header("cache-control", "no-store").redirect(`/room.html?${target}`, 302);
  });

  fastify.get("/demo", (req, reply) => {
    const search = new URL(req.url, "http://x").search;
    return reply.redirect(`/room.html?demo=1${search ? `&${search.slice(1)}` : ""}`, 302);
  });
  fastify.get("/api/demo/:action", (req, reply) => {
    const demo = deps.demo;
    if (!demo) return plain(reply, 404, "the demo is not running yet");
    const { action } = req.params as { action: string };
    switch (action) {
      case "start": {
        const query = parse(demoStartQuerySchema, req.query, reply, 400);
        if (!query) return reply;
        const started = demo.start({
          speed: query.speed,
          stepByStep: query.step === "1",
          restart: query.restart === "1",
        });
        return json(reply, { pass: deps.demoPasses.mint(DEMO_APPOINTMENT, Role.presenter), state: started });
      }
      case "state":
        return json(reply, demo.state());
      case "next":
        demo.next();
        return json(reply, demo.state());
      default:
        return plain(reply, 404, "not found");
    }
  });
}

/** The built client: hashed assets are cached for good, pages are revalidated on every load. */
function registerClient(fastify: FastifyInstance, clientDir: string): void {
  const root = resolve(clientDir);
  const assets = `${sep}assets${sep}`;
  fastify.register(fastifyStatic, {
    root,
    wildcard: true,
    index: ["index.html"],
    cacheControl: false,
    dotfiles: "ignore",
    suppressWarning: true,
    setHeaders: (reply, path) => {
      const hashed = path.includes(assets) && /-[A-Za-z0-9_-]{8,}\./.test(path);
      reply.header("cache-control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
}
