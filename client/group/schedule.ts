/**
 * The host's scheduling page for Noah's support group (issue 12), `/group/schedule.html`: plan a
 * session (title, date and time in the clinic's time zone, agenda topics with minutes), see the
 * upcoming ones, invite patients of the clinic from the directory (each invitation a signed link
 * to copy, print or show as a QR code), withdraw an invitation, cancel a session, and read the
 * notes past groups agreed to keep. Names only: nothing from a patient's record is on this page.
 */
import QRCode from "qrcode";
import {
  type AgendaTopic,
  clinicTime,
  type GroupInvitation,
  type GroupSummary,
  type InvitablePatient,
  type PastGroup,
  scheduleGroupSchema,
  zonedIso,
} from "../../shared/supportGroup.ts";
import { SIGN_IN_PAGE } from "../staff/staffApi.ts";
import { type GroupsOverview, ScheduleApi } from "./scheduleApi.ts";
import "./schedule.css";

const root = document.getElementById("schedule-app")!;
const api = new ScheduleApi();
let patients: InvitablePatient[] = [];

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls = "",
  text?: string,
  testid?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  if (testid) e.dataset.testid = testid;
  return e;
}

function button(text: string, testid: string, onClick: () => void, kind = ""): HTMLButtonElement {
  const b = el("button", `sc-btn ${kind}`.trim(), text, testid);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

function field(label: string, input: HTMLElement, hint?: string): HTMLLabelElement {
  const l = el("label", "sc-field");
  l.append(el("span", "sc-label", label), input);
  if (hint) l.append(el("span", "sc-hint", hint));
  return l;
}

/** Today's date (YYYY-MM-DD) on the clinic's calendar, plus some days. */
function clinicDay(timeZone: string, plusDays: number): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date(Date.now() + plusDays * 86_400_000));
}

// -- planning a session ------------------------------------------------------------------------

function topicRow(topic: AgendaTopic, onRemove: (row: HTMLElement) => void): HTMLElement {
  const row = el("div", "sc-topic", undefined, "agenda-topic");
  const title = el("input", "sc-input");
  title.value = topic.title;
  title.placeholder = "A topic, e.g. How was your week?";
  title.maxLength = 80;
  title.dataset.testid = "topic-title";
  const minutes = el("input", "sc-input sc-minutes");
  minutes.type = "number";
  minutes.min = "1";
  minutes.max = "60";
  minutes.value = String(topic.minutes);
  minutes.dataset.testid = "topic-minutes";
  minutes.setAttribute("aria-label", "minutes");
  const remove = button("✕", "topic-remove", () => onRemove(row), "sc-quiet sc-remove");
  remove.setAttribute("aria-label", "Remove this topic");
  remove.title = "Remove this topic";
  row.append(title, minutes, el("span", "sc-muted", "min"), remove);
  return row;
}

/** A zone as people read it: "Europe/Amsterdam" → "Europe/Amsterdam", "America/New_York" → "America/New York". */
const zoneName = (timeZone: string) => timeZone.replace(/_/g, " ");

/**
 * Under the date and time: the session as the clinic's clock will show it (a time a DST change
 * skips shows where it moves to), and a word when this computer's clock is in another zone.
 */
function zoneHint(timeZone: string, date: HTMLInputElement, time: HTMLInputElement): HTMLElement {
  const box = el("div", "sc-zone-hint");
  const preview = el("p", "sc-hint", "", "plan-preview");
  const update = () => {
    let text = `Times are the clinic's: ${zoneName(timeZone)}.`;
    try {
      text = `${clinicTime(zonedIso(date.value, time.value, timeZone), timeZone)} at the clinic (${zoneName(timeZone)}).`;
    } catch {
      // Not a whole date and time yet: the plain hint.
    }
    preview.textContent = text;
  };
  date.addEventListener("input", update);
  time.addEventListener("input", update);
  update();
  box.append(preview);
  const mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (mine && mine !== timeZone)
    box.append(
      el(
        "p",
        "sc-hint sc-elsewhere",
        `This computer is set to ${zoneName(mine)}: enter the time as the clinic's clock reads it.`,
        "plan-elsewhere",
      ),
    );
  return box;
}

