/** The start page: the seeded clinic's appointments with a join link per role. */
interface DemoInvite {
  appointmentId: string;
  patientName: string;
  scheduledAt: string;
  links: Record<"patient" | "clinician" | "assistant" | "observer", string>;
}

const ROLE_HELP: Record<keyof DemoInvite["links"], string> = {
  clinician: "Desktop: run the procedure, see SOE data and alarms",
  assistant: "Desktop: check-ins, breathing coach, comfort",
  patient: "Headset (Enter VR) or flat screen",
  observer: "Desktop: watch only",
};

function render(invites: DemoInvite[]): void {
  const host = document.getElementById("appointments")!;
  host.replaceChildren();
  for (const invite of invites.filter((i) => i.appointmentId !== "demo")) {
    const card = document.createElement("article");
    card.className = "appointment";
    const time = invite.scheduledAt.slice(11, 16);
    card.innerHTML = `<h3><span class="time">${time}</span> ${invite.patientName}</h3>`;
    const list = document.createElement("ul");
    for (const role of ["clinician", "assistant", "patient", "observer"] as const) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = invite.links[role];
      a.textContent = `Join as ${role}`;
      a.dataset.testid = `join-${invite.appointmentId}-${role}`;
      const help = document.createElement("span");
      help.className = "help";
      help.textContent = ROLE_HELP[role];
      li.append(a, help);
      list.append(li);
    }
    card.append(list);
    host.append(card);
  }
}

fetch("/api/invites")
  .then((r) => (r.ok ? (r.json() as Promise<DemoInvite[]>) : Promise.reject(new Error(`HTTP ${r.status}`))))
  .then(render)
  .catch(() => {
    document.getElementById("appointments")!.textContent =
      "Join links are turned off on this server: use the invite link the clinic sent you.";
  });
