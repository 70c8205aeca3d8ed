/** Server configuration from environment variables; every default works with no configuration. */
import { resolve } from "node:path";

export interface ServerConfig {
  /** TCP port for HTTP(S) and Socket.IO on one origin. */
  port: number;
  /** Interface to listen on; 0.0.0.0 so a headset on the LAN can join. */
  host: string;
  /** Folder for the database file and the signing secret. */
  dataDir: string;
  /** TLS certificate and key (PEM). Both set: the server speaks HTTPS (needed for WebXR on the LAN). */
  tlsCertPath: string | null;
  tlsKeyPath: string | null;
  /** How long a demo pass stays valid. */
  demoPassTtlHours: number;
  /** Room tick for pose fan-out (Hz). */
  poseTickHz: number;
  /** Run the built-in SOE simulator for the demo patients. */
  simulateSoe: boolean;
  /**
   * The demo clinic is open to anyone without signing in (CHAIRSIDE_DEMO, default on): the start
   * page lists it, `/join` links and `POST /api/demo/pass` hand out demo passes for it. Off, no
   * route hands out any role without sign-in.
   */
  demo: boolean;
  /** Folder of the built client; absent in pure API tests. */
  clientDir: string | null;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /**
   * Extra host names the server answers to, besides localhost, 127.0.0.1, ::1, this machine's name
   * and its LAN addresses (CHAIRSIDE_HOSTNAMES). Any other `Host` header is refused with 421.
   */
  hostnames: string[];
  /**
   * Extra origins (scheme://host[:port]) whose pages may open a Socket.IO connection, besides the
   * server's own origin (CHAIRSIDE_ALLOWED_ORIGINS).
   */
  allowedOrigins: string[];
  /** Things the operator should change in the configuration (logged at start). */
  warnings: string[];
  /** CHAIRSIDE_DATABASE_URL: storage in this PostgreSQL database; absent or null: the SQLite file in `dataDir`. */
  databaseUrl?: string | null;
  /**
   * CHAIRSIDE_CLINIC_TIME_ZONE: the clinic's IANA time zone (e.g. Europe/Amsterdam), in which support
   * group sessions are planned and shown; default the server's own. Stored instants stay UTC.
   */
  clinicTimeZone?: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function int(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function flag(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no", "off"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${key} must be true or false, got "${raw}"`);
}

/** CHAIRSIDE_DEMO, or its old name CHAIRSIDE_DEMO_LINKS (with a warning) when only that is set. */
function demoFlag(env: NodeJS.ProcessEnv, warnings: string[]): boolean {
  const old = env.CHAIRSIDE_DEMO_LINKS;
  if ((env.CHAIRSIDE_DEMO ?? "") === "" && old !== undefined && old !== "") {
    warnings.push("CHAIRSIDE_DEMO_LINKS is now called CHAIRSIDE_DEMO; the old name still works for now.");
    return flag(env, "CHAIRSIDE_DEMO_LINKS", true);
  }
  return flag(env, "CHAIRSIDE_DEMO", true);
}

function list(env: NodeJS.ProcessEnv, key: string): string[] {
  return (env[key] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** Host names as a browser sends them: letters, digits, dots and dashes, or an IP address. */
function hostnames(env: NodeJS.ProcessEnv, key: string): string[] {
  return list(env, key).map((raw) => {
    const name = raw.toLowerCase().replace(/^\[(.*)\]$/, "$1");
    if (!/^[a-z0-9.-]+$/.test(name) && !(name.includes(":") && /^[0-9a-f:.]+$/.test(name))) {
      throw new ConfigError(`${key} must list host names or IP addresses, got "${raw}"`);
    }
    return name.replace(/\.$/, "");
  });
}

/** Origins as a browser sends them in the Origin header: scheme, host and optional port, nothing else. */
function origins(env: NodeJS.ProcessEnv, key: string): string[] {
  return list(env, key).map((raw) => {
    const url = URL.canParse(raw) ? new URL(raw) : null;
    const bare = url && url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
    if (!url || !bare || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new ConfigError(`${key} must list origins like https://chairside.clinic.example, got "${raw}"`);
    }
    return url.origin;
  });
}

/** A PostgreSQL connection URL (postgres:// or postgresql://), or null when not set. */
function databaseUrl(env: NodeJS.ProcessEnv, key: string): string | null {
  const raw = env[key]?.trim();
  if (!raw) return null;
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (!url || (url.protocol !== "postgres:" && url.protocol !== "postgresql:") || !url.hostname) {
    // The value may hold a password: name the setting, never echo it.
    throw new ConfigError(
      `${key} must be a PostgreSQL URL like postgres://chairside@db.clinic.example/chairside`,
    );
  }
  return raw;
}

/** The clinic's time zone, checked against the runtime's time zone data and in its canonical spelling. */
function clinicTimeZone(env: NodeJS.ProcessEnv, key: string): string {
  const raw = env[key]?.trim();
  if (!raw) return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  try {
    return new Intl.DateTimeFormat("en", { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    throw new ConfigError(`${key} must be an IANA time zone like Europe/Amsterdam, got "${raw}"`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const tlsCertPath = env.CHAIRSIDE_TLS_CERT || null;
  const tlsKeyPath = env.CHAIRSIDE_TLS_KEY || null;
  if ((tlsCertPath === null) !== (tlsKeyPath === null)) {
    throw new ConfigError("CHAIRSIDE_TLS_CERT and CHAIRSIDE_TLS_KEY must be set together");
  }
  const level = env.CHAIRSIDE_LOG_LEVEL ?? "info";
  if (!["debug", "info", "warn", "error", "silent"].includes(level)) {
    throw new ConfigError(`CHAIRSIDE_LOG_LEVEL must be debug, info, warn, error or silent, got "${level}"`);
  }
  const warnings: string[] = [];
  return {
    port: int(env, "PORT", 8080, 0, 65535),
    host: env.HOST || "0.0.0.0",
    dataDir: resolve(env.CHAIRSIDE_DATA_DIR || "data"),
    tlsCertPath,
    tlsKeyPath,
    demoPassTtlHours: int(env, "CHAIRSIDE_DEMO_PASS_TTL_HOURS", 12, 1, 24 * 30),
    poseTickHz: int(env, "CHAIRSIDE_POSE_TICK_HZ", 30, 10, 120),
    simulateSoe: flag(env, "CHAIRSIDE_SIMULATE_SOE", true),
    demo: demoFlag(env, warnings),
    clientDir: resolve(env.CHAIRSIDE_CLIENT_DIR || "dist"),
    logLevel: level as ServerConfig["logLevel"],
    hostnames: hostnames(env, "CHAIRSIDE_HOSTNAMES"),
    allowedOrigins: origins(env, "CHAIRSIDE_ALLOWED_ORIGINS"),
    warnings,
    databaseUrl: databaseUrl(env, "CHAIRSIDE_DATABASE_URL"),
    clinicTimeZone: clinicTimeZone(env, "CHAIRSIDE_CLINIC_TIME_ZONE"),
  };
}
