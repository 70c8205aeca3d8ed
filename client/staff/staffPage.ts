/**
 * The staff area (staff.html): today's appointments first, then patients, appointments, SOE
 * devices and staff accounts, each shown as far as the signed-in person's role allows
 * (shared/access.ts, the same table the server enforces). A signed-out visitor is sent to sign in.
 */
import { type StaffAction, staffMay } from "../../shared/access.ts";
import type { StaffView } from "../../shared/records.ts";
import { h } from "../panel/dom.ts";
import { appointmentsSection } from "./appointmentsSection.ts";
import { ClinicData } from "./clinicData.ts";
import { devicesSection } from "./devicesSection.ts";
import { patientsSection } from "./patientsSection.ts";
import { SIGN_IN_PAGE, StaffApi } from "./staffApi.ts";
import { staffSection } from "./staffSection.ts";
import { todaySection } from "./todaySection.ts";

const ROLE_NAMES = { clinician: "Clinician", assistant: "Assistant", admin: "Clinic admin" } as const;

function signedOut(host: HTMLElement, message: string): void {
  host.replaceChildren(
    h(
      "div",
      { class: "st-signed-out", "data-testid": "signed-out" },
      h("h2", {}, "Please sign in"),
      h("p", {}, message),
      h("a", { class: "cp-btn cp-btn-primary", href: SIGN_IN_PAGE }, "Sign in"),
    ),
  );
}

/** A headset's QR code opens this page with `?pair=<code>`: say where the code goes, then drop it from the address. */
function pairingHint(): HTMLElement | null {
  const url = new URL(location.href);
  const code = url.searchParams.get("pair");
  if (!code || !/^[A-Z0-9]{4,8}$/i.test(code)) return null;
  url.searchParams.delete("pair");
  history.replaceState(null, "", `${url.pathname}${url.search}${url.hash}`);
  return h(
    "p",
    { class: "st-banner", role: "status", "data-testid": "pair-hint" },
    "Headset code ",
    h("strong", {}, code.toUpperCase()),
    ": open the patient's room below and enter it under “Pair headset”.",
  );
}

function header(me: StaffView, api: StaffApi): HTMLElement {
  const signOut = h("button", { type: "button", class: "cp-btn", "data-testid": "sign-out" }, "Sign out");
  signOut.addEventListener("click", () => {
    void api.sendAsync("POST", "/api/auth/signout").then(() => location.assign(SIGN_IN_PAGE));
  });
  return h(
    "header",
    { class: "st-header" },
    h("h1", {}, h("span", { class: "st-logo", "aria-hidden": "true" }, "◐"), " Chairside"),
    h(
      "div",
      { class: "st-me", "data-testid": "me" },
      h(
        "span",
        {},
        h("strong", {}, me.displayName),
        h("span", { class: "st-muted" }, ` · ${ROLE_NAMES[me.role]}`),
      ),
      staffMay(me.role, "audit.read")
        ? h("a", { class: "cp-btn", href: "/audit.html", "data-testid": "audit-link" }, "Audit trail")
        : null,
      staffMay(me.role, "groups.host")
        ? h(
            "a",
            { class: "cp-btn", href: "/group/schedule.html", "data-testid": "groups-link" },
            "Support groups",
          )
        : null,
      signOut,
    ),
  );
}

async function startAsync(): Promise<void> {
  const host = document.getElementById("staff-app")!;
  const api = new StaffApi();
  const me = await api.meAsync();
  if (!me.ok) {
    signedOut(
      host,
      me.status === 401 ? "Your session has ended, or you have not signed in yet." : me.error.message,
    );
    return;
  }
  const staff = me.value.staff;
  const data = new ClinicData(api);
  const problem = h("p", { class: "st-banner st-banner-problem", role: "alert", hidden: true });
  data.failed.add(({ status, message }) => {
    if (status === 401) signedOut(host, "Your session has ended: sign in again to go on.");
    problem.textContent = message;
    problem.hidden = false;
  });
  data.changed.add(() => {
    problem.hidden = true;
  });
  const may = (action: StaffAction) => staffMay(staff.role, action);
  host.replaceChildren(
    header(staff, api),
    h(
      "main",
      { class: "st-main" },
      pairingHint(),
      problem,
      todaySection(data, staff),
      may("patients.read") ? patientsSection(data, staff) : null,
      may("appointments.read") ? appointmentsSection(data, staff) : null,
      may("devices.read") ? devicesSection(data, staff) : null,
      may("staff.read") ? staffSection(data, staff) : null,
    ),
  );
  await data.reloadAsync();
  document.body.dataset.ready = "true";
}

void startAsync();
