/**
 * Single sign-on with OpenID Connect (issue 8), for a practice whose staff already sign in at an
 * identity provider. Authorization code flow with PKCE, state and nonce (openid-client v6):
 *
 *   GET /auth/oidc/start     → 303 to the provider; the state, nonce and PKCE verifier go into one
 *                              sealed, HttpOnly, 10-minute cookie (oidcPending.ts).
 *   GET /auth/oidc/callback  → the code is exchanged and the ID token checked; its verified e-mail
 *                              address must name one enabled staff account of the real clinic
 *                              (oidcAccount.ts); then a staff session starts exactly as after a
 *                              password or passkey sign-in, and the browser goes on to /staff.html.
 *   GET /auth/oidc/refused   → otherwise, the page saying why (oidcPages.ts).
 *
 * Either way the callback answers 303, so the provider's answer (code and state) leaves the address
 * bar and the history at once; the refusal travels in the same sealed cookie to the page that shows it.
 *
 * The provider only vouches for who the person is; the account, its role and its sessions stay
 * Chairside's. The pending cookie is SameSite=Lax, not Strict: the provider's redirect back is a
 * cross-site navigation, and a Strict cookie would not come with it.
 */
import type { CookieSerializeOptions } from "@fastify/cookie";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import * as client from "openid-client";
import { createLogger } from "../log.ts";
import type { Storage } from "../storage/storage.ts";
import { findStaffByEmail } from "./oidcAccount.ts";
import type { OidcConfig } from "./oidcConfig.ts";
import { SsoRefusal as Refusal, type RefusalContext, type SsoRefusal, sendRefusal } from "./oidcPages.ts";
import {
  PENDING_TTL_MS,
  pendingSignInSchema,
  REFUSAL_TTL_MS,
  Seal,
  type SsoOutcome,
  ssoOutcomeSchema,
} from "./oidcPending.ts";
import { setStaffSessionCookie } from "./sessionCookie.ts";
import type { SessionPolicy, StaffSessions } from "./staffSessions.ts";

export { type OidcConfig, oidcConfigFromEnv } from "./oidcConfig.ts";

const log = createLogger("oidc");

export const OIDC_START_PATH = "/auth/oidc/start";
export const OIDC_CALLBACK_PATH = "/auth/oidc/callback";
export const OIDC_REFUSED_PATH = "/auth/oidc/refused";
/** Where a signed-in staff member lands. Fixed: no return-to parameter, so no open redirect. */
const SIGNED_IN_PAGE = "/staff.html";
/** Only what finding the account needs (minimum necessary). */
const SCOPE = "openid email";
/** The session's `method`, as StaffSessions records how someone signed in. */
const SESSION_METHOD = "sso";

export interface OidcDeps {
  config: OidcConfig;
  storage: Storage;
  sessions: StaffSessions;
  /** The server's secret (server/tokens.ts); the pending sign-in cookie is sealed with a key derived from it. */
  secret: Buffer;
  /** The server speaks HTTPS: cookies get Secure and the `__Host-` prefix, and the callback URL is https. */
  https: boolean;
  /** The session cookie lives as long as the session can (its absolute timeout), as after any sign-in. */
  sessionPolicy: SessionPolicy;
  /** Coarse limit per address on these routes (requests per minute); the callback talks to the provider. */
  requestsPerMinute?: number;
  now?: () => number;
}

/** The provider's metadata, discovered on first use and kept; a failed discovery is tried again next time. */
class RelyingParty {
  private discovered: Promise<client.Configuration> | null = null;

  constructor(private readonly config: OidcConfig) {}

  configuration(): Promise<client.Configuration> {
    if (!this.discovered) {
      const { issuer, clientId, clientSecret, allowInsecure } = this.config;
      this.discovered = client
        .discovery(
          issuer,
          clientId,
          clientSecret === null ? undefined : { client_secret: clientSecret },
          // Basic is the registration default (RFC 7591) that every provider accepts.
          clientSecret === null ? client.None() : client.ClientSecretBasic(clientSecret),
          { execute: allowInsecure ? [client.allowInsecureRequests] : [], timeout: 10 },
        )
        .catch((error: unknown) => {
          this.discovered = null;
          throw error;
        });
    }
    return this.discovered;
  }
}

/**
 * Registers GET /auth/oidc/start, /callback and /refused (only when single sign-on is configured),
 * in their own scope with their own per-address rate limit and refusal page for it.
 */
export function registerOidcRoutes(fastify: FastifyInstance, deps: OidcDeps): void {
  fastify.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      errorResponseBuilder: () => Object.assign(new Error("rate limited"), { statusCode: 429 }),
    });
    scope.setErrorHandler((error: Error & { statusCode?: number }, _req, reply) => {
      if (error.statusCode === 429) {
        return sendRefusal(reply, Refusal.rateLimited, { provider: deps.config.name });
      }
      log.error("single sign-on request failed", { error: String(error) });
      return sendRefusal(reply, Refusal.unverified, { provider: deps.config.name });
    });
    routes(scope, deps);
  });
}

