/**
 * Noah's support group page (issue 12): a calm circle in any browser (desktop or phone). A
 * participant opens the invitation link, chooses the name the group will call them and joins;
 * the host (signed in) opens the group's link. Everyone sees the circle with raised hands, the
 * agenda's topic and its timer, and the shared board; the host mutes, lets speak, asks someone to
 * leave, locks, runs the agenda and ends the session. Voice for everyone (client/voice). No
 * clinical data exists on this page.
 */
import { chosenNameSchema, GroupEv, type GroupView, topicSecondsLeft } from "../../shared/supportGroup.ts";
import { patchChildren } from "../patchDom.ts";
import { VoiceSession } from "../voice/voiceSession.ts";
import { clockText } from "./circlePanel.ts";
import { connectGroup, type GroupSocket, sendAsync } from "./groupConnection.ts";
import { disposeGroupStages, mountGroupStages, updateGroupStages } from "./groupStage.ts";
// The 3D circle registers itself as the page's stage
import "./circleView.ts";
import "./group.css";

declare global {
  interface Window {
    __chairsideGroup?: () => {
      view: GroupView | null;
      closed: string | null;
      refused: string | null;
      /** Why the link went down by itself, oldest first (the last five). */
      drops: string[];
    };
  }
}

const root = document.getElementById("group-app")!;
const params = new URLSearchParams(location.search);
const groupId = params.get("group") ?? "";
const invite = new URLSearchParams(location.hash.slice(1)).get("invite");

let view: GroupView | null = null;
/** This page's clock minus the server's, so the topic timer agrees with the server's. */
let skew = 0;
let closed: string | null = null;
let refused: string | null = null;
let socket: GroupSocket | null = null;
let voice: VoiceSession | null = null;
let drops: string[] = [];
window.__chairsideGroup = () => ({ view, closed, refused, drops });

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The 3D circle's box above the flat page (groupStage.ts); outside `root`, so re-renders keep its canvas. */
const stageHost = el("section", "g-stage");
stageHost.dataset.testid = "group-stage";
root.before(stageHost);

function button(text: string, testid: string, onClick: () => void, kind = "secondary"): HTMLButtonElement {
  const b = el("button", `g-button ${kind}`, text);
  b.type = "button";
  b.dataset.testid = testid;
  b.onclick = onClick; // a property, so patchChildren hands it to the live button
  return b;
}

function message(title: string, detail: string): void {
  const box = el("section", "g-message");
  box.dataset.testid = "group-message";
  box.append(el("h1", "", title), el("p", "", detail));
  root.replaceChildren(box);
}

function nameForm(): void {
  const form = el("form", "g-join");
  form.dataset.testid = "group-join";
  const label = el("label", "", "What would you like the group to call you?");
  const input = el("input", "g-input");
  input.name = "name";
  input.setAttribute("autocomplete", "nickname");
  input.maxLength = 32;
  input.dataset.testid = "group-name";
  label.append(input);
  const hint = el(
    "p",
    "g-hint",
    "A first name or a nickname is enough. Nothing from your dental record is shown here.",
  );
  const error = el("p", "g-error");
  const join = el("button", "g-button primary", "Join the circle");
  join.type = "submit";
  join.dataset.testid = "group-join-button";
  form.append(el("h1", "", "Welcome to the support group"), label, hint, error, join);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = chosenNameSchema.safeParse(input.value);
    if (!name.success) {
      error.textContent = name.error.issues[0]?.message ?? "Choose a name.";
      return;
    }
    start({ invite: invite!, name: name.data });
  });
  root.replaceChildren(form);
  input.focus();
}