function planForm(timeZone: string, onScheduled: () => void): HTMLElement {
  const form = el("form", "sc-card sc-plan", undefined, "plan-form");
  const title = el("input", "sc-input");
  title.maxLength = 80;
  title.placeholder = "e.g. Smiles without worry";
  title.dataset.testid = "plan-title";
  const date = el("input", "sc-input");
  date.type = "date";
  date.value = clinicDay(timeZone, 7);
  date.min = clinicDay(timeZone, 0);
  date.dataset.testid = "plan-date";
  const time = el("input", "sc-input");
  time.type = "time";
  time.value = "18:00";
  time.dataset.testid = "plan-time";
  const when = el("div", "sc-when");
  when.append(field("Date", date), field("Time", time));

  const topics = el("div", "sc-topics");
  const addTopic = (t: AgendaTopic) => topics.append(topicRow(t, (row) => row.remove()));
  addTopic({ title: "How was your week?", minutes: 10 });
  addTopic({ title: "Caring for your teeth when you are tense", minutes: 15 });
  const more = button("Add a topic", "topic-add", () => {
    if (topics.children.length < 10) addTopic({ title: "", minutes: 10 });
  });

  const error = el("p", "sc-error", "", "plan-error");
  error.setAttribute("role", "alert");
  const submit = el("button", "sc-btn sc-primary", "Schedule the session", "plan-submit");
  submit.type = "submit";
  form.append(
    el("h2", "", "Plan a session"),
    field("Title", title),
    when,
    zoneHint(timeZone, date, time),
    el("h3", "", "Agenda"),
    topics,
    more,
    error,
    submit,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    error.textContent = "";
    let startsAt: string;
    try {
      startsAt = zonedIso(date.value, time.value, timeZone);
    } catch {
      error.textContent = "Choose a date and a time.";
      return;
    }
    const agenda = [...topics.querySelectorAll<HTMLElement>(".sc-topic")]
      .map((row) => ({
        title: row.querySelector<HTMLInputElement>('[data-testid="topic-title"]')!.value.trim(),
        minutes: Number(row.querySelector<HTMLInputElement>('[data-testid="topic-minutes"]')!.value),
      }))
      .filter((t) => t.title.length > 0);
    const plan = scheduleGroupSchema.safeParse({ title: title.value, startsAt, agenda });
    if (!plan.success) {
      const issue = plan.error.issues[0];
      const where = issue?.path[0] === "agenda" ? "Agenda" : issue?.path[0] === "title" ? "Title" : "";
      error.textContent = `${where ? `${where}: ` : ""}${issue?.message ?? "Check the form."}`;
      return;
    }
    submit.disabled = true;
    void api.scheduleAsync(plan.data).then((r) => {
      submit.disabled = false;
      if (!r.ok) {
        error.textContent = r.error.message;
        return;
      }
      title.value = "";
      onScheduled();
    });
  });
  return form;
}

// -- one upcoming session ----------------------------------------------------------------------

function invitationRow(groupId: string, i: GroupInvitation, refresh: () => void): HTMLElement {
  const li = el("li", `sc-invite${i.withdrawn ? " withdrawn" : ""}`, undefined, "invitation");
  const who = el("span", "sc-who", i.patientName ?? "Link without a name");
  const state = el(
    "span",
    "sc-muted",
    i.withdrawn
      ? "withdrawn"
      : i.link
        ? `works until ${new Date(i.expiresAt).toLocaleDateString("en-GB", { day: "numeric", month: "short" })}`
        : "expired",
  );
  li.append(who, state);
  if (!i.link) return li;
  const link = i.link;
  const linkBox = el("input", "sc-input sc-link");
  linkBox.readOnly = true;
  linkBox.value = link;
  linkBox.dataset.testid = "invite-link";
  linkBox.setAttribute("aria-label", `Invitation link for ${i.patientName ?? "a guest"}`);
  const qr = el("div", "sc-qr", undefined, "invite-qr");
  qr.hidden = true;
  const actions = el("span", "sc-actions");
  actions.append(
    button("Copy", "invite-copy", () => {
      linkBox.select();
      void navigator.clipboard?.writeText(link).catch(() => document.execCommand("copy"));
    }),
    button("QR code", "invite-qr-toggle", () => {
      if (!qr.hidden) {
        qr.hidden = true;
        return;
      }
      // Drawn here from our own data as an SVG: no image request, nothing from another origin.
      void QRCode.toString(link, { type: "svg", margin: 1, errorCorrectionLevel: "M" }).then((svg) => {
        qr.innerHTML = svg;
        qr.hidden = false;
      });
    }),
    button("Print", "invite-print", () => {
      void QRCode.toString(link, { type: "svg", margin: 1, errorCorrectionLevel: "M" }).then((svg) => {
        qr.innerHTML = svg;
        qr.hidden = false;
        li.classList.add("sc-printing");
        window.addEventListener("afterprint", () => li.classList.remove("sc-printing"), { once: true });
        window.print();
      });
    }),
    button(
      "Withdraw",
      "invite-withdraw",
      () => {
        if (!confirm("Withdraw this invitation? The link will no longer open the group.")) return;
        void api.withdrawAsync(groupId, i.inviteId).then(refresh);
      },
      "sc-quiet",
    ),
  );
  li.append(linkBox, actions, qr);
  return li;
}