function routes(fastify: FastifyInstance, deps: OidcDeps): void {
  const { config, https } = deps;
  const limit = { config: { rateLimit: { max: deps.requestsPerMinute ?? 60, timeWindow: 60_000 } } };
  const now = deps.now ?? Date.now;
  const rp = new RelyingParty(config);
  const pendingSeal = new Seal(deps.secret, "pending sign-in", pendingSignInSchema);
  const outcomeSeal = new Seal(deps.secret, "refusal", ssoOutcomeSchema);
  const pendingCookie = https ? "__Host-chairside_oidc" : "chairside_oidc";
  const pendingOptions: CookieSerializeOptions = {
    httpOnly: true,
    sameSite: "lax",
    secure: https,
    path: "/",
  };
  const refuse = (reply: FastifyReply, reason: SsoRefusal, ctx: Omit<RefusalContext, "provider"> = {}) => {
    log.info("single sign-on refused", { reason, providerError: ctx.providerError });
    return sendRefusal(reply, reason, { provider: config.name, ...ctx });
  };
  /** From the callback: the refusal goes into the cookie, the browser to a URL without the answer. */
  const refuseAway = (reply: FastifyReply, outcome: Omit<SsoOutcome, "expiresAt">) => {
    log.info("single sign-on refused", { reason: outcome.reason, providerError: outcome.providerError });
    const value = outcomeSeal.seal({ ...outcome, expiresAt: now() + REFUSAL_TTL_MS });
    reply.setCookie(pendingCookie, value, { ...pendingOptions, maxAge: REFUSAL_TTL_MS / 1000 });
    return reply.redirect(OIDC_REFUSED_PATH, 303);
  };

  fastify.get(OIDC_START_PATH, limit, async (req, reply) => {
    let configuration: client.Configuration;
    try {
      configuration = await rp.configuration();
    } catch (error) {
      log.warn("identity provider not reachable", { issuer: config.issuer.href, error: String(error) });
      return refuse(reply, Refusal.unreachable);
    }
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    // The Host header was checked against the configured host names before any route runs.
    const redirectUri = `${https ? "https" : "http"}://${req.headers.host}${OIDC_CALLBACK_PATH}`;
    const target = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: SCOPE,
      response_type: "code",
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    reply.setCookie(
      pendingCookie,
      pendingSeal.seal({ state, nonce, codeVerifier, redirectUri, expiresAt: now() + PENDING_TTL_MS }),
      { ...pendingOptions, maxAge: PENDING_TTL_MS / 1000 },
    );
    return reply.header("cache-control", "no-store").redirect(target.href, 303);
  });

  fastify.get(OIDC_CALLBACK_PATH, limit, async (req, reply) => {
    reply.header("cache-control", "no-store");
    const pending = pendingSeal.open(req.cookies[pendingCookie], now());
    if (!pending) return refuseAway(reply, { reason: Refusal.expired });

    const email = await verifiedEmail(rp, req, pending);
    if (typeof email !== "string") return refuseAway(reply, email);

    const match = await findStaffByEmail(deps.storage, email);
    switch (match.kind) {
      case "none":
        return refuseAway(reply, { reason: Refusal.noAccount, email });
      case "disabled":
        return refuseAway(reply, { reason: Refusal.disabled, email });
      case "ambiguous":
        return refuseAway(reply, { reason: Refusal.ambiguous, email });
      case "found":
        break;
    }
    // Single use: this browser's pending sign-in is over.
    reply.clearCookie(pendingCookie, pendingOptions);
    const { token } = await deps.sessions.create(match.staff, SESSION_METHOD);
    setStaffSessionCookie(reply, token, https, deps.sessionPolicy);
    log.info("signed in with single sign-on", { staffId: match.staff.staffId });
    return reply.redirect(SIGNED_IN_PAGE, 303);
  });

  fastify.get(OIDC_REFUSED_PATH, limit, async (req, reply) => {
    const outcome = outcomeSeal.open(req.cookies[pendingCookie], now());
    const { reason, ...ctx } = outcome ?? { reason: Refusal.expired };
    return sendRefusal(reply, reason, { provider: config.name, ...ctx });
  });
}

type EmailFailure = Omit<SsoOutcome, "expiresAt">;

/**
 * Exchanges the code (checking state, PKCE and the ID token's signature, issuer, audience, expiry
 * and nonce) and returns the e-mail address the provider vouches for. Providers that follow the
 * spec closely put the address only in the userinfo answer, so that is asked when the ID token
 * lacks it (with the ID token's subject, so an answer about someone else is refused).
 */
async function verifiedEmail(
  rp: RelyingParty,
  req: FastifyRequest,
  pending: { state: string; nonce: string; codeVerifier: string; redirectUri: string },
): Promise<string | EmailFailure> {
  let configuration: client.Configuration;
  try {
    configuration = await rp.configuration();
  } catch {
    return { reason: Refusal.unreachable };
  }
  const currentUrl = new URL(pending.redirectUri);
  currentUrl.search = new URL(req.url, "http://callback").search;
  // An answer carrying another state belongs to another browser's sign-in (or is a forged one, to
  // sign this browser in as someone else): refused before the code goes anywhere.
  if (currentUrl.searchParams.get("state") !== pending.state) return { reason: Refusal.expired };
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
  } catch (error) {
    if (error instanceof client.AuthorizationResponseError) {
      return { reason: Refusal.refused, providerError: error.error.slice(0, 60) };
    }
    log.warn("code exchange or ID token check failed", { error: String(error) });
    return { reason: Refusal.unverified };
  }
  const idToken = tokens.claims();
  if (!idToken) return { reason: Refusal.unverified };
  let claims: Record<string, unknown> = idToken;
  if (typeof idToken.email !== "string") {
    try {
      claims = { ...(await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub)) };
    } catch (error) {
      log.warn("userinfo request failed", { error: String(error) });
      return { reason: Refusal.unverified };
    }
  }
  if (typeof claims.email !== "string" || claims.email === "") return { reason: Refusal.noEmail };
  const email = claims.email.trim().toLowerCase().slice(0, 254);
  // Absent means the provider makes no statement (Entra ID, for one, sends none); false is a "no".
  if (claims.email_verified === false || claims.email_verified === "false")
    return { reason: Refusal.emailUnverified, email };
  return email;
}
