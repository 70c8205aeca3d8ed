import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/protocol.ts";
import { seedClinic, syntheticClinic } from "../clinic.ts";
import type { Identity } from "./identity.ts";
import { admitToRoom, CREDENTIAL_ENDED, endedCredentials } from "./roomAdmission.ts";

const clinic = syntheticClinic({ patientIds: ["ada", "ben"], teeth: [36], planId: "cleaning" });
const ada = clinic.appointments.get("ada")!;
const julian = seedClinic().appointments.get("julian")!;

const staff = (staffId: string, role: "clinician" | "assistant" | "admin", clinicId = "main"): Identity => ({
  kind: "staff",
  credentialId: `s-${staffId}`,
  staffId,
  clinicId,
  role,
  displayName: staffId,
});
const headset = (appointmentId: string, patientId: string, clinicId = "main"): Identity => ({
  kind: "headset",
  credentialId: `h-${appointmentId}`,
  clinicId,
  appointmentId,
  patientId,
});
const observer = (appointmentId: string): Identity => ({
  kind: "observer",
  credentialId: `o-${appointmentId}`,
  clinicId: "main",
  appointmentId,
  displayName: "Student",
});
const demo = (appointmentId: string, role: "patient" | "clinician"): Identity => ({
  kind: "demo",
  credentialId: `d-${appointmentId}-${role}`,
  clinicId: "demo",
  appointmentId,
  role,
});

const clinicianId = ada.staff.clinicianId;
const assistantId = ada.staff.assistantId!;
const on = { passSent: false, demoOn: true };

describe("room admission: a real clinic's appointment", () => {
  it.each([
    ["its clinician", [staff(clinicianId, "clinician")], "clinician"],
    ["its assistant", [staff(assistantId, "assistant")], "assistant"],
    ["its paired headset", [headset("ada", "ada")], "patient"],
    ["its invited observer", [observer("ada")], "observer"],
  ] as const)("seats %s", (_who, identities, role) => {
    const admission = admitToRoom(identities, ada, on);
    expect(admission.ok && admission.seat.role).toBe(role);
    expect(admission.ok && admission.seat.credentialId).toBe(identities[0]!.credentialId);
  });

  it.each([
    ["an admin", [staff("admin-1", "admin")], /does not enter/],
    ["a clinician not on this appointment", [staff("dr-other", "clinician")], /care team/],
    [
      "this appointment's clinician id in another clinic",
      [staff(clinicianId, "clinician", "other")],
      /another clinic/,
    ],
    ["a headset paired to another appointment", [headset("ben", "ben")], /another appointment/],
    ["an observer of another appointment", [observer("ben")], /another appointment/],
    ["a demo identity (demo pass)", [demo("julian", "clinician")], /None of your sign-ins/],
    ["nobody", [], /Sign in/],
  ] as const)("refuses %s", (_who, identities, message) => {
    const admission = admitToRoom(identities, ada, on);
    expect(admission.ok).toBe(false);
    if (!admission.ok) expect(admission.error.message).toMatch(message);
  });

  it("never seats a demo pass sent for a real appointment, whatever cookies ride along", () => {
    const admission = admitToRoom([staff(clinicianId, "clinician"), demo("julian", "clinician")], ada, {
      ...on,
      passSent: true,
    });
    expect(admission).toMatchObject({ ok: false, error: { code: ErrorCode.forbidden } });
  });

  it("tells a caller whose credential ended that it ended, not to sign in from scratch", () => {
    const gone = endedCredentials("chairside_session=stale; theme=dark", []);
    expect(gone).toEqual(["staff"]);
    expect(admitToRoom([], ada, { ...on, ended: gone })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.tokenExpired, message: CREDENTIAL_ENDED.staff },
    });
    // Over https the cookies carry the __Host- prefix; a cookie that still names someone is not ended.
    expect(endedCredentials("__Host-chairside_headset=x", [])).toEqual(["headset"]);
    expect(endedCredentials("chairside_headset=x", [headset("ada", "ada")])).toEqual([]);
    expect(endedCredentials(undefined, [])).toEqual([]);
    // Someone still signed in some other way hears about that way, not about the ended cookie.
    expect(admitToRoom([observer("ben")], ada, { ...on, ended: ["staff"] })).toMatchObject({
      error: { message: expect.stringMatching(/another appointment/) },
    });
  });

  it("gives each invited observer a member of their own", () => {
    const one = admitToRoom([observer("ada")], ada, on);
    const other = admitToRoom([{ ...observer("ada"), credentialId: "o-2" }], ada, on);
    expect(one.ok && other.ok && one.seat.personId !== other.seat.personId).toBe(true);
  });

  it("picks the credential the page names when a browser holds several", () => {
    const both = [staff(clinicianId, "clinician"), headset("ada", "ada")];
    expect(admitToRoom(both, ada, on)).toMatchObject({ ok: true, seat: { role: "clinician" } });
    expect(admitToRoom(both, ada, { ...on, seat: "headset" })).toMatchObject({
      ok: true,
      seat: { role: "patient" },
    });
    expect(admitToRoom(both, ada, { ...on, seat: "observer" })).toMatchObject({ ok: false });
  });
});

describe("room admission: the demo clinic", () => {
  it("seats a demo pass in its role, only in its own demo appointment, only while the demo is on", () => {
    expect(admitToRoom([demo("julian", "patient")], julian, { ...on, passSent: true })).toMatchObject({
      ok: true,
      seat: { role: "patient", personId: "julian", credentialKind: "demo" },
    });
    expect(admitToRoom([demo("flower", "patient")], julian, { ...on, passSent: true }).ok).toBe(false);
    expect(admitToRoom([demo("julian", "patient")], julian, { passSent: true, demoOn: false })).toMatchObject(
      { ok: false, error: { message: expect.stringMatching(/turned off/) } },
    );
  });

  it("keeps a real clinic's staff out of the demo clinic's rooms", () => {
    expect(admitToRoom([staff("dr-ray", "clinician")], julian, on)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/another clinic/) },
    });
  });
});
