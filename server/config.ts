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
  /** How long invite tokens stay valid. */
  inviteTtlHours: number;
  /** Room tick for pose fan-out (Hz). */
  poseTickHz: number;
  /** Run the built-in SOE simulator for the demo patients. */
  simulateSoe: boolean;
  /** Serve /demo/join links that mint tokens for the seeded clinic (turn off outside demos). */
  demoLinks: boolean;
  /** Folder of the built client; absent in pure API tests. */
  clientDir: string | null;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
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
  return {
    port: int(env, "PORT", 8080, 0, 65535),
    host: env.HOST || "0.0.0.0",
    dataDir: resolve(env.CHAIRSIDE_DATA_DIR || "data"),
    tlsCertPath,
    tlsKeyPath,
    inviteTtlHours: int(env, "CHAIRSIDE_INVITE_TTL_HOURS", 12, 1, 24 * 30),
    poseTickHz: int(env, "CHAIRSIDE_POSE_TICK_HZ", 30, 10, 120),
    simulateSoe: flag(env, "CHAIRSIDE_SIMULATE_SOE", true),
    demoLinks: flag(env, "CHAIRSIDE_DEMO_LINKS", true),
    clientDir: resolve(env.CHAIRSIDE_CLIENT_DIR || "dist"),
    logLevel: level as ServerConfig["logLevel"],
  };
}
