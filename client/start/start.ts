/**
 * The start page: the ways in (staff sign-in, the patient's headset) and, while the server runs
 * the demo, the demo clinic's appointments with a button per role. A button opens
 * `/room.html?appointment=<id>&as=<role>`; the room page asks for its own demo pass, so no
 * credential ever sits in a link here.
 */
import type { DemoAppointment } from "../../shared/httpSchemas.ts";
import type { InviteRole } from "../../shared/roles.ts";

const ROLE_HELP: Record<InviteRole, string> = {
  clinician: "Desktop: run the procedure, see SOE data and alarms",
  assistant: "Desktop: check-ins, breathing coach, comfort",
  patient: "Headset (Enter VR) or flat screen",
  observer: "Desktop: watch only",
};

const ROLE_ORDER: readonly InviteRole[] = ["clinician", "assistant", "patient", "observer"];

function render(appointments: DemoAppointment[]): void {
  const host = document.getElementById("appointments")!;
  host.replaceChildren();
  for (const appointment of appointments) {
    const card = document.createElement("article");
    card.className = "appointment";
    const heading = document.createElement("h3");
    const time = document.createElement("span");
    time.className = "time";
    time.textContent = appointment.scheduledAt.slice(11, 16);
    heading.append(time, `${appointment.patientName} · ${appointment.clinicianName}`);
    const list = document.createElement("ul");
    for (const role of ROLE_ORDER.filter((r) => appointment.roles.includes(r))) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.className = "role";
      a.href = `/room.html?${new URLSearchParams({ appointment: appointment.appointmentId, as: role })}`;
      a.textContent = `Join as ${role}`;
      a.dataset.testid = `join-${appointment.appointmentId}-${role}`;
      const help = document.createElement("span");
      help.className = "help";
      help.textContent = ROLE_HELP[role];
      li.append(a, help);
      list.append(li);
    }
    card.append(heading, list);
    host.append(card);
  }
}

async function loadAsync(): Promise<void> {
  const r = await fetch("/api/demo/appointments");
  // 404: the demo is off on this server; only the ways in are offered.
  if (!r.ok) return;
  render((await r.json()) as DemoAppointment[]);
  document.getElementById("demo-section")!.hidden = false;
  document.getElementById("story-section")!.hidden = false;
}

void loadAsync();