function start(entry: { invite: string; name: string } | null): void {
  root.replaceChildren(el("p", "", "Joining…"));
  socket = connectGroup(groupId, entry, {
    onView: (v) => {
      view = v;
      skew = Date.now() - v.serverTime;
      render();
      updateGroupStages(v);
    },
    onClosed: (text) => {
      closed = text;
      disposeGroupStages();
      voice?.dispose();
      message("The session is closed for you", text);
    },
    onDropped: (reason) => {
      drops = [...drops.slice(-4), reason];
    },
    onRefused: (text) => {
      disposeGroupStages();
      voice?.dispose();
      // Refused on the way back after being in the circle (the link was down when it closed):
      // for this person the session is closed, and the server's sentence says how.
      if (view !== null) {
        closed = text;
        message("The session is closed for you", text);
        return;
      }
      refused = text;
      message("You cannot join this group now", text);
    },
  });
  voice = new VoiceSession(socket, document.body);
  mountGroupStages({ host: stageHost, groupId, socket, voice, view: () => view, skew: () => skew });
  setInterval(() => renderTimer(), 1_000);
}

function timerText(): string {
  if (!view?.topic) return "";
  const left = topicSecondsLeft(view, Date.now() - skew);
  const title = view.agenda[view.topic.index]?.title ?? "";
  return left > 0 ? `${title} · ${clockText(left)} left` : `${title} · time is up`;
}

function renderTimer(): void {
  const line = root.querySelector('[data-testid="group-timer"]');
  if (line) line.textContent = timerText();
}

/**
 * What this person is writing for the board. Every view update redraws the page (someone raises a
 * hand, the topic moves on) into the live one (patchChildren), which keeps the field, its focus
 * and its caret; the draft is kept here too, for the field a refused note is put back into.
 */
let noteDraft = "";

