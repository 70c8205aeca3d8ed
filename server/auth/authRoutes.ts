/**
 * The sign-in API (issue 8): password and passkey sign-in, sign-out, the session the pages read,
 * the first admin's setup and staff enrolment, and a signed-in person's own password and passkeys.
 * Every body is parsed with a schema from `shared/authSchemas.ts`; every answer is JSON in the one
 * shape of `shared/apiErrors.ts`. Two layers hold back guessing: @fastify/rate-limit caps requests
 * per address on these routes, and SigninLimits counts failures per account and per address.
 */
import rateLimit from "@fastify/rate-limit";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import {
  changePasswordSchema,
  type EnrolmentInfo,
  enrolmentFinishSchema,
  enrolmentLookupSchema,
  type PasskeyView,
  passkeyParamsSchema,
  passkeyRegisterSchema,
  passkeyVerifySchema,
  passwordSignInSchema,
  type SessionInfo,
} from "../../shared/authSchemas.ts";
import type { StaffRecord } from "../../shared/records.ts";
import { apiError, apiOk, parseOr400 } from "../apiReply.ts";
import { createLogger } from "../log.ts";
import type { Enrolments } from "./enrolments.ts";
import { type StaffGuard, staffSessionToken } from "./httpGuard.ts";
import type { Passkeys, RelyingParty } from "./passkeys.ts";
import { hashPassword, needsRehash, verifyNothing, verifyPassword } from "./passwords.ts";
import { clearStaffSessionCookie, setStaffSessionCookie } from "./sessionCookie.ts";
import type { Limited, SigninLimits } from "./signinLimits.ts";
import { type StaffAccounts, staffView } from "./staffAccounts.ts";
import { type SessionPolicy, type StaffSessions, sessionIdOf } from "./staffSessions.ts";

const log = createLogger("auth");

export interface AuthRouteDeps {
  accounts: StaffAccounts;
  sessions: StaffSessions;
  sessionPolicy: SessionPolicy;
  passkeys: Passkeys;
  enrolments: Enrolments;
  limits: SigninLimits;
  guard: StaffGuard;
  https: boolean;
  /** CHAIRSIDE_DEMO: the start page offers the demo clinic. */
  demo: boolean;
  /** The single sign-on button's name, or null without SSO. */
  ssoName: string | null;
  /** Some enabled admin can sign in already (then a first-admin link is refused). */
  hasUsableAdmin: () => Promise<boolean>;
  /** Coarse outer limit per address on the sign-in routes (requests per minute). */
  requestsPerMinute?: number;
}

/** Registers the sign-in routes in their own scope (their own rate limiter and error answers). */
export function registerAuthRoutes(fastify: FastifyInstance, deps: AuthRouteDeps): void {
  fastify.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_req, context) =>
        Object.assign(new Error("rate limited"), { statusCode: 429, retryAfterMs: context.ttl }),
    });
    // JSON errors here (415 for a form post, 400 for a broken body, 429 from the outer limit).
    scope.setErrorHandler((error: Error & { statusCode?: number; retryAfterMs?: number }, _req, reply) => {
      const status = error.statusCode ?? 500;
      if (status === 429) {
        return apiError(reply, 429, ApiErrorCode.rateLimited, tooMany(error.retryAfterMs ?? 60_000), {
          retryAfterMs: error.retryAfterMs ?? 60_000,
        });
      }
      if (status === 415) return apiError(reply, 415, ApiErrorCode.invalid, "Send JSON.");
      if (status < 500)
        return apiError(reply, status, ApiErrorCode.invalid, "The request is not valid JSON.");
      log.error("auth request failed", { error: String(error) });
      return apiError(reply, 500, ApiErrorCode.internal, "Something went wrong on the server.");
    });
    routes(scope, deps);
  });
}

function tooMany(retryAfterMs: number): string {
  const minutes = Math.ceil(retryAfterMs / 60_000);
  return `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/** The relying party of a request: the host name the browser used, and the origin it sees. */
function relyingParty(req: FastifyRequest): RelyingParty {
  return { rpID: req.hostname, origin: `${req.protocol}://${req.host}` };
}

