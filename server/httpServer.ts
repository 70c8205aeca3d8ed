/**
 * HTTP(S) on one origin and one port, on Fastify: the built client, demo join links for the seeded
 * clinic, the demo's control API and a health check. Socket.IO attaches to the same server (app.ts),
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
import { demoStartQuerySchema, joinParamsSchema } from "../shared/httpSchemas.ts";
import type { StaffGuard } from "./auth/httpGuard.ts";
import type { ServerConfig } from "./config.ts";
import type { DemoControl } from "./demo/demoControl.ts";
import { HostNames, originAllowed } from "./hostAndOrigin.ts";
import type { InviteService } from "./invites.ts";
import { createLogger } from "./log.ts";
// wiring: headset
import type { Pairing } from "./pairing/pairing.ts";
import { registerPairingRoutes } from "./pairing/pairingRoutes.ts";
import { setSecurityHeaders } from "./securityHeaders.ts";

const log = createLogger("http");

export interface HttpDeps {
  config: ServerConfig;
  invites: InviteService;
  /** Set once the server listens (the demo's simulated participants connect back to it). */
  demo: DemoControl | null;
  /** The staff API's door (server/auth/httpGuard.ts). */
  guard: StaffGuard;
  // wiring: headset
  /** Headset pairing and observer invites (server/pairing/pairing.ts). */
  pairing: Pairing;
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
    if (!config.clientDir || !existsSync(config.clientDir)) {
      return plain(reply, 503, "The client is not built: run `npm run build` (npm start does it for you).");
    }
    return plain(reply, 404, "not found");
  });

  fastify.register(fastifyCookie);
  registerRoutes(fastify, deps, scheme);
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

function registerRoutes(fastify: FastifyInstance, deps: HttpDeps, scheme: string): void {
  const { config, invites } = deps;
  fastify.get("/healthz", (_req, reply) => json(reply, { ok: true }));
  // wiring: headset
  registerPairingRoutes(fastify, { pairing: deps.pairing, guard: deps.guard });

  if (config.demoLinks) {
    // The Host header was checked in onRequest, so links built from it point at this server.
    fastify.get("/api/invites", (req, reply) =>
      json(reply, invites.demoInvites(`${scheme}://${req.headers.host}`)),
    );
    fastify.get("/join/:appointmentId/:role", (req, reply) => {
      const params = parse(joinParamsSchema, req.params, reply, 404);
      if (!params) return reply;
      const token = invites.mint(params.appointmentId, params.role);
      if (!token) return plain(reply, 404, "unknown appointment");
      const search = new URL(req.url, "http://x").search;
      const target = `/room.html?token=${encodeURIComponent(token)}${search ? `&${search.slice(1)}` : ""}`;
      return reply.header("cache-control", "no-store").redirect(target, 302);
    });
  }

  fastify.get("/demo", (req, reply) => {
    const search = new URL(req.url, "http://x").search;
    return reply.redirect(`/room.html?demo=1${search ? `&${search.slice(1)}` : ""}`, 302);
  });
  fastify.get("/api/demo/:action", (req, reply) => {
    const demo = deps.demo;
    if (!demo || !config.demoLinks) return plain(reply, 404, "the demo is turned off");
    const { action } = req.params as { action: string };
    switch (action) {
      case "start": {
        const query = parse(demoStartQuerySchema, req.query, reply, 400);
        if (!query) return reply;
        return json(
          reply,
          demo.start({ speed: query.speed, stepByStep: query.step === "1", restart: query.restart === "1" }),
        );
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
