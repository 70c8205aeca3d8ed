/**
 * Single sign-on settings from the environment (issue 8). A practice that already signs its staff
 * in somewhere (Microsoft Entra, Google Workspace, Keycloak…) sets CHAIRSIDE_OIDC_ISSUER and the
 * client it registered there; without the issuer, single sign-on is off and nothing else changes.
 * A half-done configuration stops the server with a sentence saying what is missing, rather than
 * showing staff a button that cannot work.
 */
import { ConfigError } from "../config.ts";

export interface OidcConfig {
  /** The identity provider's Issuer Identifier; its discovery document sits under it. */
  issuer: URL;
  clientId: string;
  /** null for a public client (PKCE alone); otherwise sent with HTTP Basic, the registration default. */
  clientSecret: string | null;
  /** What the sign-in button says: "Sign in with <name>". */
  name: string;
  /**
   * Plain HTTP to the provider, allowed only on this machine's loopback (a provider under test);
   * anywhere else the tokens would cross the clinic's network in the clear.
   */
  allowInsecure: boolean;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The single sign-on settings, or null when CHAIRSIDE_OIDC_ISSUER is not set. */
export function oidcConfigFromEnv(env: NodeJS.ProcessEnv): OidcConfig | null {
  const rawIssuer = env.CHAIRSIDE_OIDC_ISSUER?.trim() ?? "";
  const clientId = env.CHAIRSIDE_OIDC_CLIENT_ID?.trim() ?? "";
  const clientSecret = env.CHAIRSIDE_OIDC_CLIENT_SECRET?.trim() ?? "";
  if (rawIssuer === "") {
    if (clientId !== "" || clientSecret !== "") {
      throw new ConfigError(
        "CHAIRSIDE_OIDC_CLIENT_ID is set but CHAIRSIDE_OIDC_ISSUER is not: set the identity provider's issuer URL too",
      );
    }
    return null;
  }
  const issuer = URL.canParse(rawIssuer) ? new URL(rawIssuer) : null;
  if (
    !issuer ||
    (issuer.protocol !== "https:" && issuer.protocol !== "http:") ||
    issuer.search ||
    issuer.hash
  ) {
    throw new ConfigError(
      `CHAIRSIDE_OIDC_ISSUER must be the provider's issuer URL like https://login.clinic.example, got "${rawIssuer}"`,
    );
  }
  const insecure = issuer.protocol === "http:";
  if (insecure && !LOOPBACK.has(issuer.hostname)) {
    throw new ConfigError(
      `CHAIRSIDE_OIDC_ISSUER must use https (plain http only works for a provider on this machine), got "${rawIssuer}"`,
    );
  }
  if (clientId === "") {
    throw new ConfigError(
      "CHAIRSIDE_OIDC_ISSUER is set but CHAIRSIDE_OIDC_CLIENT_ID is not: set the client id the provider issued",
    );
  }
  const name = env.CHAIRSIDE_OIDC_NAME?.trim() || "single sign-on";
  if (name.length > 60) throw new ConfigError("CHAIRSIDE_OIDC_NAME is at most 60 characters");
  return {
    issuer,
    clientId,
    clientSecret: clientSecret === "" ? null : clientSecret,
    name,
    allowInsecure: insecure,
  };
}