function sessionCard(g: GroupSummary, reload: () => void): HTMLElement {
  const card = el("article", "sc-card sc-session", undefined, "session");
  card.dataset.group = g.groupId;
  const head = el("header", "sc-session-head");
  const when = el("p", "sc-when-line", clinicTime(g.startsAt, g.timeZone), "session-when");
  head.append(el("h3", "", g.title), when);
  const agenda = el("ol", "sc-agenda");
  for (const t of g.agenda) agenda.append(el("li", "", `${t.title} · ${t.minutes} min`));

  const invites = el("ul", "sc-invites", undefined, "invitations");
  const problem = el("p", "sc-error");
  const refresh = () => {
    void api.invitationsAsync(g.groupId).then((r) => {
      if (!r.ok) {
        problem.textContent = r.error.message;
        return;
      }
      invites.replaceChildren(...r.value.invitations.map((i) => invitationRow(g.groupId, i, refresh)));
    });
  };
  const pick = el("select", "sc-input", undefined, "invite-patient");
  pick.append(new Option("Choose a patient…", ""));
  for (const p of patients) pick.append(new Option(p.displayName, p.patientId));
  pick.append(new Option("A link without a name", "-"));
  const invite = button(
    "Invite",
    "invite-send",
    () => {
      if (!pick.value) {
        problem.textContent = "Choose a patient to invite.";
        return;
      }
      problem.textContent = "";
      void api.inviteAsync(g.groupId, pick.value === "-" ? null : pick.value).then((r) => {
        if (!r.ok) problem.textContent = r.error.message;
        pick.value = "";
        refresh();
      });
    },
    "sc-primary",
  );
  const inviteLine = el("div", "sc-invite-line");
  inviteLine.append(pick, invite);

  const open = el("a", "sc-btn", "Open the circle", "session-open");
  open.href = g.link;
  const cancel = button(
    "Cancel the session",
    "session-cancel",
    () => {
      if (!confirm(`Cancel “${g.title}”? Everyone's invitation stops working.`)) return;
      void api.cancelAsync(g.groupId).then(reload);
    },
    "sc-quiet",
  );
  const foot = el("footer", "sc-session-foot");
  foot.append(open, cancel);
  card.append(head, agenda, el("h4", "", "Invitations"), inviteLine, problem, invites, foot);
  refresh();
  return card;
}

function pastList(past: PastGroup[]): HTMLElement {
  const box = el("section", "sc-card sc-past", undefined, "past");
  box.append(el("h2", "", "Notes groups chose to keep"));
  if (past.length === 0) {
    box.append(el("p", "sc-muted", "When a group agrees to keep its board, its notes appear here."));
    return box;
  }
  for (const p of past) {
    const item = el("div", "sc-past-item");
    item.append(el("h3", "", `${p.title} · ${clinicTime(p.startsAt, p.timeZone)}`));
    const notes = el("ul", "");
    for (const n of p.keptNotes) notes.append(el("li", "", `${n.text} — ${n.by}`));
    item.append(notes);
    box.append(item);
  }
  return box;
}

// -- the page ----------------------------------------------------------------------------------

function render(overview: GroupsOverview, name: string): void {
  const header = el("header", "sc-header");
  const back = el("a", "sc-btn sc-quiet", "Staff area");
  back.href = "/staff.html";
  header.append(
    el("h1", "", "Support group sessions"),
    el("span", "sc-muted", `Host: ${name}`),
    el("span", "sc-muted", `Clinic time: ${zoneName(overview.timeZone)}`, "clinic-zone"),
    back,
  );
  const upcoming = el("section", "sc-upcoming", undefined, "upcoming");
  upcoming.append(el("h2", "", "Upcoming"));
  if (overview.groups.length === 0)
    upcoming.append(el("p", "sc-muted", "No session planned yet. Plan one on the left."));
  for (const g of overview.groups) upcoming.append(sessionCard(g, () => void loadAsync()));
  const side = el("div", "sc-side");
  side.append(
    planForm(overview.timeZone, () => void loadAsync()),
    pastList(overview.past),
  );
  const layout = el("div", "sc-layout");
  layout.append(side, upcoming);
  root.replaceChildren(header, layout);
}

function problemPage(title: string, detail: string, signIn: boolean): void {
  const box = el("section", "sc-card sc-message", undefined, "schedule-message");
  box.append(el("h1", "", title), el("p", "", detail));
  if (signIn) {
    const a = el("a", "sc-btn sc-primary", "Sign in");
    a.href = `${SIGN_IN_PAGE}?next=${encodeURIComponent(location.pathname)}`;
    box.append(a);
  }
  root.replaceChildren(box);
}

let me: string | null = null;

async function loadAsync(): Promise<void> {
  if (me === null) {
    const who = await api.staff.meAsync();
    if (!who.ok) return problemPage("Please sign in", "Sign in to plan support group sessions.", true);
    me = who.value.staff.displayName;
  }
  const [overview, people] = await Promise.all([api.overviewAsync(), api.patientsAsync()]);
  if (!overview.ok) {
    return problemPage(
      overview.status === 403 ? "Not for your role" : "Sessions could not be loaded",
      overview.error.message,
      overview.status === 401,
    );
  }
  patients = people.ok ? people.value.patients : [];
  render(overview.value, me);
}

void loadAsync();