function render(): void {
  if (!view || !socket) return;
  const s = socket;
  const me = view.members.find((m) => m.memberId === view!.you);
  const isHost = me?.role === "host";
  voice?.holdByHost(me?.mutedByHost ?? false);

  const header = el("header", "g-header");
  const timerLine = el("p", "g-timer", timerText());
  timerLine.dataset.testid = "group-timer";
  header.append(el("h1", "", view.title), timerLine);
  if (view.otto) {
    const otto = el("p", "g-otto", `Otto: ${view.otto}`);
    otto.dataset.testid = "group-otto";
    header.append(otto);
  }

  const circle = el("ul", "g-circle");
  circle.dataset.testid = "group-circle";
  for (const m of view.members) {
    const li = el("li", `g-person ${m.role}`);
    li.dataset.member = m.memberId;
    li.dataset.hand = String(m.handRaised);
    li.dataset.muted = String(m.mutedByHost);
    const name = el("span", "g-name", m.memberId === view.you ? `${m.name} (you)` : m.name);
    const badges = el("span", "g-badges");
    if (m.role === "host") badges.append(el("span", "g-badge", "host"));
    else if (m.canHost) badges.append(el("span", "g-badge", "clinic staff"));
    if (m.handRaised) badges.append(el("span", "g-badge hand", "hand raised"));
    if (m.mutedByHost) badges.append(el("span", "g-badge muted", "muted by host"));
    if (!m.connected) badges.append(el("span", "g-badge", "reconnecting"));
    li.append(name, badges);
    if (isHost && m.role === "participant") {
      const actions = el("span", "g-actions");
      actions.append(
        button(m.mutedByHost ? "Let speak" : "Mute", `mute-${m.name}`, () => {
          void sendAsync(s, GroupEv.mute, { memberId: m.memberId, muted: !m.mutedByHost });
        }),
      );
      // A colleague who may host takes the circle over; a participant may be asked to leave.
      if (m.canHost) {
        if (m.connected)
          actions.append(
            button("Hand over hosting", `handover-${m.name}`, () => {
              if (confirm(`Hand the circle over to ${m.name}? They will host from now on.`))
                void sendAsync(s, GroupEv.handOver, { memberId: m.memberId });
            }),
          );
      } else {
        actions.append(
          button("Ask to leave", `remove-${m.name}`, () => {
            if (confirm(`Ask ${m.name} to leave this session? They will need a new invitation to come back.`))
              void sendAsync(s, GroupEv.remove, { memberId: m.memberId });
          }),
        );
      }
      li.append(actions);
    }
    circle.append(li);
  }

  const mine = el("div", "g-mine");
  if (me && me.role !== "otto") {
    mine.append(
      button(
        me.handRaised ? "Lower my hand" : "Raise my hand",
        "raise-hand",
        () => {
          void sendAsync(s, GroupEv.hand, { raised: !me.handRaised });
        },
        "primary",
      ),
    );
  }

  const agenda = el("ol", "g-agenda");
  agenda.dataset.testid = "group-agenda";
  view.agenda.forEach((t, i) => {
    const li = el("li", view!.topic?.index === i ? "current" : "", `${t.title} (${t.minutes} min)`);
    if (isHost)
      li.append(
        button(
          view!.topic?.index === i ? "Restart" : "Start",
          `topic-${i}`,
          () => void sendAsync(s, GroupEv.topic, { index: i }),
        ),
      );
    agenda.append(li);
  });

  const board = el("section", "g-board");
  board.dataset.testid = "group-board";
  board.append(el("h2", "", "Our board"));
  const notes = el("ul", "g-notes");
  for (const n of view.board.notes) notes.append(el("li", "", `${n.text} — ${n.by}`));
  const input = el("input", "g-input");
  input.placeholder = "Write a thought for the group";
  input.maxLength = 280;
  input.dataset.testid = "note-input";
  input.value = noteDraft;
  input.oninput = (e) => {
    noteDraft = (e.currentTarget as HTMLInputElement).value;
  };
  // The field on the page: the one built here is only a description after the first render.
  const liveField = () => root.querySelector<HTMLInputElement>('[data-testid="note-input"]');
  const addNote = () => {
    const text = noteDraft.trim();
    if (!text) return;
    noteDraft = "";
    const field = liveField();
    if (field) field.value = "";
    void sendAsync(s, GroupEv.note, { text }).then((result) => {
      // Not on the board (refused, or no answer): the words come back to the field to try again.
      if (!result.ok && noteDraft === "") {
        noteDraft = text;
        const field = liveField();
        if (field) field.value = text;
      }
    });
  };
  input.onkeydown = (e) => {
    if (e.key === "Enter") addNote();
  };
  const add = button("Add", "note-add", addNote);
  const present = view.members.filter((m) => m.role !== "otto").length;
  const agreed = view.board.keepVotes.includes(view.you);
  const keep = button(
    agreed ? "I no longer agree to keep the notes" : "I agree to keep our notes",
    "keep-notes",
    () => {
      void sendAsync(s, GroupEv.keep, { agree: !agreed });
    },
  );
  const keepLine = el(
    "p",
    "g-hint",
    view.board.kept
      ? "Everyone agreed: the notes are kept after the session."
      : `${view.board.keepVotes.length} of ${present} agreed. Without everyone's yes, the notes are erased when the session ends.`,
  );
  board.append(notes, input, add, keep, keepLine);

  const side = el("aside", "g-side");
  side.append(el("h2", "", "Agenda"), agenda);
  if (isHost) {
    const host = el("div", "g-host");
    host.append(
      button(
        view.locked ? "Open to newcomers" : "Lock the group",
        "lock",
        () => void sendAsync(s, GroupEv.lock, { locked: !view!.locked }),
      ),
      button("End the session", "end", () => {
        if (confirm("End the session for everyone?")) void sendAsync(s, GroupEv.end, {});
      }),
    );
    // The host plans and invites on the scheduling page (client/group/schedule.ts).
    const sessions = el("a", "g-button secondary", "All sessions and invitations");
    sessions.href = "/group/schedule.html";
    sessions.target = "_blank";
    sessions.rel = "noopener";
    sessions.dataset.testid = "group-schedule-link";
    host.append(sessions);
    side.append(host);
  }
  side.append(board);

  const main = el("div", "g-main");
  main.append(el("h2", "", view.locked ? "The circle (locked)" : "The circle"), circle, mine);
  const layout = el("div", "g-layout");
  layout.append(main, side);
  // Into the live page, so a button pressed or a field typed in as the view changes is still there.
  patchChildren(root, [header, layout]);
}

if (!groupId) message("No group chosen", "Open the invitation link the clinic sent you.");
else if (invite) nameForm();
else start(null);