function routes(f: FastifyInstance, deps: AuthRouteDeps): void {
  const { accounts, sessions, passkeys, enrolments, limits, guard, https } = deps;
  const outer = { rateLimit: { max: deps.requestsPerMinute ?? 60, timeWindow: 60_000 } };

  const view = async (staff: StaffRecord) =>
    staffView(staff, (await passkeys.forStaff(staff.staffId)).length);

  async function signIn(
    req: FastifyRequest,
    reply: FastifyReply,
    staff: StaffRecord,
    method: string,
  ): Promise<FastifyReply> {
    // A session this browser held before ends here: one browser, one session, never a stale one left behind.
    const previous = staffSessionToken(req.headers.cookie, https);
    if (previous) await accounts.signOut(sessionIdOf(previous));
    const { token, session } = await sessions.create(staff, method);
    log.info("signed in", { staffId: staff.staffId, method });
    await accounts.audit(staff.staffId, "auth.signin", staff.staffId, method);
    setStaffSessionCookie(reply, token, https, deps.sessionPolicy);
    const body: SessionInfo = {
      staff: await view(staff),
      csrfToken: session.csrfToken,
      demo: deps.demo,
      sso: deps.ssoName !== null,
      ssoName: deps.ssoName,
    };
    return apiOk(reply, body);
  }

  function limited(reply: FastifyReply, l: Limited): FastifyReply {
    log.warn("sign-in limited", { by: l.by, retryAfterMs: l.retryAfterMs });
    return apiError(reply, 429, ApiErrorCode.rateLimited, tooMany(l.retryAfterMs), {
      retryAfterMs: l.retryAfterMs,
    });
  }

  f.get("/api/session", async (req, reply) => {
    const live = await sessions.lookup(staffSessionToken(req.headers.cookie, https));
    const body: SessionInfo = {
      staff: live ? await view(live.staff) : null,
      csrfToken: live ? live.session.csrfToken : null,
      demo: deps.demo,
      sso: deps.ssoName !== null,
      ssoName: deps.ssoName,
    };
    return apiOk(reply, body);
  });

  f.post("/api/auth/password", { config: outer }, async (req, reply) => {
    const input = parseOr400(passwordSignInSchema, req.body, reply);
    if (!input) return reply;
    const l = limits.check(input.email, req.ip);
    if (l) return limited(reply, l);
    const staff = await accounts.byEmail(input.email);
    const ok = staff?.passwordHash
      ? await verifyPassword(staff.passwordHash, input.password)
      : await verifyNothing(input.password);
    if (!staff || !ok) {
      limits.fail(input.email, req.ip);
      log.info("password sign-in refused", { staffId: staff?.staffId ?? null });
      return apiError(reply, 401, ApiErrorCode.signedOut, "That e-mail and password do not match.", {
        problems: [{ path: "password", message: "That e-mail and password do not match." }],
      });
    }
    // Only someone who knows the password learns the account is disabled.
    if (staff.disabledAt !== null) return disabled(reply);
    limits.succeed(input.email);
    let current = staff;
    if (staff.passwordHash && needsRehash(staff.passwordHash)) {
      current = await accounts.setPasswordHash(staff, await hashPassword(input.password));
    }
    return signIn(req, reply, current, "password");
  });

  f.post("/api/auth/passkey/options", { config: outer }, async (req, reply) => {
    const l = limits.check("", req.ip);
    if (l?.by === "address") return limited(reply, l);
    return apiOk(reply, await passkeys.authenticationOptions(relyingParty(req)));
  });

  f.post("/api/auth/passkey/verify", { config: outer }, async (req, reply) => {
    const input = parseOr400(passkeyVerifySchema, req.body, reply);
    if (!input) return reply;
    const l = limits.check("", req.ip);
    if (l?.by === "address") return limited(reply, l);
    const staffId = await passkeys.authenticate(
      input.challengeId,
      input.response as unknown as AuthenticationResponseJSON,
      relyingParty(req),
    );
    const staff = staffId ? await accounts.get(staffId) : null;
    if (!staff) {
      limits.fail(`passkey:${req.ip}`, req.ip);
      return apiError(
        reply,
        401,
        ApiErrorCode.signedOut,
        "This passkey is not known here. Try again or use your password.",
      );
    }
    if (staff.disabledAt !== null) return disabled(reply);
    return signIn(req, reply, staff, "passkey");
  });

  f.post("/api/auth/signout", { preHandler: guard(null) }, async (req, reply) => {
    await accounts.signOut(req.staff!.session.sessionId);
    log.info("signed out", { staffId: req.staff!.staff.staffId });
    await accounts.audit(req.staff!.staff.staffId, "auth.signout", req.staff!.staff.staffId, "signed out");
    clearStaffSessionCookie(reply, https);
    return apiOk(reply, { ok: true });
  });

  f.post("/api/account/password", { preHandler: guard(null), config: outer }, async (req, reply) => {
    const input = parseOr400(changePasswordSchema, req.body, reply);
    if (!input) return reply;
    const staff = req.staff!.staff;
    if (staff.passwordHash !== null) {
      const l = limits.check(staff.email, req.ip);
      if (l) return limited(reply, l);
      if (
        input.currentPassword === null ||
        !(await verifyPassword(staff.passwordHash, input.currentPassword))
      ) {
        limits.fail(staff.email, req.ip);
        const message = "This is not your current password.";
        return apiError(reply, 400, ApiErrorCode.invalid, message, {
          problems: [{ path: "currentPassword", message }],
        });
      }
    }
    const next = await accounts.setPasswordHash(staff, await hashPassword(input.newPassword));
    await accounts.audit(staff.staffId, "account.password", staff.staffId, "changed own password");
    return apiOk(reply, { staff: await view(next) });
  });

  f.post("/api/account/passkeys/options", { preHandler: guard(null), config: outer }, async (req, reply) =>
    apiOk(reply, await passkeys.registrationOptions(req.staff!.staff, relyingParty(req))),
  );

  f.post("/api/account/passkeys", { preHandler: guard(null), config: outer }, async (req, reply) => {
    const input = parseOr400(passkeyRegisterSchema, req.body, reply);
    if (!input) return reply;
    const staff = req.staff!.staff;
    const ok = await passkeys.register(
      staff,
      input.response as unknown as RegistrationResponseJSON,
      input.label,
      relyingParty(req),
    );
    if (!ok) {
      return apiError(
        reply,
        400,
        ApiErrorCode.invalid,
        "The passkey could not be checked. Please try again.",
      );
    }
    log.info("passkey added", { staffId: staff.staffId });
    await accounts.audit(staff.staffId, "account.passkey", staff.staffId, "added a passkey");
    return apiOk(reply, { staff: await view(staff) }, 201);
  });

  f.get("/api/account/passkeys", { preHandler: guard(null) }, async (req, reply) => {
    const list: PasskeyView[] = (await passkeys.forStaff(req.staff!.staff.staffId)).map((p) => ({
      credentialId: p.credentialId,
      label: p.label,
      createdAt: p.createdAt,
      lastUsedAt: p.lastUsedAt,
    }));
    return apiOk(reply, { passkeys: list });
  });

  f.delete("/api/account/passkeys/:credentialId", { preHandler: guard(null) }, async (req, reply) => {
    const params = parseOr400(passkeyParamsSchema, req.params, reply);
    if (!params) return reply;
    const staff = req.staff!.staff;
    if (!(await passkeys.remove(staff.staffId, params.credentialId))) {
      return apiError(reply, 404, ApiErrorCode.notFound, "You have no such passkey.");
    }
    await accounts.audit(staff.staffId, "account.passkey", staff.staffId, "removed a passkey");
    return apiOk(reply, { staff: await view(staff) });
  });

  f.post("/api/auth/setup/lookup", { config: outer }, async (req, reply) => {
    const input = parseOr400(enrolmentLookupSchema, req.body, reply);
    if (!input) return reply;
    const e = await enrolments.peek(input.token);
    if (!e) return expiredLink(reply);
    const staff = e.staffId ? await accounts.get(e.staffId) : null;
    if (e.staffId && (!staff || staff.disabledAt !== null)) return expiredLink(reply);
    const body: EnrolmentInfo = {
      firstAdmin: e.staffId === null,
      displayName: staff?.displayName ?? null,
      email: staff?.email ?? null,
      expiresAt: e.expiresAt,
    };
    return apiOk(reply, body);
  });

  f.post("/api/auth/setup", { config: outer }, async (req, reply) => {
    const input = parseOr400(enrolmentFinishSchema, req.body, reply);
    if (!input) return reply;
    const e = await enrolments.peek(input.token);
    if (!e) return expiredLink(reply);
    let staff: StaffRecord | null;
    if (e.staffId === null) {
      const problems = [];
      if (!input.displayName) problems.push({ path: "displayName", message: "Enter your name." });
      if (!input.email) problems.push({ path: "email", message: "Enter your e-mail address." });
      if (problems.length > 0)
        return apiError(reply, 400, ApiErrorCode.invalid, problems[0]!.message, { problems });
      if (await deps.hasUsableAdmin()) {
        await enrolments.consume(input.token);
        return apiError(
          reply,
          409,
          ApiErrorCode.conflict,
          "This clinic already has an admin: ask them for an account.",
        );
      }
      if (await accounts.byEmail(input.email!)) {
        const message = "An account with this e-mail address exists already.";
        return apiError(reply, 409, ApiErrorCode.conflict, message, {
          problems: [{ path: "email", message }],
        });
      }
      if (!(await enrolments.consume(input.token))) return expiredLink(reply);
      staff = await accounts.create({ displayName: input.displayName!, email: input.email!, role: "admin" });
      log.info("first admin created", { staffId: staff.staffId });
      await accounts.audit(
        staff.staffId,
        "account.create",
        staff.staffId,
        "first admin, from the setup link",
      );
    } else {
      staff = await accounts.get(e.staffId);
      if (!staff || staff.disabledAt !== null || !(await enrolments.consume(input.token)))
        return expiredLink(reply);
    }
    if (input.password !== null)
      staff = await accounts.setPasswordHash(staff, await hashPassword(input.password));
    return signIn(req, reply, staff, "setup");
  });
}

function disabled(reply: FastifyReply): FastifyReply {
  return apiError(reply, 403, ApiErrorCode.forbidden, "This account is disabled. Ask your clinic's admin.");
}

function expiredLink(reply: FastifyReply): FastifyReply {
  return apiError(
    reply,
    410,
    ApiErrorCode.expired,
    "This setup link has expired or was used already. Ask your clinic's admin for a new one.",
  );
}
