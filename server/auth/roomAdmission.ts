/**
 * Who may enter which treatment room, and as what: a pure function of the caller's identities
 * (from the one authenticator) and the appointment, so every case is a table row in a unit test.
 *
 * - staff: only the appointment's own clinician or assistant, of the same clinic, whose role may
 *   enter rooms (STAFF_ACCESS `rooms.enter`; an admin runs records, not treatments);
 * - headset: the patient of exactly the appointment it was paired to;
 * - observer: an observer of exactly the appointment that invited it;
 * - demo pass: its role, on a demo-clinic appointment, while the demo is on.
 *
 * Nobody else gets in, and the client never names its own role.
 */
import { StaffAction, staffMay } from "../../shared/access.ts";
import { ErrorCode, type ProtocolError, type Seat } from "../../shared/protocol.ts";
import { type AudienceRole, Role } from "../../shared/roles.ts";
import { type Appointment, ClinicId, personForRole } from "../clinic.ts";
import { CookieName, type Identity } from "./identity.ts";

/** Who an admitted connection is in the room. */
export interface RoomSeat {
  appointmentId: string;
  roomId: string;
  personId: string;
  role: AudienceRole;
  /** Set for a person not in the clinic's people (an invited observer); else their record's name is used. */
  displayName: string | null;
  /** The credential it rode in on: revoking it cuts this connection. */
  credentialId: string;
  credentialKind: Identity["kind"];
}

export type Admission = { ok: true; seat: RoomSeat } | { ok: false; error: ProtocolError };

export interface AdmissionRequest {
  /** Kinds of credential the caller came with that no longer hold (see `endedCredentials`). */
  ended?: readonly Identity["kind"][];
  /** Which credential to use when the caller holds several. */
  seat?: Seat;
  /** The caller sent a demo pass: that is the one it means. */
  passSent: boolean;
  /** CHAIRSIDE_DEMO. */
  demoOn: boolean;
}

/** What a person is told when the credential they came with has ended, by its kind. */
export const CREDENTIAL_ENDED: Record<Identity["kind"], string> = {
  staff: "Your sign-in ended (signed out, timed out, or account disabled): sign in again to return.",
  headset: "This headset was handed to the next patient or its appointment ended.",
  observer: "Your invitation to watch was withdrawn or has ended.",
  demo: "Your demo pass ended: open the demo again from the start page.",
};

const COOKIE_KIND = new Map<string, Identity["kind"]>([
  [CookieName.staffSession, "staff"],
  [CookieName.headset, "headset"],
  [CookieName.observer, "observer"],
]);

/**
 * The kinds of credential whose cookie the caller still sends but which name nobody any more
 * (signed out, timed out, headset handed on, invitation withdrawn). A page that was away when its
 * credential ended (asleep, or mid-reconnect) is then told that, not asked to sign in from scratch.
 */
export function endedCredentials(
  cookieHeader: string | undefined,
  identities: readonly Identity[],
): Identity["kind"][] {
  const ended: Identity["kind"][] = [];
  for (const part of (cookieHeader ?? "").split(";")) {
    const name = part
      .split("=", 1)[0]!
      .trim()
      .replace(/^__Host-/, "");
    const kind = COOKIE_KIND.get(name);
    if (kind && !ended.includes(kind) && !identities.some((i) => i.kind === kind)) ended.push(kind);
  }
  return ended;
}

/** Which identity wins when several fit and the caller did not choose: the most specific first. */
const PREFERENCE: readonly Identity["kind"][] = ["staff", "headset", "observer", "demo"];

/** The seat an identity has in this appointment's room, or why it has none. */
export function seatFor(identity: Identity, appt: Appointment, demoOn: boolean): Admission {
  const base = {
    appointmentId: appt.appointmentId,
    roomId: appt.roomId,
    credentialId: identity.credentialId,
  };
  if (identity.clinicId !== appt.clinicId) {
    return refuse(ErrorCode.forbidden, "This room belongs to another clinic.");
  }
  switch (identity.kind) {
    case "staff": {
      if (!staffMay(identity.role, StaffAction.roomsEnter)) {
        return refuse(ErrorCode.forbidden, `A ${identity.role} account does not enter treatment rooms.`);
      }
      const role =
        identity.staffId === appt.staff.clinicianId
          ? Role.clinician
          : identity.staffId === appt.staff.assistantId
            ? Role.assistant
            : null;
      if (role === null) {
        return refuse(ErrorCode.forbidden, "You are not on this appointment's care team.");
      }
      return admitted({
        ...base,
        personId: identity.staffId,
        role,
        displayName: identity.displayName,
        credentialKind: "staff",
      });
    }
    case "headset":
      if (identity.appointmentId !== appt.appointmentId || identity.patientId !== appt.patientId) {
        return refuse(ErrorCode.forbidden, "This headset is paired to another appointment.");
      }
      return admitted({
        ...base,
        personId: appt.patientId,
        role: Role.patient,
        displayName: null,
        credentialKind: "headset",
      });
    case "observer":
      if (identity.appointmentId !== appt.appointmentId) {
        return refuse(ErrorCode.forbidden, "Your invitation is for another appointment.");
      }
      return admitted({
        ...base,
        // Each invited observer is a member of their own (two observers never take each other's seat).
        personId: `observer-${identity.credentialId}`.slice(0, 100),
        role: Role.observer,
        displayName: identity.displayName,
        credentialKind: "observer",
      });
    case "demo": {
      if (!demoOn)
        return refuse(ErrorCode.forbidden, "The demo is turned off on this server: sign in instead.");
      if (appt.clinicId !== ClinicId.demo || identity.appointmentId !== appt.appointmentId) {
        return refuse(ErrorCode.forbidden, "A demo pass only opens its own demo-clinic room.");
      }
      const personId = personForRole(appt, identity.role);
      if (personId === null) return refuse(ErrorCode.forbidden, "Nobody joins this room in that role.");
      return admitted({ ...base, personId, role: identity.role, displayName: null, credentialKind: "demo" });
    }
  }
}

/**
 * The one seat the caller gets in this appointment's room. A demo pass the caller sent is the one
 * it means; else `seat` picks the kind; else the first that fits, in PREFERENCE order.
 */
export function admitToRoom(
  identities: readonly Identity[],
  appt: Appointment,
  request: AdmissionRequest,
): Admission {
  const chosen = identities.filter((identity) =>
    request.passSent
      ? identity.kind === "demo"
      : request.seat !== undefined
        ? identity.kind === request.seat
        : identity.kind !== "demo",
  );
  if (chosen.length === 0) {
    const ended = request.passSent || identities.length > 0 ? undefined : request.ended?.[0];
    if (ended) return refuse(ErrorCode.tokenExpired, CREDENTIAL_ENDED[ended]);
    return refuse(
      ErrorCode.tokenMissing,
      identities.length === 0 && !request.passSent
        ? "Sign in (staff), pair this headset, or open the room from your invitation."
        : "None of your sign-ins is for this room.",
    );
  }
  const ordered = [...chosen].sort((a, b) => PREFERENCE.indexOf(a.kind) - PREFERENCE.indexOf(b.kind));
  let firstRefusal: Admission | null = null;
  for (const identity of ordered) {
    const admission = seatFor(identity, appt, request.demoOn);
    if (admission.ok) return admission;
    firstRefusal ??= admission;
  }
  return firstRefusal!;
}

function admitted(seat: RoomSeat): Admission {
  return { ok: true, seat };
}

function refuse(code: ProtocolError["code"], message: string): Admission {
  return { ok: false, error: { code, message } };
}
