/**
 * One place for what the pairing tests need of the clinic: a real server whose `main` clinic has
 * two appointments (`pat-a`, `pat-b`, with syntheticClinic's care team), signed-in staff with
 * and without a part in them, and a small JSON client for the staff API. When the records'
 * directory replaces seeded appointments, only this file changes.
 */

import type { StartOptions } from "../server/app.ts";
import { syntheticClinic } from "../server/clinic.ts";
import type { ServerConfig } from "../server/config.ts";
import { CSRF_HEADER } from "../shared/apiErrors.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { type SignedInStaff, signedInStaff } from "./staffAccount.ts";

export const APPOINTMENT = { appointmentId: "pat-a", patientId: "pat-a", patientName: "Patient pat-a" };
export const OTHER_APPOINTMENT = { appointmentId: "pat-b", patientId: "pat-b", patientName: "Patient pat-b" };
/** An appointment of the demo clinic, which no real staff member treats. */
export const DEMO_APPOINTMENT_ID = "demo";

export interface PairingStaff {
  /** The appointments' clinician and assistant. */
  clinician: SignedInStaff;
  assistant: SignedInStaff;
  /** A clinician of the same clinic who does not treat these appointments. */
  otherClinician: SignedInStaff;
  admin: SignedInStaff;
}

export async function startPairingServer(
  overrides: Partial<ServerConfig> = {},
  opts: StartOptions = {},
): Promise<TestServer> {
  const clinic = syntheticClinic({ patientIds: ["pat-a", "pat-b"], teeth: [36], planId: "cleaning" });
  return startTestServer(overrides, { clinic, ...opts });
}

/** The staff ids of the fixture appointments' clinician and assistant, as the clinic has them. */
export function careTeamOf(server: TestServer): { clinicianId: string; assistantId: string } {
  const { clinicianId, assistantId } = server.clinic.appointments.get(APPOINTMENT.appointmentId)!.staff;
  if (assistantId === null) throw new Error("the fixture appointment has an assistant");
  return { clinicianId, assistantId };
}

export async function pairingStaff(server: TestServer, https = false): Promise<PairingStaff> {
  const team = careTeamOf(server);
  return {
    clinician: await signedInStaff(server, { staffId: team.clinicianId, role: "clinician" }, https),
    assistant: await signedInStaff(server, { staffId: team.assistantId, role: "assistant" }, https),
    otherClinician: await signedInStaff(server, { staffId: "dr-other", role: "clinician" }, https),
    admin: await signedInStaff(server, { staffId: "admin-ann", role: "admin" }, https),
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, checked field by field
  body: any;
}

/** A JSON request as a page would send it: the cookie, and on writes the CSRF header. */
export async function callApi(
  origin: string,
  method: string,
  path: string,
  opts: { staff?: SignedInStaff | null; cookie?: string; body?: unknown; csrf?: boolean } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  const cookies = [opts.staff?.cookie, opts.cookie].filter(Boolean);
  if (cookies.length > 0) headers.cookie = cookies.join("; ");
  if (opts.staff && (opts.csrf ?? true)) headers[CSRF_HEADER] = opts.staff.csrfToken;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(new URL(path, origin), {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    redirect: "manual",
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: a page or plain text
  }
  return { status: res.status, headers: res.headers, body };
}

/** The `name=value` of a Set-Cookie answer, as the browser would send it back. */
export function cookieFrom(res: JsonResponse, name: string): string {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in the answer`);
  return line.split(";")[0]!;
}
