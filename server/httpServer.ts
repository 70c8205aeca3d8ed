/**
 * HTTP(S) on one origin: the built client, demo join links for the seeded clinic, and a health
 * check. Everything the browser loads comes from here (no CDN), so a clinic with no internet works.
 */
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import {
  createServer as createPlainServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { extname, join, normalize, resolve, sep } from "node:path";
import { INVITE_ROLES, type InviteRole } from "../shared/roles.ts";
import type { ServerConfig } from "./config.ts";
import type { DemoControl } from "./demo/demoControl.ts";
import type { InviteService } from "./invites.ts";
import { createLogger } from "./log.ts";

const log = createLogger("http");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".glb": "model/gltf-binary",
  ".gltf": "model/gltf+json",
  ".wasm": "application/wasm",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
};

export interface HttpDeps {
  config: ServerConfig;
  invites: InviteService;
  /** Set once the server listens (the demo's simulated participants connect back to it). */
  demo: DemoControl | null;
}

export function createHttpServer(deps: HttpDeps): Server {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    try {
      route(deps, req, res);
    } catch (error) {
      // A bad request must never take the server down.
      log.error("request failed", { error: String(error) });
      if (!res.headersSent) send(res, 500, "text/plain", "internal error");
      else res.destroy();
    }
  };
  const { tlsCertPath, tlsKeyPath } = deps.config;
  if (tlsCertPath && tlsKeyPath) {
    return createHttpsServer({ cert: readFileSync(tlsCertPath), key: readFileSync(tlsKeyPath) }, handler);
  }
  return createPlainServer(handler);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

function route(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): void {
  // The origin the browser used (LAN address or localhost, with its port), for the links we hand out.
  const scheme = deps.config.tlsCertPath ? "https" : "http";
  const url = new URL(req.url ?? "/", `${scheme}://${req.headers.host ?? "localhost"}`);
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, 405, "text/plain", "method not allowed");
    return;
  }
  if (url.pathname === "/healthz") {
    send(res, 200, "application/json", '{"ok":true}');
    return;
  }

  if (deps.config.demoLinks && url.pathname === "/api/invites") {
    send(res, 200, "application/json", JSON.stringify(deps.invites.demoInvites(url.origin)));
    return;
  }
  const join = /^\/join\/([a-z0-9-]+)\/([a-z]+)$/.exec(url.pathname);
  if (deps.config.demoLinks && join) {
    const [, appointmentId, role] = join;
    if (!(INVITE_ROLES as readonly string[]).includes(role!)) {
      send(res, 404, "text/plain", "unknown role");
      return;
    }
    const token = deps.invites.mint(appointmentId!, role as InviteRole);
    if (!token) {
      send(res, 404, "text/plain", "unknown appointment");
      return;
    }
    const target = `/room.html?token=${encodeURIComponent(token)}${url.search ? `&${url.search.slice(1)}` : ""}`;
    res.writeHead(302, { location: target, "cache-control": "no-store" });
    res.end();
    return;
  }
  if (url.pathname.startsWith("/api/demo/")) {
    demoRoute(deps, url, res);
    return;
  }
  if (url.pathname === "/demo") {
    res.writeHead(302, { location: `/room.html?demo=1${url.search ? `&${url.search.slice(1)}` : ""}` });
    res.end();
    return;
  }
  serveStatic(deps.config.clientDir, url.pathname, res);
}

function demoRoute(deps: HttpDeps, url: URL, res: ServerResponse): void {
  const demo = deps.demo;
  if (!demo || !deps.config.demoLinks) {
    send(res, 404, "text/plain", "the demo is turned off");
    return;
  }
  const json = (body: unknown): void => send(res, 200, "application/json", JSON.stringify(body));
  switch (url.pathname) {
    case "/api/demo/start":
      json(
        demo.start({
          speed: Number(url.searchParams.get("speed") ?? "1") || 1,
          stepByStep: url.searchParams.get("step") === "1",
          restart: url.searchParams.get("restart") === "1",
        }),
      );
      return;
    case "/api/demo/state":
      json(demo.state());
      return;
    case "/api/demo/next":
      demo.next();
      json(demo.state());
      return;
    default:
      send(res, 404, "text/plain", "not found");
      return;
  }
}

function serveStatic(root: string | null, pathname: string, res: ServerResponse): void {
  if (!root || !existsSync(root)) {
    send(res, 503, "text/plain", "The client is not built: run `npm run build` (npm start does it for you).");
    return;
  }
  const base = resolve(root);
  let wanted: string;
  try {
    wanted = pathname === "/" ? "/index.html" : decodeURIComponent(pathname);
  } catch {
    send(res, 400, "text/plain", "bad path");
    return;
  }
  const file = normalize(join(base, wanted));
  if (file !== base && !file.startsWith(base + sep)) {
    send(res, 403, "text/plain", "forbidden");
    return;
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    send(res, 404, "text/plain", "not found");
    return;
  }
  const hashed = file.includes(`${sep}assets${sep}`) && /-[A-Za-z0-9_-]{8,}\./.test(file);
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
  });
  createReadStream(file).pipe(res);
}
