/**
 * How the benchmarks' simulated people get into the real clinic's generated rooms: the bench server
 * registers one more credential checker with the one authenticator (as the pairing and sign-in
 * services do), which reads a signed claims token from a `chairside_bench` cookie and proves the
 * identity a real person in that role would have: the appointment's clinician or assistant (staff),
 * its patient (a paired headset) or an invited observer. Nothing here exists outside a bench run.
 */
import { createHash } from "node:crypto";
import { fastifyCookie } from "@fastify/cookie";
import type { CredentialChecker } from "../server/auth/authenticator.ts";
import type { Clinic } from "../server/clinic.ts";
import { verifyInvite } from "../server/tokens.ts";
import { PROTOCOL_VERSION } from "../shared/protocol.ts";

const COOKIE = "chairside_bench";

/** The checker the bench server adds to its authenticator. */
export function benchChecker(secret: Buffer, clinic: Clinic): CredentialChecker {
  return {
    name: "bench",
    async identify(presented) {
      const token = presented.cookieHeader ? fastifyCookie.parse(presented.cookieHeader)[COOKIE] : undefined;
      const verified = verifyInvite(secret, token, Date.now());
      if (!token || !verified.ok) return null;
      const claims = verified.value;
      const appt = clinic.appointments.get(claims.appointmentId);
      if (!appt) return null;
      const credentialId = `bench-${createHash("sha256").update(token).digest("hex").slice(0, 24)}`;
      const base = { credentialId, clinicId: appt.clinicId };
      switch (claims.role) {
        case "observer":
          return {
            ...base,
            kind: "observer",
            appointmentId: appt.appointmentId,
            displayName: claims.personId,
          };
        case "patient":
          return { ...base, kind: "headset", appointmentId: appt.appointmentId, patientId: appt.patientId };
        case "clinician":
        case "assistant": {
          const staffId = claims.role === "clinician" ? appt.staff.clinicianId : appt.staff.assistantId;
          if (!staffId) return null;
          return { ...base, kind: "staff", staffId, role: claims.role, displayName: claims.personId };
        }
        case "presenter":
          return null;
      }
    },
  };
}

/** Socket.IO client options for a bench person holding `token` (signed claims for one appointment). */
export function benchHandshake(token: string): {
  auth: { protocolVersion: number; appointmentId: string };
  extraHeaders: { cookie: string };
} {
  const claims = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")) as {
    appointmentId: string;
  };
  return {
    auth: { protocolVersion: PROTOCOL_VERSION, appointmentId: claims.appointmentId },
    extraHeaders: { cookie: `${COOKIE}=${token}` },
  };
}
